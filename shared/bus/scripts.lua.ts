/**
 * The Lua script behind `Bus.appendAfter`, shared by every adapter so they cannot drift apart.
 * KEYS[1] is the stream; ARGV[1] the seq it must end at; ARGV[2] the publisher's origin ('' for none);
 * then `seq, type, envelope` per entry. Returns 'ok', or the seq the stream really ends at ('0' when
 * empty or missing).
 *
 * Checks the stream's last entry and appends in one step, so a flush between the check and the append
 * cannot leave a gap: Redis either holds the whole prefix of the outbox or tells us where it ends.
 *
 * @example
 * redis.defineCommand('appendAfter', { numberOfKeys: 1, lua: APPEND_AFTER })
 */
export const APPEND_AFTER = `
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local last = '0'
if #top > 0 then last = string.match(top[1][1], '^(%d+)') end
if last ~= ARGV[1] then return last end
for i = 3, #ARGV, 3 do
  if ARGV[2] == '' then
    redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 'type', ARGV[i + 1], 'event', ARGV[i + 2])
  else
    redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 'type', ARGV[i + 1], 'event', ARGV[i + 2], 'origin', ARGV[2])
  end
end
return 'ok'
`

/**
 * The Lua script behind `Bus.deadLetter`: the letter and the acknowledgement of its entry in one step,
 * so a crash can never leave a letter whose entry is delivered (and dead-lettered) again.
 * KEYS[1] the stream, KEYS[2] its dead-letter stream; ARGV[1] the group, ARGV[2] the entry id, then
 * the letter's field/value pairs.
 */
export const DEAD_LETTER = `
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], '*', unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 'ok'
`

/**
 * The Lua script behind `Bus.deleteIdleConsumers`: looking at the consumers and deleting the idle
 * ones in one step, so a consumer that reads in between cannot lose what it was just handed.
 * KEYS[1] the stream; ARGV[1] the group, ARGV[2] the idle time in ms, ARGV[3] a consumer to keep.
 */
export const DELETE_IDLE_CONSUMERS = `
local deleted = {}
for _, flat in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #flat, 2 do info[flat[i]] = flat[i + 1] end
  if info['name'] ~= ARGV[3] and tonumber(info['pending']) == 0 and tonumber(info['idle']) > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    deleted[#deleted + 1] = info['name']
  end
end
return deleted
`

/**
 * The Lua script behind `Bus.streamStatus`: what an operator sees of a group on its streams, in one
 * round trip on every transport (REST included) however many streams the group reads. Read-only.
 * KEYS are the streams; ARGV[1] the group. Returns per stream `{length, lastId, lastDeliveredId,
 * pending, oldestPendingIdle (-1 when none), {{name, pending, idle}, ...}}`.
 */
export const STREAM_STATUS = `
local function record(flat)
  local r = {}
  for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
  return r
end
local replies = {}
for i, stream in ipairs(KEYS) do
  local length, last, delivered, pending, oldestIdle, consumers = 0, '0-0', '0-0', 0, -1, {}
  -- XINFO and XPENDING refuse a missing stream or group; both are simply "nothing yet" here.
  if redis.call('EXISTS', stream) == 1 then
    length = redis.call('XLEN', stream)
    local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
    if #top > 0 then last = top[1][1] end
    for _, flat in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
      local group = record(flat)
      if group['name'] == ARGV[1] then
        delivered, pending = group['last-delivered-id'], group['pending']
        local oldest = redis.call('XPENDING', stream, ARGV[1], '-', '+', 1)
        if #oldest > 0 then oldestIdle = oldest[1][3] end
        for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, ARGV[1])) do
          local consumer = record(c)
          consumers[#consumers + 1] = { consumer['name'], consumer['pending'], consumer['idle'] }
        end
      end
    end
  end
  replies[i] = { length, last, delivered, pending, oldestIdle, consumers }
end
return replies
`
