--[[
  Extends the lease of a running job for its current holder (heartbeat).

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN (unused)
    ARGV[4] finished-hash TTL (unused)   ARGV[5] lease token   ARGV[6] lease duration (ms)

  Output:
    { lease_expires_at, cancel_requested ('0' | '1') }
    error LEASE_LOST <status>     not running, or the token is not the current one
    error LEASE_LOST              the job is gone (erased, or its record expired)
]]
-- @include common
local k = keysFromArgs()
local refused = checkLease(k, ARGV[5])
if refused then
  return refused
end
local expires = fmt(tonumber(ARGV[2]) + tonumber(ARGV[6]))
jset(k, 'lease_expires_at', expires)
redis.call('ZADD', k.leases, expires, ARGV[1])
return { expires, jget(k, 'cancel_requested') }
