--[[
  Takes the first ready job of a partition (highest priority, then oldest) and leases it.

  Input:
    KEYS[1] T:ready   KEYS[2] T:leases   KEYS[3] T:stats
    ARGV[1] partition tag T (the job's own keys are built from it; they share the tag)
    ARGV[2] now (ms)   ARGV[3] events MAXLEN   ARGV[4] finished-hash TTL (ms, unused)
    ARGV[5] lease duration (ms)   ARGV[6] worker id   ARGV[7] random part of the lease token

  Output:
    the record of the now running job (attempts + 1, lease_token `<attempts>:<random>`),
    or nil when the partition has nothing ready.
]]
-- @include common
return claimFirstReady(ARGV[1], KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[5], ARGV[6], ARGV[7])
