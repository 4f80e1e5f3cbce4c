'use strict'
// Bad configuration: every numeric option of every constructor gets at least
// 12 bad values (NaN, ±Infinity, -1, -0/0 where meaningless, 1e308, 2**53,
// strings, objects, ...). Each must throw a RangeError or TypeError naming
// the option (`field`) with code SEAWALL_INVALID_CONFIG; none may crash.

const test = require('node:test')
const assert = require('node:assert')
const seawall = require('seawall')

// Bad for every numeric option.
const COMMON = [NaN, Infinity, -Infinity, -1, -1e-9 - 1, 'x', '1', {}, [], true, () => 1, 1n, Symbol('s')]

const TABLE = {
  CircuitBreaker: {
    make: (o) => new seawall.CircuitBreaker(o),
    options: {
      failureRateThreshold: [-0, 0, 1.5, 1e308, 2 ** 53],
      slowCallRateThreshold: [-0, 0, 1.5, 1e308, 2 ** 53],
      slowCallDurationThresholdMs: [-0, 0, 1e308, 2 ** 53],
      windowSize: [-0, 0, 1.5, 100_001, 1e308, 2 ** 53],
      minimumNumberOfCalls: [-0, 0, 1.5, 101, 1e308, 2 ** 53],
      failureCountThreshold: [-0, 0, 1.5, 10_001, 1e308, 2 ** 53],
      failureCountPeriodMs: [-0, 0, 1e308, 2 ** 53],
      openDurationMs: [-0, 0, 1e308, 2 ** 53],
      openDurationMultiplier: [-0, 0, 0.5, 1001, 1e308, 2 ** 53],
      maxOpenDurationMs: [-0, 0, 1, 1e308, 2 ** 53],
      halfOpenMaxCalls: [-0, 0, 1.5, 17, 1e308, 2 ** 53],
      successThreshold: [-0, 0, 1.5, 4, 1e308, 2 ** 53]
    },
    base: { failureCountPeriodMs: { failureCountThreshold: 3 } }
  },
  TokenBucket: {
    make: (o) => new seawall.TokenBucket(o),
    options: {
      burst: [-0, 0, 1.5, 1e308, 2 ** 53],
      ratePerSec: [-0, 0, 1e-12, 1e308, 2 ** 53],
      initialTokens: [1.5, 11, 1e308, 2 ** 53]
    }
  },
  SlidingWindowLimiter: {
    make: (o) => new seawall.SlidingWindowLimiter(o),
    options: {
      limit: [-0, 0, 1.5, 2 ** 24, 1e308, 2 ** 53],
      windowMs: [-0, 0, 0.5, 1e308, 2 ** 53],
      buckets: [-0, 0, 1.5, 1025, 1e308, 2 ** 53]
    }
  },
  KeyedTokenBucket: {
    make: (o) => new seawall.KeyedTokenBucket(o),
    options: {
      burst: [-0, 0, 1.5, 1e308, 2 ** 53],
      ratePerSec: [-0, 0, 1e-12, 1e308, 2 ** 53],
      maxKeys: [-0, 0, 1.5, 2 ** 24 + 1, 1e308, 2 ** 53],
      maxProbe: [-0, 0, 1.5, 65, 1e308, 2 ** 53],
      hashSeed: [1.5, 1e308, 2 ** 53]
    }
  },
  KeyedSlidingWindow: {
    make: (o) => new seawall.KeyedSlidingWindow(o),
    options: {
      limit: [-0, 0, 1.5, 2 ** 24, 1e308, 2 ** 53],
      windowMs: [-0, 0, 0.5, 1e308, 2 ** 53],
      buckets: [-0, 0, 1.5, 1025, 1e308, 2 ** 53],
      maxKeys: [-0, 0, 1.5, 2 ** 24 + 1, 1e308, 2 ** 53],
      maxProbe: [-0, 0, 1.5, 65, 1e308, 2 ** 53]
    }
  },
  Backoff: {
    make: (o) => new seawall.Backoff(o),
    options: {
      baseMs: [1e308, 2 ** 53, 3.2e12],
      factor: [-0, 0, 0.5],
      maxDelayMs: [-0, 0, 50, 1e308, 2 ** 53],
      maxAttempts: [-0, 0, 1.5, 2 ** 32, 1e308, 2 ** 53],
      maxElapsedMs: [-0, 0, 1e308, 2 ** 53],
      seed: [1.5, 1e308, 2 ** 53]
    }
  },
  RetryBudget: {
    make: (o) => new seawall.RetryBudget(o),
    options: {
      maxTokens: [-0, 0, 1.5, 1_000_001, 1e308, 2 ** 53],
      tokenRatio: [-0, 0, 0.0001, 1_000_001, 1e308, 2 ** 53]
    }
  },
  Bulkhead: {
    make: (o) => new seawall.Bulkhead(o),
    options: {
      maxConcurrent: [-0, 0, 1.5, 2 ** 32, 1e308, 2 ** 53],
      maxQueue: [1.5, 2 ** 32, 1e308, 2 ** 53],
      maxWaitMs: [1e308, 2 ** 53, 3.2e12]
    }
  },
  AdaptiveTimeout: {
    make: (o) => new seawall.AdaptiveTimeout(o),
    options: {
      percentile: [-0, 0, 1.5, 1e308, 2 ** 53],
      multiplier: [-0, 0, 0.5],
      minTimeoutMs: [-0, 0, 1e308, 2 ** 53],
      maxTimeoutMs: [-0, 0, 500, 1e308, 2 ** 53],
      initialTimeoutMs: [-0, 0, 500, 60_000, 1e308, 2 ** 53],
      minSamples: [-0, 0, 1.5, 1e9 + 1, 1e308, 2 ** 53],
      windowMs: [-0, 0, 0.5, 1e308, 2 ** 53]
    }
  },
  FaultInjector: {
    make: (o) => new seawall.FaultInjector(o),
    options: {
      errorRate: [1.5, 1e308, 2 ** 53],
      delayRate: [1.5, 1e308, 2 ** 53],
      delayMinMs: [1e308, 2 ** 53, 3.2e12],
      delayMaxMs: [1e308, 2 ** 53, 500],
      seed: [1.5, 1e308, 2 ** 53]
    },
    base: { delayRate: { errorRate: 0 }, delayMaxMs: { delayMinMs: 1000 } }
  },
  ManualClock: {
    make: (o) => new seawall.ManualClock(o),
    options: {
      startMs: [1e308, 2 ** 53 * 1e6],
      startNs: [1.5, 1e308, 2 ** 53]
    }
  }
}

