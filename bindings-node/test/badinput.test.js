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
