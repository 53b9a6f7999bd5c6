--[[
  One newest-first page of a workspace's jobs (highest created_at first, ties by job id
  descending), read atomically with the records themselves: one round trip, and a job that
  changes status meanwhile is neither shown twice nor missed.

  Input:
    KEYS[1..n] the status indexes to read (T:ws:W:idx:<status>): one for a status filter,
               all six for every job
    ARGV[1] the workspace's job key prefix (T:ws:W:job:)   ARGV[2] page size
    ARGV[3] cursor score, '' for the first page   ARGV[4] cursor job id

  Output:
    { next score or '', next job id or '', record, record, ... } (false where a record
    expired under its index entry)
]]
-- @include common
local limit = tonumber(ARGV[2])
local want = limit + 1
local items = {}
local function collect(reply)
  for i = 1, #reply, 2 do
    table.insert(items, { member = reply[i], score = tonumber(reply[i + 1]) })
  end
end

for _, key in ipairs(KEYS) do
  if ARGV[3] == '' then
    collect(redis.call('ZRANGE', key, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, want, 'WITHSCORES'))
  else
    -- Items sharing the cursor's score (same millisecond) come first, then strictly older ones.
    local score = tonumber(ARGV[3])
    for _, member in ipairs(redis.call('ZRANGE', key, ARGV[3], ARGV[3], 'BYSCORE', 'REV')) do
      if member < ARGV[4] then
        table.insert(items, { member = member, score = score })
      end
    end
    collect(redis.call('ZRANGE', key, '(' .. ARGV[3], '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, want, 'WITHSCORES'))
  end
end

table.sort(items, function(a, b)
  if a.score ~= b.score then
    return a.score > b.score
  end
  return a.member > b.member
end)

local out = { '', '' }
if #items > limit then
  out[1], out[2] = fmt(items[limit].score), items[limit].member
end
for i = 1, math.min(limit, #items) do
  out[#out + 1] = redis.call('GET', ARGV[1] .. items[i].member) or false
end
return out
