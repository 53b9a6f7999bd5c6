--[[
  Takes the first ready job of a partition (highest priority, then oldest) and leases it.

  Input:
    KEYS[1] T:ready   KEYS[2] T:leases   KEYS[3] T:stats
    ARGV[1] partition tag T (the job's own keys are built from it; they share the tag)
    ARGV[2] now (ms)   ARGV[3] events MAXLEN   ARGV[4] finished-hash TTL (ms, unused)
    ARGV[5] lease duration (ms)   ARGV[6] worker id   ARGV[7] random part of the lease token

  Output:
    HGETALL of the now running job (attempts + 1, lease_token `<attempts>:<random>`),
    or nil when the partition has nothing ready.
]]
-- @include common
local tag, now = ARGV[1], ARGV[2]

-- A member whose job is gone or not pending is stale; drop it and look further (bounded).
for _ = 1, 100 do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then
    return nil
  end
  local member = popped[1]
  local ws, id = splitMember(member)
  local k = keysFromTag(tag, ws, id)
  if redis.call('HGET', k.job, 'status') == 'pending' then
    local attempts = redis.call('HINCRBY', k.job, 'attempts', 1)
    local expires = fmt(tonumber(now) + tonumber(ARGV[5]))
    redis.call('HSET', k.job, 'started_at', now, 'lease_token', attempts .. ':' .. ARGV[7],
      'lease_expires_at', expires, 'worker_id', ARGV[6])
    setStatus(k, id, 'pending', 'running')
    redis.call('ZADD', k.leases, expires, member)
    addEvent(k, ARGV[3], id, 'running', 'pending', now)
    return redis.call('HGETALL', k.job)
  end
end
return nil
