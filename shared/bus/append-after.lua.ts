/**
 * The Lua script behind `Bus.appendAfter`, shared by every adapter so they cannot drift apart.
 * KEYS[1] is the stream; ARGV[1] the seq it must end at; then `seq, type, envelope` per entry.
 * Returns 'ok', or the seq the stream really ends at ('0' when empty or missing).
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
for i = 2, #ARGV, 3 do
  redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 'type', ARGV[i + 1], 'event', ARGV[i + 2])
end
return 'ok'
`
