--[[
  Reads when the partition's longest-waiting ready job entered the ready queue (read only:
  the queue-worker's ai_queue_oldest_pending_age_seconds). The ready queue is ordered by
  priority first (common.lua readyScore), so the oldest job is the oldest of the head of each
  priority band: at most ten ZRANGE ... LIMIT calls, whatever the queue's length.

  Input:
    KEYS[1] T:ready
    ARGV[1] partition tag T (job keys are built from it)   ARGV[2] now (ms, unused)
    ARGV[3] events MAXLEN (unused)   ARGV[4] finished-hash TTL (unused)

  Output:
    the enqueued_at (ms) of the oldest pending job in the ready queue, or nil when none is.
    A member whose job is gone or not pending (claim drops such stale members) is looked past,
    up to ten per band.
]]
-- @include common
local tag = ARGV[1]
local oldest = nil
for band = 0, 9 do
  local low = band * 1e13
  local from, to = fmt(low), '(' .. fmt(low + 1e13)
  for offset = 0, 9 do
    local head = redis.call('ZRANGE', KEYS[1], from, to, 'BYSCORE', 'LIMIT', offset, 1, 'WITHSCORES')
    if #head == 0 then
      break
    end
    local ws, id = splitMember(head[1])
    if jget(keysFromTag(tag, ws, id), 'status') == 'pending' then
      local enqueued = tonumber(head[2]) - low
      if oldest == nil or enqueued < oldest then
        oldest = enqueued
      end
      break
    end
  end
end
if oldest == nil then
  return nil
end
return fmt(oldest)
