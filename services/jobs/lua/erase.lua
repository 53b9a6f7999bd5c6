--[[
  Erases jobs of one workspace (GDPR erasure), a bounded slice per call; store.ts calls it
  until the walk is done. Each job erased loses, together: its record, its status index entry
  (T:stats follows, so depth() stays exact), its members of T:ready, T:delayed, T:leases and
  T:dead, and its idempotency key (when the key still points to it). A running job goes too:
  its worker's next lease call finds no record and gets LEASE_LOST.

  Without an actor id every job of the workspace goes; the call that leaves the workspace
  without jobs also deletes its event stream and removes it from T:workspaces. With an actor
  id only that actor's jobs go; their events are deleted by store.ts afterwards (an erased
  job gets no new events: every script refuses or skips a job without a record).

  The walk is oldest first over the six status indexes merged (score created_at, ties by job
  id), like list.lua newest first. A job keeps its place in that order whatever its status
  becomes, so a cursor (score, id) misses no job that changes status between calls. Without
  an actor id every job looked at is erased, so the walk starts from the oldest every time.
  A record that already expired (the finished-record safety net) is erased with the
  workspace; an actor's erase cannot tell whose it was and leaves its index entry.

  Input:
    KEYS[1] T:ws:W:events (the other keys are built from the tag, as prune.lua does)
    ARGV[1] partition tag T   ARGV[2] now (unused)   ARGV[3] events MAXLEN (unused)
    ARGV[4] finished-record TTL (unused)
    ARGV[5] workspace id   ARGV[6] actor id, '' for every job of the workspace
    ARGV[7] most jobs to look at (and so to erase) in this call
    ARGV[8] cursor score, '' to start from the oldest   ARGV[9] cursor job id

  Output:
    { jobs erased, events deleted (the whole stream, workspace erase only),
      1 when the walk reached the end, cursor score, cursor job id, erased job id, ... }
]]
-- @include common
local tag, ws, actor = ARGV[1], ARGV[5], ARGV[6]
local limit = tonumber(ARGV[7])
local afterScore, afterId = ARGV[8], ARGV[9]
local w = keysFromTag(tag, ws, '')

-- Up to limit + 1 entries past the cursor from each index, oldest first: more than limit in
-- all means the walk goes on.
local indexes = {}
for _, s in ipairs(STATUSES) do
  indexes[#indexes + 1] = w.status[s]
end
local items = walkPastCursor(indexes, limit + 1, false, afterScore, afterId)

local function eraseJob(k)
  local member = k.ws .. '|' .. k.id
  local requestId = jget(k, 'client_request_id')
  for _, s in ipairs(STATUSES) do
    if redis.call('ZREM', k.status[s], k.id) == 1 then
      redis.call('HINCRBY', k.stats, s, -1)
    end
  end
  redis.call('ZREM', k.ready, member)
  redis.call('ZREM', k.delayed, member)
  redis.call('ZREM', k.leases, member)
  redis.call('ZREM', k.dead, member)
  if requestId then
    -- The key may point to a newer job of another actor by now (same client_request_id
    -- after the key expired); only this job's own key goes.
    local idem = k.idem .. requestId
    local owner = redis.call('GET', idem)
    if owner and string.sub(owner, 1, #k.id + 1) == k.id .. '|' then
      redis.call('DEL', idem)
    end
  end
  jdelete(k)
end

local erased = {}
local seen = {}
local last
for i = 1, math.min(limit, #items) do
  local item = items[i]
  last = item
  -- An id in two indexes (never written so, but cheap to guard) is erased and counted once.
  if not seen[item.member] then
    seen[item.member] = true
    local k = keysFromTag(tag, ws, item.member)
    local owner = jget(k, 'actor_id')
    if actor == '' or (owner ~= nil and owner == actor) then
      eraseJob(k)
      erased[#erased + 1] = item.member
    end
  end
end

local done = #items <= limit
local events = 0
if done and actor == '' then
  -- Every job looked at was erased and none is left: the workspace is empty now.
  events = redis.call('XLEN', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('SREM', w.workspaces, ws)
end

local out = { #erased, events, done and 1 or 0, last and fmt(last.score) or '', last and last.member or '' }
for _, id in ipairs(erased) do
  out[#out + 1] = id
end
return out
