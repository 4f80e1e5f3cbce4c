'use strict'
// Mirrors tests/src/runners/{token_bucket,sliding_window,keyed}.rs through
// the public JS API.
const { TokenBucket, SlidingWindowLimiter, KeyedTokenBucket, KeyedSlidingWindow } = require('seawall')
const { toOptions, errorValue, msToNs, nsToMs, inRegion } = require('../vectors')

function decisionValue (d) {
  return { allowed: d.allowed, remaining: d.remaining, retry_after_ns: msToNs(d.retryAfterMs), reset_after_ns: msToNs(d.resetAfterMs) }
}

function result (fields, f) {
  try {
    return decisionValue(f())
  } catch (e) {
    return errorValue(e, fields)
  }
}

function waitValue (p) {
  if (p.outcome === 'granted') return { outcome: 'granted', ...decisionValue(p) }
  if (p.outcome === 'waiting') return { outcome: 'waiting', due_in_ns: msToNs(p.dueInMs) }
  if (p.outcome === 'refused') return { outcome: 'refused', error: 'rate_limited', retry_after_ns: msToNs(p.retryAfterMs) }
  return { outcome: p.outcome }
}

function runner (make, metrics, keyed) {
  let fields = {}
  return {
    build (config, clock) {
      const [opts, f] = toOptions(config)
      fields = f
      const l = make({ ...opts, clock, ...inRegion() })
      const waits = new Map()
      return {
        step (op, args) {
          const n = args.n === undefined ? 1 : Number(args.n)
          const key = args.key === undefined ? '' : args.key
          switch (op) {
            case 'try_acquire': return result(fields, () => keyed ? l.check(key, n) : l.check(n))
            case 'peek': return result(fields, () => keyed ? l.peek(key, n) : l.peek(n))
            case 'refund':
              keyed ? l.refund(key, n) : l.refund(n)
              return {}
            case 'metrics': return metrics(l.metrics())
            case 'acquire_wait': {
              try {
                const opts = { maxWaitMs: args.max_wait_ns === undefined ? 0 : nsToMs(args.max_wait_ns) }
                const r = keyed ? l.reserve(key, n, opts) : l.reserve(n, opts)
                if (r.outcome === 'granted') return waitValue(r)
                waits.set(args.id, r.waiter)
                return { outcome: 'waiting', due_in_ns: msToNs(r.waiter.dueInMs) }
              } catch (e) {
                const v = errorValue(e, fields)
                return v.error === 'rate_limited' ? { outcome: 'refused', ...v } : v
              }
            }
            case 'poll': {
              const w = waits.get(args.id)
              return w === undefined ? { outcome: 'none' } : waitValue(w.poll())
            }
            case 'cancel': {
              const w = waits.get(args.id)
              if (w !== undefined) w.cancel()
              return {}
            }
            default: throw new Error(`unknown op ${op}`)
          }
        }
      }
    },
    errorValue (e) { return errorValue(e, fields) }
  }
}

const keyedMetrics = (m) => ({
  keys_tracked: m.keysTracked,
  evictions: m.evictions,
  table_full: m.tableFull,
  capacity: m.capacity,
  allowed: m.allowed,
  denied: m.denied,
  waiting: m.waiting
})

module.exports = {
  token_bucket: runner((o) => new TokenBucket(o), (m) => ({ available: m.available, allowed: m.allowed, denied: m.denied, waiting: m.waiting }), false),
  sliding_window: runner((o) => new SlidingWindowLimiter(o), (m) => ({ count: m.count, allowed: m.allowed, denied: m.denied, waiting: m.waiting }), false),
  keyed_limiter: runner((o) => {
    const { kind = 'token_bucket', hashSeed = 0, ...rest } = o
    if (kind === 'token_bucket') return new KeyedTokenBucket({ ...rest, hashSeed })
    if (kind === 'sliding_window') return new KeyedSlidingWindow({ ...rest, hashSeed })
    throw new Error(`unknown kind ${kind}`)
  }, keyedMetrics, true)
}