function register (name, spec) {
  test(`${name}: every numeric option rejects bad values with a clear error`, () => {
    let checked = 0
    for (const [option, extras] of Object.entries(spec.options)) {
      // seeds and startNs take a bigint too: there the bad bigints are out of u64 range
      const bigOk = ['seed', 'hashSeed', 'startNs'].includes(option)
      const values = bigOk ? [...COMMON.filter((x) => typeof x !== 'bigint'), -1n, 2n ** 64n, ...extras] : [...COMMON, ...extras]
      assert.ok(values.length >= 12)
      for (const v of values) {
        const opts = { ...((spec.base && spec.base[option]) || {}), [option]: v }
        let err
        try {
          spec.make(opts)
        } catch (e) {
          err = e
        }
        const shown = typeof v === 'symbol' ? v.toString() : typeof v === 'bigint' ? `${v}n` : typeof v === 'function' ? 'fn' : Object.is(v, -0) ? '-0' : JSON.stringify(v) ?? String(v)
        assert.ok(err, `${name}({ ${option}: ${shown} }) did not throw`)
        assert.ok(err instanceof RangeError || err instanceof TypeError, `${name} ${option}=${shown}: ${err && err.constructor.name}: ${err && err.message}`)
        assert.ok(['SEAWALL_INVALID_CONFIG', 'SEAWALL_INVALID_ARGUMENT'].includes(err.code), `${name} ${option}=${shown}: code ${err.code}`)
        assert.strictEqual(err.field, option, `${name} ${option}=${shown}: field ${err.field} (${err.message})`)
        assert.ok(err.message.includes(option), `${name} ${option}=${shown}: message ${err.message}`)
        checked++
      }
    }
    assert.ok(checked >= 12 * Object.keys(spec.options).length)
  })
}

