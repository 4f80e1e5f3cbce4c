'use strict'
const test = require('node:test')
const assert = require('node:assert')
const {
  Policy, wrap, TokenBucket, CircuitBreaker, Bulkhead, AdaptiveTimeout, RetryBudget, ManualClock, FaultInjector,
  RateLimitedError, CircuitOpenError, BulkheadFullError, TimeoutError, RetryExhaustedError, KeyedTokenBucket
} = require('seawall')

const tick = () => new Promise(resolve => setImmediate(resolve))

test('policy: the stages reject in order and give back what they took', async () => {
  const clock = new ManualClock()
  const rateLimiter = new TokenBucket({ burst: 2, ratePerSec: 1, clock })
  const circuitBreaker = new CircuitBreaker({ failureCountThreshold: 1, failureRateThreshold: null, openDurationMs: 1000, clock })
  const bulkhead = new Bulkhead({ maxConcurrent: 1, clock })
  const p = new Policy({ rateLimiter, circuitBreaker, bulkhead, clock })
  const held = p.tryAcquire()
  assert.strictEqual(held.allowed, true)
  const r = p.tryAcquire()
  assert.strictEqual(r.allowed, false)
  assert.strictEqual(r.stage, 'bulkhead')
  assert.ok(r.error instanceof BulkheadFullError)
  assert.strictEqual(rateLimiter.metrics().available, 1) // refunded
  held.complete('failure')
  assert.strictEqual(circuitBreaker.state, 'open')
  const r2 = p.tryAcquire()
  assert.strictEqual(r2.stage, 'circuit_breaker')
  assert.ok(r2.error instanceof CircuitOpenError && r2.error.retryAfterMs === 1000)
  rateLimiter.tryAcquire()
  const r3 = p.tryAcquire()
  assert.strictEqual(r3.stage, 'rate_limiter')
  assert.ok(r3.error instanceof RateLimitedError && r3.error.retryAfterMs > 0)
  assert.strictEqual(held.complete(), false)
  assert.throws(() => held.complete('meh'), TypeError)
})

test('policy.execute: timeout → retry → fallback, with events from the breaker', async () => {
  const clock = new ManualClock()
  const circuitBreaker = new CircuitBreaker({ failureCountThreshold: 3, failureRateThreshold: null, openDurationMs: 60_000, clock })
  const changes = []
  circuitBreaker.on('stateChange', (t) => changes.push(t.to))
  const p = wrap({ circuitBreaker, timeoutMs: 100, retry: { maxAttempts: 3, baseMs: 10, jitter: 'none' }, fallback: (e) => `fallback after ${e.code}`, clock })
  let calls = 0
  const run = p.execute((signal) => { calls++; return new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))) })
  await clock.tickAsync(1000)
  assert.strictEqual(await run, 'fallback after SEAWALL_RETRY_EXHAUSTED')
  assert.strictEqual(calls, 3)
  assert.deepStrictEqual(changes, ['open'])
  assert.strictEqual(circuitBreaker.metrics().failures, 3)
  assert.strictEqual(await p.execute(async () => 'x'), 'fallback after SEAWALL_CIRCUIT_OPEN')
})

test('policy.execute: success path, retry of a transient error, no fallback', async () => {
  const clock = new ManualClock()
  const p = new Policy({ circuitBreaker: new CircuitBreaker({ clock }), bulkhead: new Bulkhead({ maxConcurrent: 2 }), retry: { maxAttempts: 2, baseMs: 5, jitter: 'none' }, clock })
  let n = 0
  const run = p.execute(async () => { if (n++ === 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); return 'ok' })
  await clock.tickAsync(10)
  assert.strictEqual(await run, 'ok')
  const r = p.execute(async () => { throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })
  const check = assert.rejects(r, (e) => e instanceof RetryExhaustedError && e.attempts === 2)
  await clock.tickAsync(10)
  await check
  assert.strictEqual(p.bulkhead.metrics().active, 0)
  await assert.rejects(p.execute(async () => { throw new TypeError('bug') }), TypeError)
})

