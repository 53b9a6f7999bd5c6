--[[
  Deletes finished jobs (completed, cancelled, dead) of a partition created at or before a
  cutoff, from every index. Retention counts from creation: a job finishes within its lease
  and retries of creation, and keeping no per-job "finished" index saved ~150 bytes per job.
  The walk goes workspace by workspace (SSCAN of T:workspaces, its cursor kept in T:prune),
  at most ARGV[6] jobs and ARGV[7] workspaces per call. A job record that already expired
  (the PEXPIRE safety net) is still found through its status index, so counts stay exact.

  Input:
    KEYS[1] T:workspaces   KEYS[2] T:dead   KEYS[3] T:stats   KEYS[4] T:prune
    ARGV[1] partition tag T (job keys are built from it)   ARGV[2] now (ms, unused)
    ARGV[3] events MAXLEN (unused)   ARGV[4] finished-record TTL (unused)
    ARGV[5] cutoff (ms): jobs created at or before it go   ARGV[6] most jobs to prune
    ARGV[7] most workspaces to look at

  Output:
    { jobs pruned, 1 when the walk reached the end of the set, 1 when this call began at its
      start }
]]
-- @include common
local tag, cutoff = ARGV[1], ARGV[5]
local limit, budget = tonumber(ARGV[6]), tonumber(ARGV[7])
local pruned, seen = 0, 0
local cursor = redis.call('GET', KEYS[4]) or '0'
local fromStart = cursor == '0' and 1 or 0
local wrapped = 0
repeat
  local scan = redis.call('SSCAN', KEYS[1], cursor, 'COUNT', 20)
  local full = false
  for _, ws in ipairs(scan[2]) do
    seen = seen + 1
    -- The workspace's keys, once; `k.job` is then the prefix of its job records.
    local k = keysFromTag(tag, ws, '')
    for _, s in ipairs({ 'completed', 'cancelled', 'dead' }) do
      local ids = redis.call('ZRANGE', k.status[s], '-inf', cutoff, 'BYSCORE', 'LIMIT', 0, limit - pruned)
      for _, id in ipairs(ids) do
        redis.call('ZREM', k.status[s], id)
        redis.call('HINCRBY', k.stats, s, -1)
        redis.call('ZREM', k.dead, ws .. '|' .. id)
        redis.call('DEL', k.job .. id)
        pruned = pruned + 1
      end
      full = pruned >= limit
      if full then
        break
      end
    end
    if full then
      break
    end
  end
  -- A batch cut short by the limit is walked again next time (deleting is idempotent).
  if full then
    break
  end
  cursor = scan[1]
  if cursor == '0' then
    wrapped = 1
  end
until wrapped == 1 or seen >= budget
redis.call('SET', KEYS[4], cursor)
return { pruned, wrapped, fromStart }
