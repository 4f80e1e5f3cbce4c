'use strict'
// Mirrors tests/src/runners/policy.rs through the public JS API.
const { Policy, TokenBucket, SlidingWindowLimiter, CircuitBreaker, Bulkhead } = require('seawall')
const { toOptions, errorValue, msToNs } = require('../vectors')

let fields = {}

module.exports = {
  build (config, clock) {
    fields = {}
    const sub = (key, make) => {
      if (config[key] === undefined || config[key] === null) return undefined
      const [opts, f] = toOptions(config[key])
      Object.assign(fields, f)
      return make({ ...opts, clock })
    }
    const limiter = sub('rate_limiter', ({ kind = 'token_bucket', ...o }) => kind === 'sliding_window' ? new SlidingWindowLimiter(o) : new TokenBucket(o))
    const breaker = sub('circuit_breaker', (o) => new CircuitBreaker(o))
    const bulkhead = sub('bulkhead', (o) => new Bulkhead(o))
    const policy = new Policy({ rateLimiter: limiter, circuitBreaker: breaker, bulkhead, clock })
    const guards = new Map()
    const snapshot = (o) => {
      if (breaker) o.state = breaker.state
      if (bulkhead) o.active = bulkhead.metrics().active
      if (limiter instanceof TokenBucket) o.limiter_available = limiter.metrics().available
      if (limiter instanceof SlidingWindowLimiter) { const m = limiter.metrics(); o.limiter_available = m.limit - m.count }
      return o
    }
    const guard = (args) => {
      const g = guards.get(args.id)
      if (!g) throw new Error(`no guard ${args.id}`)
      guards.delete(args.id)
      return g
    }
    const wire = { SEAWALL_RATE_LIMITED: 'rate_limited', SEAWALL_CIRCUIT_OPEN: 'circuit_open', SEAWALL_BULKHEAD_FULL: 'bulkhead_full' }
    return {
      step (op, args) {
        const o = {}
        switch (op) {
          case 'acquire': {
            const g = policy.tryAcquire()
            if (g.allowed) {
              o.allowed = true
              o.stage = null
              o.probe = g.isProbe
              if (args.id !== undefined) guards.set(args.id, g)
            } else {
              o.allowed = false
              o.stage = g.stage
              o.error = wire[g.error.code]
              o.retry_after_ns = g.error.retryAfterMs === undefined ? 0 : msToNs(g.error.retryAfterMs)
            }
            break
          }
          case 'complete': {
            const g = guard(args)
            if (args.duration_ns === undefined) g.complete(args.outcome)
            else g.complete(args.outcome, Number(args.duration_ns) / 1e6)
            break
          }
          case 'release': guard(args).release(); break
          case 'state': break
          default: throw new Error(`unknown op ${op}`)
        }
        return snapshot(o)
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
