--[[
  Takes back the jobs of a partition whose lease expired (their worker died or stalled).
  The attempt stays counted and the old lease token stops working (fencing):
    running -> pending    attempts < max_attempts
    running -> dead       attempts used up (error LEASE_EXPIRED)
    running -> cancelled  a cancel was requested

  Input:
    KEYS[1] T:leases   KEYS[2] T:ready   KEYS[3] T:dead   KEYS[4] T:stats
    ARGV[1] partition tag T (job keys are built from it)   ARGV[2] now (ms)
    ARGV[3] events MAXLEN   ARGV[4] finished-hash TTL (ms)   ARGV[5] most jobs to reap
    ARGV[6] wake channel    ARGV[7] partition number

  Output:
    { requeued, dead, cancelled, reaped }: counts, then the W|id members of the reaped jobs
    (the worker reads them back to audit them)
]]
-- @include common
local tag, now = ARGV[1], ARGV[2]
local expiredError = cjson.encode({ code = 'LEASE_EXPIRED', message = 'the lease expired before the job finished' })
local counts = { pending = 0, dead = 0, cancelled = 0 }
local reaped = {}

local members = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[5]))
for _, member in ipairs(members) do
  local ws, id = splitMember(member)
  local k = keysFromTag(tag, ws, id)
  redis.call('ZREM', k.leases, member)
  if jget(k, 'status') == 'running' then
    clearLease(k, member)
    local to
    if jget(k, 'cancel_requested') == '1' then
      to = 'cancelled'
      finish(k, member, now, ARGV[4])
    elseif tonumber(jget(k, 'attempts')) >= tonumber(jget(k, 'max_attempts')) then
      to = 'dead'
      jset(k, 'error', expiredError)
      redis.call('ZADD', k.dead, now, member)
      finish(k, member, now, ARGV[4])
    else
      to = 'pending'
      enqueueReady(k, member, now)
    end
    setStatus(k, id, 'running', to)
    addEvent(k, ARGV[3], id, to, 'running', now, { reason = 'lease_expired' })
    counts[to] = counts[to] + 1
    reaped[#reaped + 1] = member
  end
end
if counts.pending > 0 then
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end
return { counts.pending, counts.dead, counts.cancelled, reaped }
