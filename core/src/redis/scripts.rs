//! The Lua scripts: the one implementation of the Redis-backed limiters'
//! maths (`spec/redis.md`). Each decision is one `EVALSHA` of one script on
//! one key.
//!
//! Time: the server's `TIME` (seconds, microseconds), or, for the
//! conformance vectors only, a test-only override argument (`ARGV[1]`,
//! `"<seconds>:<nanoseconds>"`; empty = use `TIME`). Lua numbers are doubles, so every
//! quantity is kept below 2^53: times are measured from an anchor second
//! stored in the key (elapsed ns, exact for 104 days), never as ns since
//! the Unix epoch.

/// Shared prelude: the clock (`now_s`, `now_ns`) and exact integer
/// division of doubles below 2^53.
const PRELUDE: &str = r#"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local now_s, now_ns, override
if ARGV[1] ~= '' then
  local a, b = string.match(ARGV[1], '^(%d+):(%d+)$')
  now_s = tonumber(a); now_ns = tonumber(b); override = true
else
  local t = redis.call('TIME')
  now_s = tonumber(t[1]); now_ns = tonumber(t[2]) * 1000; override = false
end
local function idiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
local function expire(ms)
  if not override then redis.call('PEXPIRE', KEYS[1], ms) end
end
"#;

/// GCRA token bucket. `ARGV`: override, op (`a` acquire, `p` peek, `r`
/// refund), `n`, `T` (ns per token), `tau` (burst x T).
/// State: hash {d = debt ns at the write, s = write second, n = write ns
/// within that second}; TTL = the debt, so an expired key is a full bucket.
/// Returns {allowed, remaining, retry_after_ns, reset_after_ns}.
const GCRA: &str = r#"
local op = ARGV[2]
local n = tonumber(ARGV[3]); local T = tonumber(ARGV[4]); local tau = tonumber(ARGV[5])
local st = redis.call('HMGET', KEYS[1], 'd', 's', 'n')
local debt = 0
if st[1] then
  local ds = now_s - tonumber(st[2])
  if ds > 9000000 then debt = 0
  else
    local elapsed = ds * 1000000000 + (now_ns - tonumber(st[3]))
    debt = tonumber(st[1]) - elapsed
    if debt < 0 then debt = 0 end
  end
end
if op == 'r' then
  if debt > 0 then
    local d = debt - n * T
    if d <= 0 then redis.call('DEL', KEYS[1])
    else
      redis.call('HSET', KEYS[1], 'd', d, 's', now_s, 'n', now_ns)
      expire(idiv(d, 1000000) + 1)
    end
  end
  return {1, 0, 0, 0}
end
local after = debt + n * T
if after <= tau then
  if op == 'a' then
    redis.call('HSET', KEYS[1], 'd', after, 's', now_s, 'n', now_ns)
    expire(idiv(after, 1000000) + 1)
  end
  return {1, idiv(tau - after, T), 0, after}
end
local rem = 0
if tau > debt then rem = idiv(tau - debt, T) end
return {0, rem, after - tau, debt}
"#;

/// Sliding window of `B` counted sub-windows (`spec/sliding_window.md`,
/// same rules as in memory). `ARGV`: override, op (`a`, `p`, `r`), `n`,
/// `limit`, `g` (bucket width ns), `B`.
/// State: hash {a = anchor second, m = newest bucket a grant was counted
/// in, <idx> = grants counted in bucket idx}; bucket idx covers
/// [idx*g, (idx+1)*g) ns after the anchor. TTL = until the newest counted
/// bucket stops counting, so an expired key is an empty window.
const WINDOW: &str = r#"
local op = ARGV[2]
local n = tonumber(ARGV[3]); local limit = tonumber(ARGV[4])
local g = tonumber(ARGV[5]); local B = tonumber(ARGV[6])
local raw = redis.call('HGETALL', KEYS[1])
local anchor, newest = nil, nil
local counts = {}
for i = 1, #raw, 2 do
  local f = raw[i]
  if f == 'a' then anchor = tonumber(raw[i + 1])
  elseif f == 'm' then newest = tonumber(raw[i + 1])
  else counts[tonumber(f)] = tonumber(raw[i + 1]) end
