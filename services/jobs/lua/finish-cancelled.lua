--[[
  The worker confirms that a running job whose cancel was requested has stopped:
  running -> cancelled.

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (ms)   ARGV[5] lease token

  Output:
    the record of the cancelled job
    error LEASE_LOST [<status>]   (no status: the job is gone, e.g. erased)
    error CONFLICT running    no cancel was requested for this job
]]
-- @include common
local k, member, now, id, refused = openLeasedJob()
if refused then
  return refused
end
if jget(k, 'cancel_requested') ~= '1' then
  return redis.error_reply('CONFLICT running')
end
clearLease(k, member)
setStatus(k, id, 'running', 'cancelled')
finish(k, member, now, ARGV[4])
addEvent(k, ARGV[3], id, 'cancelled', 'running', now)
return jall(k)
