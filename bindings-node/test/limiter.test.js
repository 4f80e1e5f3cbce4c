'use strict'
const test = require('node:test')
const assert = require('node:assert')
const http = require('node:http')
const {
  TokenBucket, SlidingWindowLimiter, KeyedTokenBucket, KeyedSlidingWindow, ManualClock,
  RateLimitedError, rateLimitHeaders, rateLimitMiddleware
} = require('seawall')

test('token bucket: tryAcquire, check, peek, refund, metrics', () => {
  const clock = new ManualClock()
  const tb = new TokenBucket({ burst: 3, ratePerSec: 10, clock })
  assert.strictEqual(tb.limit, 3)
  assert.strictEqual(tb.tryAcquire(2), true)
  assert.deepStrictEqual(tb.peek(), { allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 300 })
  assert.strictEqual(tb.tryAcquire(), true)
  const d = tb.check()
  assert.deepStrictEqual(d, { allowed: false, remaining: 0, retryAfterMs: 100, resetAfterMs: 300 })
  tb.refund(1)
  assert.strictEqual(tb.tryAcquire(), true)
  clock.advance(100)
  assert.strictEqual(tb.tryAcquire(), true)
  assert.deepStrictEqual(tb.metrics(), { burst: 3, available: 0, emissionIntervalMs: 100, allowed: 4, denied: 1, waiting: 0 }) // a refund un-counts a grant
  assert.throws(() => tb.tryAcquire(4), (e) => e instanceof RangeError && e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'n')
  for (const bad of [0, -1, 1.5, NaN, Infinity]) assert.throws(() => tb.tryAcquire(bad), RangeError, String(bad))
  assert.throws(() => tb.tryAcquire('1'), TypeError)
})

test('sliding window: at most limit per window', () => {
  const clock = new ManualClock()
  const sw = new SlidingWindowLimiter({ limit: 100, windowMs: 60_000, clock })
  let granted = 0
  for (let i = 0; i < 150; i++) if (sw.tryAcquire()) granted++
  assert.strictEqual(granted, 100)
  const d = sw.check()
  assert.strictEqual(d.allowed, false)
  assert.ok(d.retryAfterMs > 0 && d.retryAfterMs <= 66_000, String(d.retryAfterMs))
  clock.advance(d.retryAfterMs)
  assert.strictEqual(sw.tryAcquire(), true)
})

test('keyed limiters keep one limit per key', () => {
  const clock = new ManualClock()
  const k = new KeyedTokenBucket({ burst: 1, ratePerSec: 1, clock, maxKeys: 100 })
  assert.strictEqual(k.tryAcquire('alice'), true)
  assert.strictEqual(k.tryAcquire('alice'), false)
  assert.strictEqual(k.tryAcquire('bob'), true)
  assert.strictEqual(k.check('alice').retryAfterMs, 1000)
  k.refund('alice', 1)
  assert.strictEqual(k.tryAcquire('alice'), true)
  assert.strictEqual(k.metrics().keysTracked, 2)
  const w = new KeyedSlidingWindow({ limit: 2, windowMs: 1000, clock })
  assert.ok(w.tryAcquire('u1') && w.tryAcquire('u1') && !w.tryAcquire('u1') && w.tryAcquire('u2'))
  assert.throws(() => w.tryAcquire({}), TypeError)
  assert.throws(() => w.tryAcquire('u1', 3), RangeError)
})

test('acquire waits on the limiter clock, honours timeoutMs and AbortSignal', async () => {
  const clock = new ManualClock()
  const tb = new TokenBucket({ burst: 1, ratePerSec: 1, clock })
  await tb.acquire()
  let done = false
  const p = tb.acquire(1).then(() => { done = true })
  await new Promise(resolve => setImmediate(resolve))
  assert.strictEqual(done, false)
  clock.advance(999)
  await new Promise(resolve => setImmediate(resolve))
  assert.strictEqual(done, false)
  clock.advance(1)
  await p
  assert.strictEqual(done, true)
  await assert.rejects(tb.acquire(1, { timeoutMs: 500 }), (e) => e instanceof RateLimitedError && e.code === 'SEAWALL_RATE_LIMITED' && e.retryAfterMs === 1000)
  const ac = new AbortController()
  const q = tb.acquire(1, { signal: ac.signal })
  ac.abort(new Error('stop'))
  await assert.rejects(q, /stop/)
  assert.strictEqual(clock.pendingTimers, 0)
  await assert.rejects(tb.acquire(1, { signal: ac.signal }), /stop/)
  await assert.rejects(tb.acquire(1, { timeoutMs: -1 }), RangeError)
  const keyed = new KeyedTokenBucket({ burst: 1, ratePerSec: 1, clock })
  await keyed.acquire('k')
  const r = keyed.acquire('k', 1, { timeoutMs: 2000 })
  clock.advance(1000)
  await r
})

test('acquire with the real clock', async () => {
  const tb = new TokenBucket({ burst: 1, ratePerSec: 200 })
  const t0 = Date.now()
  for (let i = 0; i < 4; i++) await tb.acquire()
  assert.ok(Date.now() - t0 >= 10)
})