for (const [name, spec] of Object.entries(TABLE)) register(name, spec)

module.exports = { COMMON, register }

test('options that are not objects are TypeErrors', () => {
  for (const C of [seawall.Bulkhead, seawall.AdaptiveTimeout, seawall.FaultInjector, seawall.CircuitBreaker, seawall.TokenBucket, seawall.SlidingWindowLimiter, seawall.KeyedTokenBucket, seawall.KeyedSlidingWindow, seawall.Backoff, seawall.RetryBudget, seawall.ManualClock]) {
    for (const v of [5, 'x', true]) assert.throws(() => new C(v), TypeError, `${C.name}(${v})`)
  }
})

test('mode strings are checked', () => {
  assert.throws(() => new seawall.CircuitBreaker({ windowKind: 'weekly' }), (e) => e instanceof RangeError && e.field === 'windowKind')
  assert.throws(() => new seawall.CircuitBreaker({ windowKind: 3 }), (e) => e instanceof TypeError && e.field === 'windowKind')
  assert.throws(() => new seawall.Backoff({ jitter: 'lots' }), (e) => e instanceof RangeError && e.field === 'jitter')
  assert.throws(() => new seawall.Backoff({ kind: 'cubic' }), (e) => e instanceof RangeError && e.field === 'kind')
  assert.throws(() => new seawall.KeyedTokenBucket({ onFull: 'explode' }), (e) => e instanceof RangeError && e.field === 'onFull')
  assert.throws(() => new seawall.CircuitBreaker({ isFailure: 5 }), TypeError)
})

// ---- unknown options (issue 11 item 9): every entry point that takes an
// options object refuses a key it does not know, naming it, with the
// option meant when one is close.

