--[[
  Records the result of a running job: running -> completed.

  Input:
    KEYS[1..15] the job keys (src/keys.ts jobKeys)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (ms)   ARGV[5] lease token   ARGV[6] result JSON

  Output:
    HGETALL of the completed job
    error NOT_FOUND | LEASE_LOST <status>
]]
-- @include common
local k, member, now, id, refused = openLeasedJob()
if refused then
  return refused
end
clearLease(k, member)
redis.call('HSET', k.job, 'result', ARGV[6])
setStatus(k, id, 'running', 'completed')
finish(k, member, now, ARGV[4])
addEvent(k, ARGV[3], id, 'completed', 'running', now)
return redis.call('HGETALL', k.job)
