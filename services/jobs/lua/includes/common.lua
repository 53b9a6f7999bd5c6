--[[
  Shared helpers, pasted into each script at load time (`-- @include common`).

  Key layout (T = partition tag `{<prefix>:p<k>}`, W = workspace id):
    T:ws:W:job:<id>       string, the job record (see "The job record" below)
    T:ws:W:idx:<status>   one zset per status of the workspace's jobs, score = created_at ms
                          (listing every status merges the six: an all-jobs index cost
                          ~140 bytes per job)
    T:ws:W:idem:<key>     string `<job_id>|<expires_ms>`
    T:ws:W:events         stream of status changes
    T:ready T:delayed T:leases T:dead   partition zsets, members `W|<id>`
    T:workspaces          set of the partition's workspace ids (prune walks their indexes:
                          a zset of finished jobs cost ~150 bytes per job)
    T:prune               string, where prune's walk of T:workspaces stopped (SSCAN cursor)
    T:stats               hash, job count per status
  Every key a script touches carries T, so a script stays inside one cluster slot.
]]
local STATUSES = { 'pending', 'running', 'completed', 'failed', 'cancelled', 'dead' }

--[[ The job record: one string, a JSON object of string fields, a newline, then the params
  JSON exactly as the caller's JSON.stringify wrote it (never decoded here, so its numbers keep
  their text). As a hash, the params value (over hash-max-listpack-value) made Redis keep every
  job as a hashtable: 1.6 KB for 0.7 KB of data (bench/RESULTS.md).
  A script reads and changes fields through rec/jget/jset/jdel, which cache each record for
  the call; scripts.ts wraps every script so that changed records are written once, at the
  end (SET KEEPTTL keeps a finished job's expiry). ]]
local records = {}

local function rec(k)
  local r = records[k.job]
  if r == nil then
    local text = redis.call('GET', k.job)
    if not text then
      return nil
    end
    local nl = string.find(text, '\n', 1, true)
    r = { f = cjson.decode(string.sub(text, 1, nl - 1)), params = string.sub(text, nl + 1), text = text }
    records[k.job] = r
  end
  return r
end

-- A field of the job (nil when absent or when the job does not exist), like HGET.
local function jget(k, field)
  local r = rec(k)
  return r and r.f[field]
end

-- Sets field, value, ... (values are strings), like HSET.
local function jset(k, ...)
  local r = rec(k)
  local a = { ... }
  for i = 1, #a, 2 do
    r.f[a[i]] = a[i + 1]
  end
  r.text = nil
end

local function jdel(k, ...)
  local r = rec(k)
  for _, field in ipairs({ ... }) do
    r.f[field] = nil
  end
  r.text = nil
end

-- Deletes the record and forgets it, so flushJobs cannot write it back (erase.lua).
local function jdelete(k)
  redis.call('DEL', k.job)
  records[k.job] = nil
end

local function flushJobs()
  for key, r in pairs(records) do
    if r.text == nil then
      r.text = cjson.encode(r.f) .. '\n' .. r.params
      redis.call('SET', key, r.text, 'KEEPTTL')
    end
  end
end

-- The record as stored, for the caller (store.ts decodeJob).
local function jall(k)
  flushJobs()
  return rec(k).text
end

-- Lua numbers are doubles; Redis would print big ones in exponent form, so format by hand.
local function fmt(n)
  return string.format('%.0f', n)
end

-- Walks several sorted sets as one, past a (score, member) cursor: up to `want` entries from
-- each set, merged into { member, score } items, oldest first or (newestFirst) newest first.
-- Entries sharing the cursor's score (same millisecond) are ordered by member; an empty
-- afterScore starts at the first entry. More than the caller's limit in all means the walk
-- goes on.
local function walkPastCursor(keys, want, newestFirst, afterScore, afterMember)
  local items = {}
  local function collect(reply)
    for i = 1, #reply, 2 do
      table.insert(items, { member = reply[i], score = tonumber(reply[i + 1]) })
    end
  end
  for _, key in ipairs(keys) do
    if afterScore == '' then
      if newestFirst then
        collect(redis.call('ZRANGE', key, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, want, 'WITHSCORES'))
      else
        collect(redis.call('ZRANGE', key, '-inf', '+inf', 'BYSCORE', 'LIMIT', 0, want, 'WITHSCORES'))
      end
    else
      local score = tonumber(afterScore)
      if newestFirst then
        for _, member in ipairs(redis.call('ZRANGE', key, afterScore, afterScore, 'BYSCORE', 'REV')) do
          if member < afterMember then
            table.insert(items, { member = member, score = score })
          end
        end
        collect(redis.call('ZRANGE', key, '(' .. afterScore, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, want, 'WITHSCORES'))
      else
        for _, member in ipairs(redis.call('ZRANGE', key, afterScore, afterScore, 'BYSCORE')) do
          if member > afterMember then
            table.insert(items, { member = member, score = score })
          end
        end
        collect(redis.call('ZRANGE', key, '(' .. afterScore, '+inf', 'BYSCORE', 'LIMIT', 0, want, 'WITHSCORES'))
      end
    end
  end
  table.sort(items, function(a, b)
    if a.score ~= b.score then
      return (a.score > b.score) == newestFirst
    end
    return (a.member > b.member) == newestFirst
  end)
  return items
end

-- Priority 9 first, FIFO inside a priority (1e13 ms is past year 2286).
local function readyScore(priority, enqueuedMs)
  return fmt((9 - tonumber(priority)) * 1e13 + tonumber(enqueuedMs))
end

local function splitMember(member)
  local sep = string.find(member, '|', 1, true)
  return string.sub(member, 1, sep - 1), string.sub(member, sep + 1)
end

-- The same table, built from the partition tag, for scripts that find jobs in partition zsets.
-- It keeps the tag, workspace and id it was built from, so no script has to take keys apart.
local function keysFromTag(tag, ws, id)
  local base = tag .. ':ws:' .. ws
  local k = { tag = tag, ws = ws, id = id, job = base .. ':job:' .. id, status = {} }
  for _, s in ipairs(STATUSES) do k.status[s] = base .. ':idx:' .. s end
  k.events = base .. ':events'
  -- The workspace's idempotency keys are this prefix followed by the client_request_id.
  k.idem = base .. ':idem:'
  k.ready, k.delayed, k.leases = tag .. ':ready', tag .. ':delayed', tag .. ':leases'
  k.dead, k.workspaces, k.stats = tag .. ':dead', tag .. ':workspaces', tag .. ':stats'
  return k
end

-- The keys of the job a script was called on: KEYS[1] is its record (`T:ws:W:job:<id>`) and
-- ARGV[1] its member `W|<id>`; the rest are built from the record's tag, as claim does. Sending
-- all fourteen keys with every call cost the worker more than the script itself (issue 4).
local function keysFromArgs()
  local tag = string.sub(KEYS[1], 1, string.find(KEYS[1], '}', 1, true))
  local ws, id = splitMember(ARGV[1])
  return keysFromTag(tag, ws, id)
end

-- Moves the job between status indexes and keeps the per-partition counts exact.
local function setStatus(k, id, from, to)
  local created = jget(k, 'created_at')
  if redis.call('ZREM', k.status[from], id) == 1 then
    redis.call('HINCRBY', k.stats, from, -1)
  end
  redis.call('ZADD', k.status[to], created, id)
  redis.call('HINCRBY', k.stats, to, 1)
  jset(k, 'status', to)
end

-- Appends a status change with the attempts count given (enqueue knows it without reading the
-- record it has just written).
local function addEventWithAttempts(k, maxLen, id, status, prev, now, attempts, extra)
  local args = { 'XADD', k.events, 'MAXLEN', '~', maxLen, '*',
    'job_id', id, 'status', status, 'prev', prev, 'at', now, 'attempts', attempts }
  if extra then
    for f, v in pairs(extra) do
      table.insert(args, f)
      table.insert(args, v)
    end
  end
  return redis.call(unpack(args))
end

local function addEvent(k, maxLen, id, status, prev, now, extra)
  return addEventWithAttempts(k, maxLen, id, status, prev, now, jget(k, 'attempts') or '0', extra)
end

-- A finished job (completed, cancelled, dead) expires as a safety net; prune finds it first
-- through its status index.
local function finish(k, member, now, ttlMs)
  jset(k, 'finished_at', now)
  redis.call('PEXPIRE', k.job, ttlMs)
end

local function clearLease(k, member)
  redis.call('ZREM', k.leases, member)
  jdel(k, 'lease_token', 'lease_expires_at', 'worker_id')
end

-- Puts the job at the back of its priority in the ready queue.
local function enqueueReady(k, member, now)
  jset(k, 'enqueued_at', now)
  redis.call('ZADD', k.ready, readyScore(jget(k, 'priority'), now), member)
end

-- Fencing: only the holder of the current lease token may act on a running job. A job that
-- is gone (erased, or its record expired) is a lost lease too: the worker must stop, and
-- nothing may write the record back.
local function checkLease(k, token)
  local status = jget(k, 'status')
  if not status then
    return redis.error_reply('LEASE_LOST')
  end
  if status ~= 'running' or jget(k, 'lease_token') ~= token then
    return redis.error_reply('LEASE_LOST ' .. status)
  end
  return nil
end

-- The opening of a script that acts on one job by its member (ARGV[1] member, ARGV[2] now):
-- the job's keys and ids, and its status (nil when the job does not exist).
local function openJob()
  local k = keysFromArgs()
  return k, ARGV[1], ARGV[2], k.id, jget(k, 'status')
end

-- The opening of every script a lease holder calls (ARGV[1] member, ARGV[2] now, ARGV[5]
-- lease token): the job's keys and ids, and the refusal to return when the token is not the
-- job's current one (fencing).
local function openLeasedJob()
  local k = keysFromArgs()
  return k, ARGV[1], ARGV[2], k.id, checkLease(k, ARGV[5])
end

-- Leases the first ready job of the partition whose ready/leases zsets are given (highest
-- priority, then oldest): the record of the now running job, or nil when none is ready. Shared
-- by claim and by complete's claim of the next job (one round trip per job at steady state).
local function claimFirstReady(tag, readyKey, leasesKey, now, maxLen, leaseMs, workerId, rnd)
  -- A member whose job is gone or not pending is stale; drop it and look further (bounded).
  for _ = 1, 100 do
    local popped = redis.call('ZPOPMIN', readyKey)
    if #popped == 0 then
      return nil
    end
    local member = popped[1]
    local ws, id = splitMember(member)
    local k = keysFromTag(tag, ws, id)
    if jget(k, 'status') == 'pending' then
      local attempts = fmt(tonumber(jget(k, 'attempts')) + 1)
      local expires = fmt(tonumber(now) + tonumber(leaseMs))
      jset(k, 'attempts', attempts, 'started_at', now, 'lease_token', attempts .. ':' .. rnd,
        'lease_expires_at', expires, 'worker_id', workerId)
      setStatus(k, id, 'pending', 'running')
      redis.call('ZADD', leasesKey, expires, member)
      addEvent(k, maxLen, id, 'running', 'pending', now)
      return jall(k)
    end
  end
  return nil
end

-- @body (scripts.ts wraps what follows in a function and flushes the job records after it)
