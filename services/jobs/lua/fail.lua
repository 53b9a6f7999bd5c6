--[[
  Records a failed attempt of a running job:
    running -> failed     (retryable and attempts < max_attempts; waits in T:delayed)
    running -> dead       (permanent error or attempts used up; enters the DLQ T:dead)
    running -> cancelled  (a cancel was requested: a cancelled job is never retried)

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (ms)   ARGV[5] lease token   ARGV[6] error JSON {code, message}
    ARGV[7] '1' when the error is retryable   ARGV[8] retry due time (ms)

  Output:
    the record of the job in its new status
    error LEASE_LOST [<status>]   (no status: the job is gone, e.g. erased)
]]
-- @include common
local k, member, now, id, refused = openLeasedJob()
if refused then
  return refused
end
clearLease(k, member)
jset(k, 'error', ARGV[6])

local attempts = tonumber(jget(k, 'attempts'))
local maxAttempts = tonumber(jget(k, 'max_attempts'))
local to
if jget(k, 'cancel_requested') == '1' then
  to = 'cancelled'
  finish(k, member, now, ARGV[4])
elseif ARGV[7] == '1' and attempts < maxAttempts then
  to = 'failed'
  jset(k, 'retry_at', ARGV[8])
  redis.call('ZADD', k.delayed, ARGV[8], member)
else
  to = 'dead'
  redis.call('ZADD', k.dead, now, member)
  finish(k, member, now, ARGV[4])
end
setStatus(k, id, 'running', to)
addEvent(k, ARGV[3], id, to, 'running', now, { error = ARGV[6] })
return jall(k)
