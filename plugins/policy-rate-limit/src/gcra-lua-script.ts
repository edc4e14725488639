/**
 * The GCRA check-and-update of several limits as one Redis script, so it is atomic
 * across every gateway instance sharing the Redis: each limit is read, the call is
 * admitted only if every limit allows it, and then all TATs are written — or none.
 * The arithmetic is `gcraDecide` / `gcraAdjust` from gcra.ts, line for line.
 *
 * KEYS: one per limit. ARGV[1]: `consume` or `adjust`; ARGV[2]: now in epoch
 * milliseconds, or '' for the Redis server's clock (one clock for all instances);
 * then per limit: interval_ms, tolerance_ms, cost.
 *
 * Returns { allowed (1/0), now, then per limit: tat, retry_after_ms }, the numbers
 * as strings because Redis would truncate Lua floats to integers.
 *
 * A key holds `<tat> <interval_ms>`: the interval it was written with, so a TAT read
 * under another limit (a key's rpm changed) is carried over in units, as
 * `gcraRescaledTat` does. A bare `<tat>` (written before) is read under the current limit.
 * A key of another type (a hash someone wrote under the prefix) is read as no state and
 * overwritten: it failed every call with WRONGTYPE for as long as it stayed.
 */
export const gcraLuaScript = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local now
if ARGV[2] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
else
  now = tonumber(ARGV[2])
end
-- Half a tick of an epoch-millisecond TAT (2^-13 ms): EPSILON_MS in gcra.ts.
local epsilon = 0.0001220703125
local count = #KEYS
local function fmt(value) return string.format('%.17g', value) end
-- A key lives until its limit is full again, but at most a year: an absurd charge (an upstream's 1e16
-- tokens on a tpm of 1) made a time SET refuses ('invalid expire time'), and the charge went unrecorded.
local max_ttl_ms = 31536000000
local function store(key, tat, interval)
  if tat > now then
    redis.call('SET', key, fmt(tat) .. ' ' .. fmt(interval), 'PX', string.format('%d', math.min(math.ceil(tat - now), max_ttl_ms)))
  else
    redis.call('DEL', key)
  end
end
local tats = {}
for i = 1, count do
  local interval, tolerance = tonumber(ARGV[3 + (i - 1) * 3]), tonumber(ARGV[4 + (i - 1) * 3])
  -- A key of another type under the prefix (WRONGTYPE) is no state of ours: read as none, written over.
  local raw = redis.pcall('GET', KEYS[i])
  local stored, stored_interval
  if type(raw) == 'string' then
    local tat_text, interval_text = string.match(raw, '^(%S+) (%S+)$')
    if tat_text then
      stored, stored_interval = tonumber(tat_text), tonumber(interval_text)
    else
      stored = tonumber(raw)
    end
  end
  if stored == nil or stored < now then
    stored = now
  elseif stored_interval ~= nil and stored_interval > 0 and stored_interval ~= interval then
    local backlog = stored - now
    stored = now + math.min(backlog / stored_interval * interval, math.max(tolerance, backlog))
  end
  tats[i] = stored
end
if ARGV[1] == 'adjust' then
  for i = 1, count do
    local base = 3 + (i - 1) * 3
    local interval, cost = tonumber(ARGV[base]), tonumber(ARGV[base + 2])
    store(KEYS[i], math.max(tats[i] + cost * interval, now), interval)
  end
  return { 1, fmt(now) }
end
local allowed = 1
local nexts, retries = {}, {}
for i = 1, count do
  local base = 3 + (i - 1) * 3
  local interval, tolerance, cost = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  nexts[i] = tats[i] + cost * interval
  local over = nexts[i] - now - tolerance
  if over > epsilon then
    allowed = 0
    retries[i] = over
  else
    retries[i] = 0
  end
end
local reply = { allowed, fmt(now) }
for i = 1, count do
  local tat = tats[i]
  if allowed == 1 then
    tat = nexts[i]
    store(KEYS[i], tat, tonumber(ARGV[3 + (i - 1) * 3]))
  end
  reply[#reply + 1] = fmt(tat)
  reply[#reply + 1] = fmt(retries[i])
end
return reply
`;
