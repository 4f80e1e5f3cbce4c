'use strict'
// Each scenario times one operation through seawall and through its peers.
// `impls[lib]` returns (possibly async) the function to time.

const cockatiel = require('cockatiel')
const Opossum = require('opossum')
const { TokenBucket: LimiterBucket } = require('limiter')

const seawall = require('seawall')

const ok = async () => 1

module.exports = [
  {
    name: 'breaker execute(async ok)',
    options: { async: true, batch: 20_000 },
    targets: { cockatiel: 1.5, opossum: 5 },
    impls: {
      seawall: () => {
        const cb = new seawall.CircuitBreaker()
        return () => cb.execute(ok)
      },
      cockatiel: () => {
        const cb = cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) })
        return () => cb.execute(ok)
      },
      opossum: () => {
        const b = new Opossum(ok, { timeout: false })
        return () => b.fire()
      }
    }
  },
  {
    name: 'breaker rejected call (open)',
    options: { async: true, batch: 20_000 },
    targets: { cockatiel: 5, opossum: 5 },
    impls: {
      seawall: () => {
        const cb = new seawall.CircuitBreaker({ openDurationMs: 1e9 })
        cb.forceOpen()
        return () => cb.execute(ok).catch(() => 0)
      },
      cockatiel: () => {
        const cb = cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 1e9, breaker: new cockatiel.ConsecutiveBreaker(5) })
        cb.isolate()
        return () => cb.execute(ok).catch(() => 0)
      },
      opossum: () => {
        const b = new Opossum(ok, { timeout: false, resetTimeout: 1e9 })
        b.open()
        return () => b.fire().catch(() => 0)
      }
    }
  },
  {
    name: 'token bucket tryAcquire()',
    options: { batch: 200_000 },
    targets: { limiter: 2 },
    impls: {
      seawall: () => {
        const b = new seawall.TokenBucket({ burst: 1e9, ratePerSec: 1e9 })
        return () => b.tryAcquire()
      },
      limiter: () => {
        const b = new LimiterBucket({ bucketSize: 1e9, tokensPerInterval: 1e9, interval: 'second' })
        return () => b.tryRemoveTokens(1)
      }
    }
  },
  {
    // limiter has no keyed limiter: its users keep a Map of buckets.
    name: 'keyed token bucket tryAcquire(key), one hot key',
    options: { batch: 200_000 },
    targets: { 'limiter (Map of buckets)': 1 },
    impls: {
      seawall: () => {
        const b = new seawall.KeyedTokenBucket({ burst: 1e9, ratePerSec: 1e9, maxKeys: 10_000 })
        for (let i = 0; i < 5000; i++) b.tryAcquire(`user-${i}`)
        return () => b.tryAcquire('user-42')
      },
      'limiter (Map of buckets)': () => {
        const m = new Map()
        for (let i = 0; i < 5000; i++) m.set(`user-${i}`, new LimiterBucket({ bucketSize: 1e9, tokensPerInterval: 1e9, interval: 'second' }))
        return () => m.get('user-42').tryRemoveTokens(1)
      }
    }
  },
  {
    // No sliding-window peer on npm in the same class: limiter's token
    // bucket, the limiter a user would otherwise pick.
    name: 'sliding window tryAcquire()',
    options: { batch: 200_000 },
    targets: { limiter: 1 },
    impls: {
      seawall: () => {
        const w = new seawall.SlidingWindowLimiter({ limit: 16_000_000, windowMs: 100, buckets: 10 })
        return () => w.tryAcquire()
      },
      limiter: () => {
        const b = new LimiterBucket({ bucketSize: 1e9, tokensPerInterval: 1e9, interval: 'second' })
        return () => b.tryRemoveTokens(1)
      }
    }
  },
  {
    name: 'bulkhead execute(async ok)',
    options: { async: true, batch: 20_000 },
    targets: { cockatiel: 2 },
    impls: {
      seawall: () => {
        const bh = new seawall.Bulkhead({ maxConcurrent: 10 })
        return () => bh.execute(ok)
      },
      cockatiel: () => {
        const bh = cockatiel.bulkhead(10, 0)
        return () => bh.execute(ok)
      }
    }
  },
  {
    name: 'retry(async ok), first attempt succeeds',
    options: { async: true, batch: 20_000 },
    targets: { cockatiel: 1 },
    impls: {
      seawall: () => {
        const backoff = new seawall.Backoff({ baseMs: 100, maxAttempts: 3 })
        const opts = { backoff }
        return () => seawall.retry(ok, opts)
      },
      'seawall (options per call)': () => {
        return () => seawall.retry(ok, { baseMs: 100, maxAttempts: 3 })
      },
      cockatiel: () => {
        const r = cockatiel.retry(cockatiel.handleAll, { maxAttempts: 2, backoff: new cockatiel.ExponentialBackoff({ initialDelay: 100 }) })
        return () => r.execute(ok)
      }
    }
  },
  {
    name: '10-step jittered backoff',
    options: { batch: 100_000 },
    targets: { cockatiel: 5 },
    impls: {
      seawall: () => {
        const b = new seawall.Backoff({ baseMs: 100, maxDelayMs: 30_000, jitter: 'decorrelated', maxAttempts: 11 })
        return () => {
          let s = 0
          const sc = b.schedule()
          for (let i = 0; i < 10; i++) s += sc.nextDelayMs()
          return s
        }
      },
      'seawall (nextDelaysMs(10))': () => {
        const b = new seawall.Backoff({ baseMs: 100, maxDelayMs: 30_000, jitter: 'decorrelated', maxAttempts: 11 })
        return () => {
          let s = 0
          for (const d of b.schedule().nextDelaysMs(10)) s += d
          return s
        }
      },
      cockatiel: () => {
        const b = new cockatiel.ExponentialBackoff({ initialDelay: 100, maxDelay: 30_000, generator: cockatiel.decorrelatedJitterGenerator })
        return () => {
          let s = 0
          let d = b.next()
          for (let i = 0; i < 10; i++) { s += d.duration; d = d.next() }
          return s
        }
      }
    }
  }
]