end
if anchor == nil then anchor = now_s; newest = nil; counts = {} end
if override then anchor = 0 end
local now = (now_s - anchor) * 1000000000 + now_ns
local at = now
if newest ~= nil and idiv(now, g) < newest then at = newest * g end
local late = at - now
local cur = idiv(at, g)
local first = cur - B
local sum, top = 0, nil
local stale = {}
for idx, c in pairs(counts) do
  if idx < first then stale[#stale + 1] = idx
  elseif c > 0 then
    sum = sum + c
    if top == nil or idx > top then top = idx end
  end
end
local function expires_in(idx) return (idx + B + 1) * g - at end
if op == 'r' then
  local left = n
  local idx = cur + B + 1
  while left > 0 and idx >= first do
    local c = counts[idx]
    if c and c > 0 then
      local take = c; if take > left then take = left end
      redis.call('HSET', KEYS[1], tostring(idx), c - take)
      left = left - take
    end
    idx = idx - 1
  end
  return {1, 0, 0, 0}
end
if sum + n <= limit then
  local hi = cur
  if top ~= nil and top > hi then hi = top end
  if op == 'a' then
    if #stale > 0 then
      local f = {}
      for i, idx in ipairs(stale) do f[i] = tostring(idx) end
      redis.call('HDEL', KEYS[1], unpack(f))
    end
    local m = cur
    if newest ~= nil and newest > m then m = newest end
    redis.call('HSET', KEYS[1], 'a', anchor, 'm', m, tostring(cur), (counts[cur] or 0) + n)
    expire(idiv(expires_in(hi) + late, 1000000) + 1)
  end
  return {1, limit - sum - n, 0, expires_in(hi) + late}
end
local need = sum + n - limit
local freed, retry = 0, 0
local idx = first
while idx <= cur + B + 1 and freed < need do
  local c = counts[idx]
  if c and c > 0 then freed = freed + c; retry = expires_in(idx) end
  idx = idx + 1
end
if retry < 1 then retry = 1 end
local rem = 0
if limit > sum then rem = limit - sum end
local reset = 0
if top ~= nil then reset = expires_in(top) + late end
return {0, rem, retry + late, reset}
"#;

/// Distributed concurrency limit with leases. `ARGV`: override, op (`a`
/// acquire, `r` release, `n` renew), lease id, max, lease ms.
/// State: a sorted set {lease id -> expiry ms (server time)}; expired
/// leases are dropped on every call, so a holder that died frees its
/// permit when its lease runs out. TTL = the longest lease.
/// Returns {granted/released/renewed (1/0), in use after, retry_after_ms
/// (denied: until the first lease expires), lease_ms}.
const LEASE: &str = r#"
local op = ARGV[2]
local id = ARGV[3]; local max = tonumber(ARGV[4]); local lease = tonumber(ARGV[5])
local now_ms = now_s * 1000 + math.floor(now_ns / 1000000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
local function keep()
  if not override then
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl < lease then redis.call('PEXPIRE', KEYS[1], lease) end
  end
end
if op == 'a' then
  local n = redis.call('ZCARD', KEYS[1])
  if n < max then
    redis.call('ZADD', KEYS[1], now_ms + lease, id)
    keep()
    return {1, n + 1, 0, lease}
  end
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = 1
  if first[2] then wait = tonumber(first[2]) - now_ms end
  return {0, n, wait, 0}
elseif op == 'r' then
  local r = redis.call('ZREM', KEYS[1], id)
  return {r, redis.call('ZCARD', KEYS[1]), 0, 0}
end
if redis.call('ZSCORE', KEYS[1], id) then
  redis.call('ZADD', KEYS[1], 'XX', now_ms + lease, id)
  keep()
  return {1, redis.call('ZCARD', KEYS[1]), 0, lease}
end
return {0, redis.call('ZCARD', KEYS[1]), 0, 0}
"#;

/// The lease script's full source.
pub(crate) fn lease() -> String {
    format!("{PRELUDE}{LEASE}")
}

/// The token-bucket script's full source.
pub(crate) fn gcra() -> String {
    format!("{PRELUDE}{GCRA}")
}

/// The sliding-window script's full source.
pub(crate) fn window() -> String {
    format!("{PRELUDE}{WINDOW}")
}