// [entry point, call with options, misspelling, the option it suggests]
const clock = () => new seawall.ManualClock()
const REDIS_URL = 'redis://127.0.0.1:1/0'
const redis = () => new seawall.RedisBackend({ url: REDIS_URL })
const never = () => new Promise(() => {})
const UNKNOWN = [
  ['CircuitBreaker', (o) => new seawall.CircuitBreaker(o), 'openDurationMS', 'openDurationMs'],
  ['CircuitBreaker', (o) => new seawall.CircuitBreaker(o), 'open_duration_ms', 'openDurationMs'],
  ['CircuitBreaker', (o) => new seawall.CircuitBreaker(o), 'resetTimeout', 'openDurationMs'],
  ['CircuitBreaker', (o) => new seawall.CircuitBreaker(o), 'errorThresholdPercentage', 'failureRateThreshold'],
  ['CircuitBreaker', (o) => new seawall.CircuitBreaker(o), 'volumeThreshold', 'minimumNumberOfCalls'],
  ['CircuitBreaker', (o) => new seawall.CircuitBreaker(o), 'failure_rate_threshold', 'failureRateThreshold'],
  ['TokenBucket', (o) => new seawall.TokenBucket(o), 'rate', 'ratePerSec'],
  ['TokenBucket', (o) => new seawall.TokenBucket(o), 'bucketSize', 'burst'],
  ['SlidingWindowLimiter', (o) => new seawall.SlidingWindowLimiter(o), 'window', 'windowMs'],
  ['KeyedTokenBucket', (o) => new seawall.KeyedTokenBucket(o), 'max_keys', 'maxKeys'],
  ['KeyedSlidingWindow', (o) => new seawall.KeyedSlidingWindow(o), 'maxkeys', 'maxKeys'],
  ['Bulkhead', (o) => new seawall.Bulkhead(o), 'maxConcurrency', 'maxConcurrent'],
  ['Bulkhead', (o) => new seawall.Bulkhead(o), 'max_wait_ms', 'maxWaitMs'],
  ['AdaptiveTimeout', (o) => new seawall.AdaptiveTimeout(o), 'percentle', 'percentile'],
  ['FaultInjector', (o) => new seawall.FaultInjector(o), 'error_rate', 'errorRate'],
  ['Backoff', (o) => new seawall.Backoff(o), 'base', 'baseMs'],
  ['Backoff', (o) => new seawall.Backoff(o), 'minTimeout', 'baseMs'],
  ['RetryBudget', (o) => new seawall.RetryBudget(o), 'maxToken', 'maxTokens'],
  ['ManualClock', (o) => new seawall.ManualClock(o), 'start', 'startMs'],
  ['Policy', (o) => new seawall.Policy(o), 'timeout_ms', 'timeoutMs'],
  ['Policy', (o) => new seawall.Policy(o), 'breaker', undefined],
  ['Policy retry', (o) => new seawall.Policy({ retry: o }), 'retries', 'maxAttempts'],
  ['Deadline', (o) => seawall.deadline(10, o), 'signl', 'signal'],
  ['rateLimitMiddleware', (o) => seawall.rateLimitMiddleware({ limiter: new seawall.TokenBucket(), ...o }), 'keys', 'key'],
  // The Redis classes connect lazily: nothing listens on port 1.
  ['RedisBackend', (o) => new seawall.RedisBackend({ url: REDIS_URL, ...o }), 'deadline', 'deadlineMs'],
  ['RedisTokenBucket', (o) => new seawall.RedisTokenBucket({ backend: redis(), name: 'a', ...o }), 'rate_per_sec', 'ratePerSec'],
  ['RedisTokenBucket', (o) => new seawall.RedisTokenBucket({ backend: redis(), name: 'a', ...o }), 'initialTokens', undefined],
  ['RedisSlidingWindow', (o) => new seawall.RedisSlidingWindow({ backend: redis(), name: 'a', ...o }), 'window', 'windowMs'],
  ['RedisConcurrencyLimit', (o) => new seawall.RedisConcurrencyLimit({ backend: redis(), name: 'a', maxConcurrent: 1, ...o }), 'maxConcurrency', 'maxConcurrent'],
  ['RedisFeatureFlags', (o) => new seawall.RedisFeatureFlags({ backend: redis(), namespace: 'n', ...o }), 'cacheTtl', 'cacheTtlMs']
]
const UNKNOWN_ASYNC = [
  ['retry', (o) => seawall.retry(async () => 1, o), 'retries', 'maxAttempts'],
  ['retry', (o) => seawall.retry(async () => 1, o), 'max_attempts', 'maxAttempts'],
  ['retry', (o) => seawall.retry(async () => 1, o), 'maxRetries', 'maxAttempts'],
  ['timeout', (o) => seawall.timeout(async () => 1, 10, o), 'singal', 'signal'],
  ['fallback', (o) => seawall.fallback(async () => 1, 2, o), 'whn', 'when'],
  ['fallbackChain', (o) => seawall.fallbackChain([async () => 1], o), 'whenn', 'when'],
  ['degrade', (o) => seawall.degrade({ a: async () => 1 }, o), 'onDegrade', 'onDegraded'],
  ['degrade part', (o) => seawall.degrade({ a: { fn: async () => 1, ...o } }), 'timeout', 'timeoutMs'],
  ['CircuitBreaker.execute', (o) => new seawall.CircuitBreaker().execute(async () => 1, o), 'sginal', 'signal'],
  ['Bulkhead.execute', (o) => new seawall.Bulkhead().execute(async () => 1, o), 'timeout', 'timeoutMs'],
  ['Bulkhead.acquire', (o) => new seawall.Bulkhead().acquire(o), 'maxWaitMs', undefined],
  ['TokenBucket.acquire', (o) => new seawall.TokenBucket().acquire(1, o), 'timeout', 'timeoutMs'],
  ['KeyedTokenBucket.acquire', (o) => new seawall.KeyedTokenBucket().acquire('k', 1, o), 'Signal', 'signal'],
  ['AdaptiveTimeout.execute', (o) => new seawall.AdaptiveTimeout().execute(async () => 1, o), 'timeoutMs', undefined],
  ['FaultInjector.execute', (o) => new seawall.FaultInjector().execute(async () => 1, o), 'signals', 'signal'],
  ['Policy.execute', (o) => new seawall.Policy().execute(async () => 1, o), 'signa', 'signal']
]

