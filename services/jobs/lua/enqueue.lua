--[[
  Adds a pending job, or returns the job an idempotency key already points to.

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    KEYS[2]     idempotency key (T:ws:W:idem:<key>; any same-tag key when ARGV[6] is '0')

    ARGV[1] member `W|<id>`      ARGV[2] now (ms)
    ARGV[3] events MAXLEN        ARGV[4] finished-hash TTL (ms, unused here)
    ARGV[5] the job record as stored (common.lua: fields JSON, newline, params JSON), status
            pending, attempts 0, enqueued_at = now, created_at = ARGV[12]
    ARGV[6] '1' when an idempotency key is given
    ARGV[7] body hash            ARGV[8] idempotency TTL (ms)
    ARGV[9] max pending jobs per workspace
    ARGV[10] wake channel        ARGV[11] partition number
    ARGV[12] created_at (ms)     ARGV[13] priority

  Output:
    { 'created' }                        the job is stored as sent, status pending
    { 'replayed', the record of the job }   the key's original job
    error CONFLICT <status>  the key was used with another body
    error RATE_LIMITED       the workspace has ARGV[9] pending jobs already
]]
-- @include common
local k = keysFromArgs()
local member, now = ARGV[1], ARGV[2]
local id = k.id

if ARGV[6] == '1' then
  local seen = redis.call('GET', KEYS[2])
  if seen then
    local seenId, expires = string.match(seen, '^([^|]+)|(%d+)$')
    if seenId and tonumber(expires) > tonumber(now) then
      local seenJob = keysFromTag(k.tag, k.ws, seenId)
      local seenStatus = jget(seenJob, 'status')
      if seenStatus then
        if jget(seenJob, 'body_hash') ~= ARGV[7] then
          return redis.error_reply('CONFLICT ' .. seenStatus)
        end
        return { 'replayed', jall(seenJob) }
      end
    end
  end
end

if redis.call('ZCARD', k.status.pending) >= tonumber(ARGV[9]) then
  return redis.error_reply('RATE_LIMITED')
end

local created = ARGV[12]
redis.call('SET', k.job, ARGV[5])
redis.call('ZADD', k.status.pending, created, id)
redis.call('HINCRBY', k.stats, 'pending', 1)
redis.call('SADD', k.workspaces, k.ws)
redis.call('ZADD', k.ready, readyScore(ARGV[13], now), member)
if ARGV[6] == '1' then
  local ttl = tonumber(ARGV[8])
  redis.call('SET', KEYS[2], id .. '|' .. fmt(tonumber(now) + ttl), 'PX', ttl)
end
addEventWithAttempts(k, ARGV[3], id, 'pending', '', now, '0')
redis.call('PUBLISH', ARGV[10], ARGV[11])
return { 'created' }
