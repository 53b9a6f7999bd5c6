--[[
  Gives a running job back without counting the attempt (graceful worker shutdown), so
  another worker takes it at once: running -> pending (running -> cancelled when a cancel
  was requested meanwhile).

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (ms)   ARGV[5] lease token
    ARGV[6] wake channel   ARGV[7] partition number

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
if jget(k, 'cancel_requested') == '1' then
  setStatus(k, id, 'running', 'cancelled')
  finish(k, member, now, ARGV[4])
  addEvent(k, ARGV[3], id, 'cancelled', 'running', now, { reason = 'released' })
  return jall(k)
end
jset(k, 'attempts', fmt(tonumber(jget(k, 'attempts')) - 1))
setStatus(k, id, 'running', 'pending')
enqueueReady(k, member, now)
addEvent(k, ARGV[3], id, 'pending', 'running', now, { reason = 'released' })
redis.call('PUBLISH', ARGV[6], ARGV[7])
return jall(k)