function checkUnknown (name, key, meant, err) {
  assert.ok(err instanceof TypeError, `${name}({ ${key} }): ${err && err.constructor.name} ${err && err.message}`)
  assert.ok(['SEAWALL_INVALID_CONFIG', 'SEAWALL_INVALID_ARGUMENT'].includes(err.code), `${name} ${key}: code ${err.code}`)
  assert.strictEqual(err.field, key, `${name} ${key}: field ${err.field}`)
  assert.ok(err.message.includes(JSON.stringify(key)), `${name} ${key}: message ${err.message}`)
  if (meant !== undefined) assert.ok(err.message.includes(`did you mean ${meant}`), `${name} ${key}: message ${err.message}`)
}

test('unknown or misspelled options are TypeErrors naming the option and the one meant', () => {
  for (const [name, make, key, meant] of UNKNOWN) {
    let err
    try { make({ [key]: 5 }) } catch (e) { err = e }
    checkUnknown(name, key, meant, err)
  }
})

test('RedisConcurrencyLimit without maxConcurrent is a config error naming it (no silent default)', () => {
  assert.throws(() => new seawall.RedisConcurrencyLimit({ backend: redis(), name: 'a' }),
    (e) => e instanceof TypeError && e.code === 'SEAWALL_INVALID_CONFIG' && e.field === 'maxConcurrent' &&
      /maxConcurrent is required/.test(e.message))
})

test('unknown options of calls reject with a TypeError naming the option', async () => {
  for (const [name, call, key, meant] of UNKNOWN_ASYNC) {
    let err
    try { await call({ [key]: 5 }) } catch (e) { err = e }
    checkUnknown(name, key, meant, err)
  }
})

test('every option the types document is accepted (no false unknowns)', () => {
  const c = clock()
  new seawall.CircuitBreaker({ clock: c, failureRateThreshold: 0.5, slowCallRateThreshold: null, slowCallDurationThresholdMs: 100, windowKind: 'count_based', windowSize: 10, minimumNumberOfCalls: 5, failureCountThreshold: null, failureCountPeriodMs: null, openDurationMs: 10, openDurationMultiplier: 1, maxOpenDurationMs: null, halfOpenMaxCalls: 1, successThreshold: 1, isFailure: () => true, name: 'x' })
  new seawall.TokenBucket({ clock: c, burst: 2, ratePerSec: 1, initialTokens: 1 })
  new seawall.SlidingWindowLimiter({ clock: c, limit: 2, windowMs: 1000, buckets: 10 })
  new seawall.KeyedTokenBucket({ clock: c, burst: 2, ratePerSec: 1, maxKeys: 16, maxProbe: 8, onFull: 'deny', hashSeed: 1 })
  new seawall.KeyedSlidingWindow({ clock: c, limit: 2, windowMs: 1000, buckets: 10, maxKeys: 16, maxProbe: 8, onFull: 'allow', hashSeed: 1n })
  new seawall.Bulkhead({ clock: c, maxConcurrent: 1, maxQueue: 1, maxWaitMs: 5 })
  new seawall.AdaptiveTimeout({ clock: c, percentile: 0.9, multiplier: 2, minTimeoutMs: 1, maxTimeoutMs: 1000, initialTimeoutMs: 100, minSamples: 5, windowMs: 1000 })
  new seawall.FaultInjector({ clock: c, errorRate: 0.1, delayRate: 0.1, delayMinMs: 1, delayMaxMs: 2, seed: 1, enabled: true, error: () => new Error('x') })
  new seawall.Backoff({ clock: c, kind: 'exponential', baseMs: 1, factor: 2, maxDelayMs: 10, jitter: 'full', maxAttempts: 3, maxElapsedMs: null, seed: 1 })
  new seawall.RetryBudget({ maxTokens: 10, tokenRatio: 0.1 })
  new seawall.ManualClock({ startMs: 5 })
  new seawall.Policy({ clock: c, timeoutMs: 5, retry: { maxAttempts: 2, retryIf: () => true, onRetry: () => {} }, fallback: 1, fallbackWhen: () => true })
})

