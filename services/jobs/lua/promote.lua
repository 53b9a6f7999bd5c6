--[[
  Moves the failed jobs of a partition whose retry is due back to the ready queue:
  failed -> pending.

  Input:
    KEYS[1] T:delayed   KEYS[2] T:ready   KEYS[3] T:stats
    ARGV[1] partition tag T (job keys are built from it)   ARGV[2] now (ms)
    ARGV[3] events MAXLEN   ARGV[4] finished-hash TTL (unused)   ARGV[5] most jobs to promote
    ARGV[6] wake channel    ARGV[7] partition number

  Output:
    number of jobs promoted
]]
-- @include common
local tag, now = ARGV[1], ARGV[2]
local promoted = 0
local members = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[5]))
for _, member in ipairs(members) do
  local ws, id = splitMember(member)
  local k = keysFromTag(tag, ws, id)
  redis.call('ZREM', k.delayed, member)
  if jget(k, 'status') == 'failed' then
    jdel(k, 'retry_at')
    setStatus(k, id, 'failed', 'pending')
    enqueueReady(k, member, now)
    addEvent(k, ARGV[3], id, 'pending', 'failed', now, { reason = 'retry_due' })
    promoted = promoted + 1
  end
end
if promoted > 0 then
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end
return promoted