test('1000 pending acquire()s: one timer each, no polling, the event loop stays free, granted in order', async () => {
  // The waits are timers on the limiter's clock (a ManualClock here), not a
  // loop: a wake-up storm or a poll of every waiter on each tick would show
  // as more timers than waiters, or as grants out of step with the clock.
  const clock = new ManualClock()
  const tb = new TokenBucket({ burst: 1, ratePerSec: 2000, clock })
  tb.tryAcquire()
  let scheduled = 0
  const schedule = clock._schedule.bind(clock)
  clock._schedule = (ms, cb) => { scheduled++; return schedule(ms, cb) }
  const order = []
  const waits = []
  for (let i = 0; i < 1000; i++) waits.push(tb.acquire(1).then(() => { order.push(i) }))
  assert.strictEqual(clock.pendingTimers, 1000)
  let immediateRan = false
  await new Promise(resolve => setImmediate(() => { immediateRan = true; resolve() }))
  assert.ok(immediateRan)
  assert.strictEqual(order.length, 0)
  for (let ms = 1; ms <= 500; ms++) {
    clock.advance(1)
    await new Promise(resolve => setImmediate(resolve))
    assert.strictEqual(order.length, 2 * ms, `after ${ms} ms`)
  }
  await Promise.all(waits)
  assert.deepStrictEqual(order, Array.from({ length: 1000 }, (_, i) => i))
  assert.ok(scheduled <= 2000, `${scheduled} timers for 1000 waiters`)
  assert.strictEqual(clock.pendingTimers, 0)
  assert.strictEqual(tb.metrics().waiting, 0)
})

test('rateLimitHeaders: the header set of core (draft-09 RateLimit / RateLimit-Policy, X-RateLimit-*, Retry-After)', () => {
  const policy = { name: 'api', limit: 5, windowMs: 60_000 }
  assert.deepStrictEqual(rateLimitHeaders({ allowed: true, remaining: 4, retryAfterMs: 0, resetAfterMs: 1500 }, policy), {
    'RateLimit-Policy': '"api";q=5;w=60', RateLimit: '"api";r=4;t=2', 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset': '2'
  })
  assert.strictEqual(rateLimitHeaders({ allowed: false, remaining: 0, retryAfterMs: 100, resetAfterMs: 100 }, policy)['Retry-After'], '1')
  // a limiter's own quota: a token bucket of burst 10 at 2/s refills in 5 s
  const tb = new TokenBucket({ burst: 10, ratePerSec: 2 })
  assert.strictEqual(rateLimitHeaders(tb.check(), tb)['RateLimit-Policy'], '"default";q=10;w=5')
  assert.throws(() => rateLimitHeaders(null, policy), TypeError)
  assert.throws(() => rateLimitHeaders({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, 5), (e) => e instanceof TypeError && e.field === 'policy')
  assert.throws(() => rateLimitHeaders({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, { ...policy, name: '' }), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'name')
})

function get (port, path = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = ''
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    }).on('error', reject)
  })
}

