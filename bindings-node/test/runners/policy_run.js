'use strict'
// Mirrors tests/src/runners/policy_run.rs through the public JS API.
const {
  Policy, TokenBucket, SlidingWindowLimiter, CircuitBreaker, Bulkhead, AdaptiveTimeout, Backoff, RetryBudget
} = require('seawall')
const { toOptions, errorValue, msToNs, nsToMs } = require('../vectors')

let fields = {}

const ns = (ms) => ms == null ? null : msToNs(ms)

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
    const adaptive = sub('adaptive_timeout', (o) => new AdaptiveTimeout(o))
    const opts = { rateLimiter: limiter, circuitBreaker: breaker, bulkhead, clock }
    if (config.timeout_ns !== undefined) opts.timeoutMs = nsToMs(config.timeout_ns)
    if (adaptive !== undefined) opts.timeout = adaptive
    let backoff, budget
    if (config.retry !== undefined) {
      const rc = config.retry
      const [bo, bf] = toOptions(rc.backoff || {})
      Object.assign(fields, bf)
      backoff = new Backoff({ ...bo, clock })
      const r = { backoff }
      if (rc.budget !== undefined) {
        const [o, f] = toOptions(rc.budget)
        Object.assign(fields, f)
        budget = new RetryBudget(o)
        r.budget = budget
      }
      if (rc.max_attempts !== undefined) r.maxAttempts = rc.max_attempts
      opts.retry = r
    }
    if (config.fallback === true) opts.fallback = 'fallback'
    const policy = new Policy(opts)
    const calls = new Map()
    const snapshot = (o) => {
      if (breaker) o.state = breaker.state
      if (bulkhead) o.active = bulkhead.metrics().active
      if (limiter instanceof TokenBucket) o.limiter_available = limiter.metrics().available
      if (limiter instanceof SlidingWindowLimiter) { const m = limiter.metrics(); o.limiter_available = m.limit - m.count }
      return o
    }
    const callOf = (args) => {
      const c = calls.get(args.id === undefined ? 'a' : args.id)
      if (!c) throw new Error(`no call ${args.id}`)
      return c
    }
    const out = (c, s) => {
      const o = { step: s.step }
      switch (s.step) {
        case 'attempt': o.timeout_ns = ns(s.timeoutMs); break
        case 'wait_for_slot': o.max_wait_ns = msToNs(s.maxWaitMs); c.waiter = s.waiter; break
        case 'sleep': o.delay_ns = msToNs(s.delayMs); break
        case 'fallback':
        case 'fail':
          o.stage = s.stage
          if (s.attempts !== undefined) o.attempts = s.attempts
          if (s.reason !== undefined) o.reason = s.reason
          if (s.field !== undefined) o.field = s.field
          o.error = s.error
          break
      }
      o.attempt = c.run.attempts
      return snapshot(o)
    }
    return {
      step (op, args) {
        const id = args.id === undefined ? 'a' : args.id
        switch (op) {
          case 'start': {
            const c = { run: policy.start(args.deadline_ns === undefined ? undefined : { deadlineMs: nsToMs(args.deadline_ns) }), waiter: null, held: null }
            calls.set(id, c)
            return out(c, c.run.next())
          }
          case 'next': { const c = callOf(args); return out(c, c.run.next()) }
          case 'success': { const c = callOf(args); return out(c, c.run.onSuccess()) }
          case 'failure': {
            const c = callOf(args)
            const f = {}
            if (args.retryable !== undefined) f.retryable = args.retryable
            if (args.retry_after_ns !== undefined) f.retryAfterMs = nsToMs(args.retry_after_ns)
            if (args.outcome !== undefined) f.outcome = args.outcome
            return out(c, c.run.onFailure(f))
          }
          case 'timeout': {
            const c = callOf(args)
            const s = c.run.onTimeout()
            c.held = s.held === undefined ? null : s.held
            const o = out(c, s)
            o.slot_held = c.held !== null
            return o
          }
          case 'settle': {
            const c = callOf(args)
            if (c.held !== null) c.held.release()
            c.held = null
            return snapshot({})
          }
          case 'claim': {
            const c = callOf(args)
            if (c.waiter === null) throw new Error('claim: no waiter')
            const permit = c.waiter.claim()
            if (permit === null) return snapshot({ step: 'wait_for_slot' })
            c.waiter = null
            return out(c, c.run.slotGranted(permit))
          }
          case 'wait_timeout': {
            const c = callOf(args)
            if (c.waiter !== null) c.waiter.cancel()
            c.waiter = null
            return out(c, c.run.slotTimedOut())
          }
          case 'cancel': {
            const c = callOf(args)
            if (c.waiter !== null) c.waiter.cancel()
            c.waiter = null
            c.run.cancel()
            return snapshot({})
          }
          case 'metrics': {
            const o = {}
            if (breaker) {
              const m = breaker.metrics()
              o.breaker = { successes: m.successes, failures: m.failures, ignored: m.ignored, slow: m.slow, rejected: m.rejected }
            }
            if (bulkhead) {
              const m = bulkhead.metrics()
              o.bulkhead = { active: m.active, queued: m.queued, rejected: m.rejected }
            }
            if (adaptive) {
              const m = adaptive.metrics()
              o.adaptive = { samples: m.samples, timeout_ns: msToNs(m.timeoutMs), p50_ns: msToNs(m.p50Ms) }
            }
            if (backoff) {
              const m = backoff.metrics()
              o.backoff = { schedules: m.schedules, retries: m.retries, exhausted_attempts: m.exhaustedAttempts }
            }
            if (budget) {
              const m = budget.metrics()
              o.budget = { tokens_milli: m.tokensMilli, retries_denied: m.retriesDenied }
            }
            return snapshot(o)
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