// ---- recorded durations: NaN, negative or infinite are refused, not
// recorded as 0 ms.
const BAD_DURATIONS = [NaN, -1, -1e-9, Infinity, -Infinity]

test('a breaker permit refuses a NaN, negative or infinite duration and records nothing', () => {
  for (const how of ['success', 'failure']) {
    for (const v of BAD_DURATIONS) {
      const cb = new seawall.CircuitBreaker({ clock: clock() })
      const p = cb.tryAcquire()
      assert.throws(() => p[how](v), (e) => e instanceof RangeError && e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'durationMs' && Object.is(e.value, v), `${how}(${v})`)
      assert.strictEqual(cb.metrics().calls, 0, `${how}(${v}) recorded a call`)
      assert.strictEqual(p.finished, false)
      assert.strictEqual(p[how](1), true) // still usable
    }
    assert.throws(() => new seawall.CircuitBreaker().tryAcquire()[how]('5'), (e) => e instanceof TypeError && e.field === 'durationMs')
  }
})

test('AdaptiveTimeout.record refuses a NaN, negative or infinite latency', () => {
  const at = new seawall.AdaptiveTimeout({ clock: clock() })
  for (const v of BAD_DURATIONS) {
    assert.throws(() => at.record(v), (e) => e instanceof RangeError && e.field === 'latencyMs' && e.code === 'SEAWALL_INVALID_ARGUMENT', `record(${v})`)
  }
  assert.strictEqual(at.metrics().total, 0)
})

test('PolicyGuard.complete refuses a NaN, negative or infinite duration', () => {
  const p = new seawall.Policy({ circuitBreaker: new seawall.CircuitBreaker({ clock: clock() }) })
  const g = p.tryAcquire()
  for (const v of BAD_DURATIONS) {
    assert.throws(() => g.complete('success', v), (e) => e instanceof RangeError && e.field === 'durationMs', `complete(${v})`)
  }
  assert.strictEqual(g.complete('success', 1), true)
})

test('timeout(), deadline() and acquire timeouts refuse NaN and negative durations', async () => {
  for (const v of [NaN, -1, -Infinity]) {
    await assert.rejects(async () => seawall.timeout(async () => 1, v), (e) => e instanceof RangeError && e.field === 'ms')
    assert.throws(() => seawall.deadline(v), (e) => e instanceof RangeError && e.field === 'ms')
    await assert.rejects(new seawall.TokenBucket().acquire(1, { timeoutMs: v }), (e) => e instanceof RangeError && e.field === 'timeoutMs')
    await assert.rejects(new seawall.Bulkhead().acquire({ timeoutMs: v }), (e) => e instanceof RangeError && e.field === 'timeoutMs')
    assert.throws(() => new seawall.ManualClock().advance(v), (e) => e instanceof RangeError && e.field === 'ms')
  }
})

