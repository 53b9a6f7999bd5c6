--[[
  Deletes the finished jobs (completed, cancelled, dead) of a partition that finished before
  a cutoff, and removes them from every index. A job hash that already expired (the PEXPIRE
  safety net) is found through its status index, so the counts stay exact.

  Input:
    KEYS[1] T:finished   KEYS[2] T:dead   KEYS[3] T:stats
    ARGV[1] partition tag T (job keys are built from it)   ARGV[2] now (ms, unused)
    ARGV[3] events MAXLEN (unused)   ARGV[4] finished-hash TTL (unused)
    ARGV[5] cutoff (ms): jobs finished at or before it go   ARGV[6] most jobs to prune

  Output:
    number of jobs pruned
]]
-- @include common
local tag = ARGV[1]
local pruned = 0
local members = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[5], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[6]))
for _, member in ipairs(members) do
  local ws, id = splitMember(member)
  local k = keysFromTag(tag, ws, id)
  for _, s in ipairs({ 'completed', 'cancelled', 'dead' }) do
    if redis.call('ZREM', k.status[s], id) == 1 then
      redis.call('HINCRBY', k.stats, s, -1)
    end
  end
  redis.call('ZREM', k.dead, member)
  redis.call('ZREM', k.finished, member)
  redis.call('DEL', k.job)
  pruned = pruned + 1
end
return pruned
