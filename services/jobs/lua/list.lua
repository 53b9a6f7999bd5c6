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
local items = walkPastCursor(KEYS, want, true, ARGV[3], ARGV[4])

local out = { '', '' }
if #items > limit then
  out[1], out[2] = fmt(items[limit].score), items[limit].member
end
for i = 1, math.min(limit, #items) do
  out[#out + 1] = redis.call('GET', ARGV[1] .. items[i].member) or false
end
return out