test('middleware: per-user limit answers 429 with headers (plain node:http, Connect-style)', async () => {
  const limiter = new KeyedSlidingWindow({ limit: 2, windowMs: 60_000 })
  const mw = rateLimitMiddleware({ limiter, key: (req) => req.headers['x-user'] || 'anon' })
  const server = http.createServer((req, res) => {
    mw(req, res, (err) => {
      if (err) { res.statusCode = 500; return res.end(String(err)) }
      res.end('ok')
    })
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  try {
    const a1 = await get(port, '/', { 'x-user': 'a' })
    const a2 = await get(port, '/', { 'x-user': 'a' })
    const a3 = await get(port, '/', { 'x-user': 'a' })
    const b1 = await get(port, '/', { 'x-user': 'b' })
    assert.deepStrictEqual([a1.status, a2.status, a3.status, b1.status], [200, 200, 429, 200])
    assert.strictEqual(a1.headers['ratelimit-policy'], '"default";q=2;w=60')
    assert.match(a1.headers.ratelimit, /^"default";r=1;t=\d+$/)
    assert.strictEqual(a1.headers['x-ratelimit-remaining'], '1')
    assert.strictEqual(a3.headers['x-ratelimit-remaining'], '0')
    assert.ok(Number(a3.headers['retry-after']) >= 1)
    assert.strictEqual(a3.body, 'Too Many Requests')
  } finally {
    await new Promise(resolve => server.close(resolve))
  }
})

test('middleware: onLimited, cost, errors go to next()', () => {
  const limiter = new TokenBucket({ burst: 2, ratePerSec: 1 })
  const calls = []
  const res = { headers: {}, setHeader (k, v) { this.headers[k] = v }, end () {} }
  const mw = rateLimitMiddleware({ limiter, cost: () => 2, onLimited: (req, r, next, d) => calls.push(['limited', d.retryAfterMs > 0]) })
  mw({}, res, () => calls.push(['next']))
  mw({}, res, () => calls.push(['next']))
  const bad = rateLimitMiddleware({ limiter, cost: () => 5 })
  bad({}, res, (err) => calls.push(['err', err.code]))
  assert.deepStrictEqual(calls, [['next'], ['limited', true], ['err', 'SEAWALL_INVALID_ARGUMENT']])
  assert.throws(() => rateLimitMiddleware({ limiter: {} }), TypeError)
})

// Limiter waits are core's (spec/token_bucket.md, "Waiting acquires"):
// FIFO reservations, one timer each, counted once when they end.
test('acquire() waits in core FIFO order, woken at its due time, counted once', async () => {
  const clock = new ManualClock()
  const tb = new TokenBucket({ burst: 1, ratePerSec: 10, clock })
  assert.strictEqual(tb.tryAcquire(), true)
  const order = []
  const a = tb.acquire(1).then(() => order.push('a'))
  const b = tb.acquire(1).then(() => order.push('b'))
  assert.strictEqual(tb.metrics().waiting, 2)
  assert.strictEqual(tb.tryAcquire(), false) // no barging past the waiters
  await clock.tickAsync(100)
  await a
  assert.deepStrictEqual(order, ['a'])
  await clock.tickAsync(100)
  await b
  assert.deepStrictEqual(order, ['a', 'b'])
  const m = tb.metrics()
  assert.deepStrictEqual([m.allowed, m.waiting], [3, 0])
  // a cancelled wait gives its tokens back
  const ac = new AbortController()
  const c = tb.acquire(1, { signal: ac.signal })
  ac.abort(new Error('stop'))
  await assert.rejects(c, /stop/)
  assert.strictEqual(tb.metrics().waiting, 0)
  await clock.tickAsync(100)
  assert.strictEqual(tb.tryAcquire(), true)
  // reserve(): the low-level form
  const r = tb.reserve(1, { maxWaitMs: 1000 })
  assert.strictEqual(r.outcome, 'waiting')
  assert.strictEqual(r.waiter.poll().outcome, 'waiting')
  clock.advance(r.waiter.dueInMs)
  assert.strictEqual(r.waiter.poll().outcome, 'granted')
  assert.throws(() => tb.reserve(1, { maxWaitMs: 0 }), (e) => e.code === 'SEAWALL_RATE_LIMITED' && e.retryAfterMs === 100)
  assert.throws(() => tb.reserve(1, { maxWait: 1 }), (e) => e instanceof TypeError && e.field === 'maxWait')
})

// Issue 12 item 4 for Node: the keyed limiters wait in core per key (FIFO,
// one count per call), as the unkeyed ones; they used to retry at each
// denial's retry-after, and every retry counted as a denial.
for (const [name, make, stepMs] of [
  ['KeyedTokenBucket', (clock) => new KeyedTokenBucket({ burst: 1, ratePerSec: 1, maxKeys: 16, clock }), 1000],
  // one grant per 1 s window in one bucket: a grant counts for 2 s
  ['KeyedSlidingWindow', (clock) => new KeyedSlidingWindow({ limit: 1, windowMs: 1000, buckets: 1, maxKeys: 16, clock }), 2000]
]) {
  test(`${name}: 100 acquire()s on one key are served FIFO, each counted once`, async () => {
    const clock = new ManualClock()
    const k = make(clock)
    assert.strictEqual(k.tryAcquire('a'), true)
    const order = []
    const all = []
    for (let i = 0; i < 100; i++) all.push(k.acquire('a', 1, { timeoutMs: 1e6 }).then(() => order.push(i)))
    assert.strictEqual(k.metrics().waiting, 100)
    assert.strictEqual(k.tryAcquire('b'), true) // other keys are not affected
    assert.strictEqual(k.tryAcquire('a'), false) // no barging
    for (let i = 0; i < 100; i++) {
      clock.advance(stepMs)
      for (let s = 0; s < 5 && order.length < i + 1; s++) await new Promise(setImmediate)
      assert.strictEqual(order.length, i + 1, `waiter ${i} not resumed`)
    }
    await Promise.all(all)
    assert.deepStrictEqual(order, Array.from({ length: 100 }, (_, i) => i))
    const m = k.metrics()
    assert.deepStrictEqual([m.allowed, m.denied, m.waiting], [102, 1, 0])
    assert.strictEqual(clock.pendingTimers, 0)
  })

  test(`${name}: a wait that cannot end in time is refused at once, one denial each`, async () => {
    const clock = new ManualClock()
    const k = make(clock)
    assert.strictEqual(k.tryAcquire('a'), true)
    for (let i = 0; i < 5; i++) {
      await assert.rejects(k.acquire('a', 1, { timeoutMs: stepMs / 2 }), (e) => e instanceof RateLimitedError && e.retryAfterMs === stepMs)
    }
    const m = k.metrics()
    assert.deepStrictEqual([m.allowed, m.denied, m.waiting], [1, 5, 0])
  })
}
