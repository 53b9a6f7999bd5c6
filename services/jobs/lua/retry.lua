--[[
  Sends a failed or dead job back to the queue at once (user retry, DLQ replay):
  failed | dead -> pending. Attempts restart at 0; the previous error is kept in the event.

  Input:
    KEYS[1] the job record T:ws:W:job:<id> (common.lua keysFromArgs builds the others)
    ARGV[1] member `W|<id>`   ARGV[2] now (ms)   ARGV[3] events MAXLEN
    ARGV[4] finished-hash TTL (unused)
    ARGV[5] statuses allowed to retry, comma-separated (`failed,dead` or `dead`)
    ARGV[6] wake channel   ARGV[7] partition number

  Output:
    the record of the pending job
    error NOT_FOUND
    error CONFLICT <status>   the job is in a status ARGV[5] does not allow
]]
-- @include common
local k, member, now, id, status = openJob()
if not status then
  return redis.error_reply('NOT_FOUND')
end
if not string.find(',' .. ARGV[5] .. ',', ',' .. status .. ',', 1, true) then
  return redis.error_reply('CONFLICT ' .. status)
end
local previousError = jget(k, 'error') or ''
redis.call('ZREM', k.delayed, member)
redis.call('ZREM', k.dead, member)
redis.call('PERSIST', k.job)
jdel(k, 'error', 'retry_at', 'finished_at', 'started_at', 'result')
jset(k, 'attempts', '0', 'cancel_requested', '0')
setStatus(k, id, status, 'pending')
enqueueReady(k, member, now)
addEvent(k, ARGV[3], id, 'pending', status, now, { error = previousError })
redis.call('PUBLISH', ARGV[6], ARGV[7])
return jall(k)