test('policy with an adaptive timeout and a fault injector inside', async () => {
  const clock = new ManualClock()
  const timeout = new AdaptiveTimeout({ initialTimeoutMs: 50, minTimeoutMs: 10, maxTimeoutMs: 100, clock })
  const chaos = new FaultInjector({ errorRate: 1, seed: 3, clock })
  const p = new Policy({ timeout, clock, fallback: 'degraded' })
  assert.strictEqual(await p.execute(() => chaos.execute(async () => 'real')), 'degraded')
  const slow = p.execute((signal) => new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
  await tick()
  clock.advance(50)
  assert.strictEqual(await slow, 'degraded')
  assert.strictEqual(timeout.metrics().total, 2)
})

test('policy aborts through the caller signal and releases the guard', async () => {
  const circuitBreaker = new CircuitBreaker({ halfOpenMaxCalls: 1, successThreshold: 1 })
  const p = new Policy({ circuitBreaker, timeoutMs: 10_000 })
  const ac = new AbortController()
  const run = p.execute((signal) => new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { signal: ac.signal })
  ac.abort(new Error('user cancelled'))
  await assert.rejects(run, /user cancelled/)
  assert.strictEqual(circuitBreaker.metrics().calls, 0)
})

test('policy config is checked', () => {
  assert.throws(() => new Policy({ rateLimiter: new KeyedTokenBucket() }), TypeError)
  assert.throws(() => new Policy({ circuitBreaker: {} }), TypeError)
  assert.throws(() => new Policy({ timeoutMs: 0 }), RangeError)
  assert.throws(() => new Policy({ retry: { maxAttempts: 0 } }), RangeError)
  assert.throws(() => new Policy({ retry: { budget: 1 } }), TypeError)
  assert.ok(new Policy({ retry: { budget: new RetryBudget() } }))
  assert.throws(() => new Policy(7), TypeError)
})

test('policy.wrap makes a function', async () => {
  const p = new Policy({ bulkhead: new Bulkhead({ maxConcurrent: 1 }) })
  const f = p.wrap(async (a, b) => a + b)
  assert.strictEqual(await f(2, 3), 5)
  void TimeoutError
})

// Issue 11, item 5: a Policy honours its Bulkhead's queue (maxQueue,
// maxWaitMs): a second concurrent call waits for the slot instead of being
// rejected at once, and is rejected when the wait runs out.
test("policy.execute waits in the bulkhead's queue", async () => {
  const clock = new ManualClock()
  const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 2, maxWaitMs: 100, clock })
  const p = new Policy({ bulkhead, clock })
  let release
  const first = p.execute(() => new Promise((resolve) => { release = resolve }))
  await tick()
  let secondRan = false
  const second = p.execute(async () => { secondRan = true; return 'second' })
  await tick()
  assert.strictEqual(secondRan, false)
  assert.strictEqual(bulkhead.metrics().queued, 1)
  release('first')
  assert.strictEqual(await first, 'first')
  assert.strictEqual(await second, 'second')
  // the wait runs out: rejected as bulkhead full
  const hold = p.execute(() => new Promise(() => {}))
  await tick()
  const third = p.execute(async () => 'third')
  const check = assert.rejects(third, (e) => e instanceof BulkheadFullError && e.stage === 'bulkhead')
  await clock.tickAsync(100)
  await check
  assert.strictEqual(bulkhead.metrics().queued, 0)
  void hold
})

// Issue 11, item 6: an attempt cut off by the timeout keeps its bulkhead
// slot until its function settles (with maxConcurrent 2, never more than
// two functions run at once).
test('policy.execute: a timed-out attempt holds its slot until the function settles', async () => {
  const clock = new ManualClock()
  const bulkhead = new Bulkhead({ maxConcurrent: 2, clock })
  const p = new Policy({ bulkhead, timeoutMs: 10, clock })
  let running = 0
  let most = 0
  const settles = []
  const fn = () => {
    running++
    most = Math.max(most, running)
    return new Promise((resolve) => settles.push(() => { running--; resolve() }))
  }
  const calls = []
  for (let i = 0; i < 10; i++) calls.push(p.execute(fn).then(() => 'ok', (e) => e.code))
  await tick()
  await clock.tickAsync(10)
  const results = await Promise.all(calls)
  assert.deepStrictEqual(results.filter((r) => r === 'SEAWALL_TIMEOUT').length, 2)
  assert.deepStrictEqual(results.filter((r) => r === 'SEAWALL_BULKHEAD_FULL').length, 8)
  assert.strictEqual(most, 2)
  assert.strictEqual(bulkhead.metrics().active, 2) // still held by the cut-off functions
  assert.strictEqual(p.tryAcquire().allowed, false)
  for (const s of settles) s()
  await tick()
  assert.strictEqual(bulkhead.metrics().active, 0)
  assert.strictEqual(most, 2)
})

// Collects garbage until `done()` or a bounded number of rounds (the
// finalizers run as their own tasks after a collection).
async function collectUntil (done) {
  const v8 = require('node:v8')
  const vm = require('node:vm')
  v8.setFlagsFromString('--expose_gc')
  const gc = vm.runInNewContext('gc')
  for (let i = 0; i < 50 && !done(); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return done()
}

// Issue 10, defect 11: a dropped guard or permit no longer holds its slot
// for ever: a dropped half-open probe does not wedge the breaker.
test('a dropped PolicyGuard (a half-open probe) and a dropped BulkheadPermit are released when collected', async () => {
  const clock = new ManualClock()
  const circuitBreaker = new CircuitBreaker({ failureCountThreshold: 1, failureRateThreshold: null, openDurationMs: 10, halfOpenMaxCalls: 1, successThreshold: 1, clock })
  const bulkhead = new Bulkhead({ maxConcurrent: 1, clock })
  const p = new Policy({ circuitBreaker, bulkhead, clock })
  p.tryAcquire().complete('failure')
  assert.strictEqual(circuitBreaker.state, 'open')
  clock.advance(10)
  ;(() => {
    const probe = p.tryAcquire()
    assert.strictEqual(probe.isProbe, true)
  })() // dropped unfinished
  assert.strictEqual(p.tryAcquire().allowed, false)
  assert.ok(await collectUntil(() => bulkhead.metrics().active === 0), 'the dropped probe was not released')
  const again = p.tryAcquire()
  assert.strictEqual(again.allowed, true)
  assert.strictEqual(again.isProbe, true)
  again.complete('success')
  ;(() => { assert.ok(bulkhead.tryAcquire() !== null) })()
  assert.strictEqual(bulkhead.metrics().active, 1)
  assert.ok(await collectUntil(() => bulkhead.metrics().active === 0), 'the dropped permit was not released')
})

test('issue 10 defect 9: a policy retry on a ManualClock moves the clock by its sleeps, with nobody advancing it', async () => {
  const clock = new ManualClock()
  const p = new Policy({ retry: { maxAttempts: 3, baseMs: 10, factor: 2, jitter: 'none' }, clock })
  let calls = 0
  const r = await p.execute(async () => { if (++calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); return 'ok' })
  assert.strictEqual(r, 'ok')
  assert.strictEqual(calls, 3)
  assert.strictEqual(clock.nowMs(), 10 + 20)
})
