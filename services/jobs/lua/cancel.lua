--[[
  Cancels a job on behalf of its workspace:
    pending -> cancelled  at once (leaves the ready queue)
    running               sets cancel_requested=1 and publishes `W|<id>` on the cancel channel;
                          the worker stops the job and confirms with finish-cancelled.lua

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (ms)   ARGV[5] cancel channel

  Output:
    { 'cancelled' | 'cancelling', the record of the job }
    error NOT_FOUND
    error CONFLICT <status>   completed, failed, cancelled and dead jobs cannot be cancelled
]]
-- @include common
local k, member, now, id, status = openJob()
if not status then
  return redis.error_reply('NOT_FOUND')
end
if status == 'pending' then
  redis.call('ZREM', k.ready, member)
  setStatus(k, id, 'pending', 'cancelled')
  finish(k, member, now, ARGV[4])
  addEvent(k, ARGV[3], id, 'cancelled', 'pending', now)
  return { 'cancelled', jall(k) }
end
if status == 'running' then
  jset(k, 'cancel_requested', '1')
  redis.call('PUBLISH', ARGV[5], member)
  return { 'cancelling', jall(k) }
end
return redis.error_reply('CONFLICT ' .. status)