// ---- double finishes: the second finish of a permit or guard records
// nothing and returns false.

test('a breaker permit finished twice records one outcome', () => {
  for (const [first, second] of [['success', 'success'], ['failure', 'failure'], ['success', 'failure'], ['failure', 'release'], ['ignore', 'ignore'], ['release', 'success']]) {
    const cb = new seawall.CircuitBreaker({ clock: clock() })
    const p = cb.tryAcquire()
    assert.strictEqual(p[first](), true)
    assert.strictEqual(p.finished, true)
    assert.strictEqual(p[second](), false, `${first} then ${second}`)
    const m = cb.metrics()
    const counted = m.successes + m.failures + m.ignored
    assert.strictEqual(counted, first === 'release' ? 0 : 1, `${first} then ${second}: ${JSON.stringify(m)}`)
  }
})

test('a bulkhead permit, a waiter and a policy guard finished twice do nothing the second time', () => {
  const bh = new seawall.Bulkhead({ maxConcurrent: 1, maxQueue: 1 })
  const p = bh.tryAcquire()
  const q = bh.enqueue()
  assert.strictEqual(q.outcome, 'queued')
  assert.strictEqual(q.waiter.cancel(), true)
  assert.strictEqual(q.waiter.cancel(), false)
  assert.strictEqual(p.release(), true)
  assert.strictEqual(p.release(), false)
  assert.strictEqual(bh.metrics().active, 0)
  const pol = new seawall.Policy({ bulkhead: bh })
  const g = pol.tryAcquire()
  assert.strictEqual(g.complete(), true)
  assert.strictEqual(g.complete('failure'), false)
  assert.strictEqual(g.release(), false)
  assert.strictEqual(bh.metrics().active, 0)
})

test('refund(0) does nothing, as in the spec and the other languages', () => {
  const c = clock()
  for (const L of [seawall.TokenBucket, seawall.SlidingWindowLimiter]) {
    const l = new L({ clock: c })
    const before = l.peek()
    l.refund(0)
    assert.deepStrictEqual(l.peek(), before)
    assert.throws(() => l.refund(-1), RangeError)
    assert.throws(() => l.refund(1.5), RangeError)
  }
  for (const L of [seawall.KeyedTokenBucket, seawall.KeyedSlidingWindow]) {
    const l = new L({ clock: c })
    l.refund('k', 0)
    assert.throws(() => l.refund({}, 0), TypeError)
  }
})

test('a schedule refuses unknown hints', () => {
  const s = new seawall.Backoff().schedule()
  assert.throws(() => s.nextDelayMs({ retryAfter: 5 }), (e) => e instanceof TypeError && e.field === 'retryAfter' && /retryAfterMs/.test(e.message))
})

