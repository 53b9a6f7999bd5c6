--[[
  Adds a pending job, or returns the job an idempotency key already points to.

  Input:
    KEYS[1..15] the job keys (src/keys.ts jobKeys): job, idx, idx:<6 statuses>, events,
                ready, delayed, leases, dead, finished, stats
    KEYS[16]    idempotency key (T:ws:W:idem:<key>; any same-tag key when ARGV[6] is '0')

    ARGV[1] member `W|<id>`      ARGV[2] now (ms)
    ARGV[3] events MAXLEN        ARGV[4] finished-hash TTL (ms, unused here)
    ARGV[5] job fields, JSON object of strings (without status/attempts/enqueued_at)
    ARGV[6] '1' when an idempotency key is given
    ARGV[7] body hash            ARGV[8] idempotency TTL (ms)
    ARGV[9] max pending jobs per workspace
    ARGV[10] wake channel        ARGV[11] partition number

  Output:
    { 'created' }                        the job is stored as sent, status pending
    { 'replayed', HGETALL of the job }   the key's original job
    error CONFLICT <status>  the key was used with another body
    error RATE_LIMITED       the workspace has ARGV[9] pending jobs already
]]
-- @include common
local k = keysFromArgs()
local member, now = ARGV[1], ARGV[2]
local _, id = splitMember(member)

if ARGV[6] == '1' then
  local seen = redis.call('GET', KEYS[16])
  if seen then
    local seenId, expires = string.match(seen, '^([^|]+)|(%d+)$')
    if seenId and tonumber(expires) > tonumber(now) then
      local seenKey = string.sub(k.idx, 1, -5) .. ':job:' .. seenId
      local seenStatus = redis.call('HGET', seenKey, 'status')
      if seenStatus then
        if redis.call('HGET', seenKey, 'body_hash') ~= ARGV[7] then
          return redis.error_reply('CONFLICT ' .. seenStatus)
        end
        return { 'replayed', redis.call('HGETALL', seenKey) }
      end
    end
  end
end

if redis.call('ZCARD', k.status.pending) >= tonumber(ARGV[9]) then
  return redis.error_reply('RATE_LIMITED')
end

-- ARGV[5] is a flat JSON array [field, value, ...] so the HSET is built without re-reading
-- what was just written (created_at, priority), unlike the other scripts' helpers.
local fields = cjson.decode(ARGV[5])
local created, priority
for i = 1, #fields, 2 do
  if fields[i] == 'created_at' then created = fields[i + 1] end
  if fields[i] == 'priority' then priority = fields[i + 1] end
end
redis.call('HSET', k.job, 'status', 'pending', 'attempts', '0', 'cancel_requested', '0',
  'body_hash', ARGV[7], 'enqueued_at', now, unpack(fields))

redis.call('ZADD', k.idx, created, id)
redis.call('ZADD', k.status.pending, created, id)
redis.call('HINCRBY', k.stats, 'pending', 1)
redis.call('ZADD', k.ready, readyScore(priority, now), member)
if ARGV[6] == '1' then
  local ttl = tonumber(ARGV[8])
  redis.call('SET', KEYS[16], id .. '|' .. fmt(tonumber(now) + ttl), 'PX', ttl)
end
redis.call('XADD', k.events, 'MAXLEN', '~', ARGV[3], '*',
  'job_id', id, 'status', 'pending', 'prev', '', 'at', now, 'attempts', '0')
redis.call('PUBLISH', ARGV[10], ARGV[11])
return { 'created' }
