--[[
  Records the result of a running job: running -> completed.

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (ms)   ARGV[5] lease token   ARGV[6] result JSON
    ARGV[7..9] optional: lease (ms), worker id and random token part to claim the next ready
               job of the same partition in the same call (as claim.lua does)

  Output:
    the record of the completed job; with ARGV[7]: { 'next', the record of the claimed job } or
    { 'none' } (the completed job is not sent back: the worker does not read it)
    error LEASE_LOST [<status>]   (no status: the job is gone, e.g. erased)
]]
-- @include common
local k, member, now, id, refused = openLeasedJob()
if refused then
  return refused
end
clearLease(k, member)
jset(k, 'result', ARGV[6])
setStatus(k, id, 'running', 'completed')
finish(k, member, now, ARGV[4])
addEvent(k, ARGV[3], id, 'completed', 'running', now)
if ARGV[7] then
  local nextJob = claimFirstReady(k.tag, k.ready, k.leases, now, ARGV[3], ARGV[7], ARGV[8], ARGV[9])
  if nextJob then
    return { 'next', nextJob }
  end
  return { 'none' }
end
return jall(k)