// ---- the entry points of core's retry run, policy run, classification and
// headers (issue 10): typed errors naming the option; callbacks that throw
// fail that call, never the process.
register('Retry', {
  make: (o) => new seawall.Retry({ backoff: new seawall.Backoff({ maxAttempts: 5 }), ...o }),
  options: { maxAttempts: [-0, 0, 1.5, 6, 1e308, 2 ** 53] }
})
register('RetryRun.onFailure', {
  make: (o) => new seawall.Retry().start().onFailure(o),
  options: { retryAfterMs: [-0.5, 1e999], durationMs: [-0.5, 1e999] }
})
register('Retry.start', {
  make: (o) => new seawall.Retry().start(o),
  options: { deadlineMs: [-0.5, 1e999] }
})
register('Policy.start', {
  make: (o) => new seawall.Policy().start(o),
  options: { deadlineMs: [-0.5, 1e999] }
})
register('PolicyRun.onFailure', {
  make: (o) => { const r = new seawall.Policy().start(); r.next(); return r.onFailure(o) },
  options: { retryAfterMs: [-0.5, 1e999] }
})
register('rateLimitHeaders policy', {
  make: (o) => seawall.rateLimitHeaders({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, { name: 'n', limit: 5, windowMs: 1000, ...o }),
  options: { limit: [1.5, 1e308, 2 ** 53], windowMs: [-0.5, 1e999] }
})

test('retry({ backoff, maxAttempts }) rejects a bad cap naming maxAttempts', async () => {
  const backoff = new seawall.Backoff({ maxAttempts: 3 })
  for (const v of [...COMMON, 0, -0, 1.5, 4, 1e308, 2 ** 53]) {
    await assert.rejects(seawall.retry(async () => 1, { backoff, maxAttempts: v }),
      (e) => (e instanceof RangeError || e instanceof TypeError) && e.field === 'maxAttempts' && e.message.includes('maxAttempts'), String(typeof v === 'symbol' ? 'symbol' : v))
  }
})

test('unknown options of the run APIs are TypeErrors naming the option', () => {
  const cases = [
    [() => new seawall.Retry({ maxAttemps: 2 }), 'maxAttemps', 'maxAttempts'],
    [() => new seawall.Retry().start({ deadline: 5 }), 'deadline', 'deadlineMs'],
    [() => new seawall.Retry().start().onFailure({ retryAfter: 5 }), 'retryAfter', 'retryAfterMs'],
    [() => new seawall.Policy().start({ deadline: 5 }), 'deadline', 'deadlineMs'],
    [() => { const r = new seawall.Policy().start(); r.next(); r.onFailure({ retriable: true }) }, 'retriable', 'retryable']
  ]
  for (const [f, key, meant] of cases) {
    let err
    try { f() } catch (e) { err = e }
    checkUnknown(String(f), key, meant, err)
  }
  assert.throws(() => { const r = new seawall.Policy().start(); r.next(); r.onFailure({ outcome: 'meh' }) }, (e) => e instanceof TypeError && e.field === 'outcome')
  assert.throws(() => new seawall.Policy().start().slotGranted({}), (e) => e instanceof TypeError && e.field === 'permit')
  assert.throws(() => seawall.rateLimitHeaders({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, { limit: 1, windowMs: 1, name: 'bad\u0001' }), (e) => e.field === 'name')
  assert.throws(() => seawall.rateLimitMiddleware({ limiter: new seawall.TokenBucket(), name: '' }), (e) => e.field === 'name')
  assert.throws(() => seawall.isRetryableErrorKind(5), (e) => e instanceof TypeError && e.field === 'kind')
  assert.throws(() => seawall.parseRetryAfter('5', 'now'), (e) => e instanceof TypeError && e.field === 'nowMs')
})

test('callbacks that throw inside Policy.execute fail that call, never crash', async () => {
  const boom = () => { throw new Error('boom') }
  const reset = () => { throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }
  await assert.rejects(new seawall.Policy({ retry: { baseMs: 0, retryIf: boom } }).execute(reset), /boom/)
  await assert.rejects(new seawall.Policy({ retry: { baseMs: 0, onRetry: boom } }).execute(reset), /boom/)
  await assert.rejects(new seawall.Policy({ fallback: boom }).execute(reset), /boom/)
  await assert.rejects(new seawall.Policy({ fallback: 1, fallbackWhen: boom }).execute(reset), /boom/)
  const cb = new seawall.CircuitBreaker({ isFailure: boom })
  await assert.rejects(new seawall.Policy({ circuitBreaker: cb }).execute(reset), /boom/)
  assert.strictEqual(cb.metrics().failures, 1) // finished, as a failure
  await assert.rejects(new seawall.Policy().execute(() => { throw new Error('sync') }), /sync/)
})

register('TokenBucket.reserve', {
  make: (o) => new seawall.TokenBucket().reserve(1, o),
  options: { maxWaitMs: [-0.5, 1e999] }
})
register('SlidingWindowLimiter.reserve', {
  make: (o) => new seawall.SlidingWindowLimiter().reserve(1, o),
  options: { maxWaitMs: [-0.5, 1e999] }
})
