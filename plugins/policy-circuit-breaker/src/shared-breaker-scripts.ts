/**
 * Lua scripts of the shared breaker state. Each runs atomically on the Redis
 * server, so a mark, its index entry and its event never disagree. Times are
 * kept relative (PTTL), so the instances' clocks never matter.
 *
 * Keys: `<prefix>open:<deployment>` holds the hold time in ms and expires after
 * open time + hold time; `<prefix>probe:<deployment>` is the probe token;
 * `<prefix>open-index` is a sorted set of marked deployments scored by their expiry
 * on the server clock, so a refresh finds every mark in one call without SCAN.
 *
 * The keys under the prefix are the breakers': one of another type (another program wrote
 * there: WRONGTYPE) is written over or passed by, never a failure of every script for as
 * long as it stays.
 */

/** KEYS: open, index, probe. ARGV: deployment, open ms, hold ms, channel, event. */
export const openMarkScript = `
local ttl = tonumber(ARGV[2]) + tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
redis.call('DEL', KEYS[3])
if redis.call('TYPE', KEYS[2]).ok ~= 'zset' then redis.call('DEL', KEYS[2]) end
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`;

/** KEYS: open, index, probe. ARGV: deployment, channel, event. */
export const closeMarkScript = `
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`;

/**
 * KEYS: index. ARGV: key prefix, most marks to return. Drops expired index
 * entries, then answers deployment, PTTL, hold ms for every live mark.
 */
export const readMarksScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if redis.call('TYPE', KEYS[1]).ok ~= 'zset' then return {} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local names = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {}
for _, name in ipairs(names) do
  local key = ARGV[1] .. 'open:' .. name
  local ttl = redis.call('PTTL', key)
  local hold = redis.pcall('GET', key)
  if ttl > 0 and type(hold) == 'string' then
    table.insert(out, name)
    table.insert(out, ttl)
    table.insert(out, hold)
  end
end
return out
`;

/** KEYS: probe. ARGV: token. Deletes the probe token only if it is still ours. */
export const releaseProbeScript = `
if redis.pcall('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
