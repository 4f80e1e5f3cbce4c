'use strict'
// Policy / wrap(): rate limiter → circuit breaker → bulkhead (one native
// admission call with give-back on rejection) → timeout → retry → fallback.
// Each retry attempt is a call: it is admitted by the guard again.

const native = require('./native')
const { RateLimitedError, CircuitOpenError, BulkheadFullError, mapNativeError, argTypeError, checkArgDurationMs, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, abortReason } = require('./clock')
const { runWithTimeout, checkSignal } = require('./timeout')
const { quickError, rejectSoon } = require('./util')
const { CircuitBreaker } = require('./breaker')
const { BaseLimiter, KeyedLimiter } = require('./limiter')
const { Bulkhead } = require('./bulkhead')
const { AdaptiveTimeout } = require('./chaos')
const { runRetry, retryPlan, backoffFrom, RetryBudget } = require('./retry')
const { checkKeys, KNOWN } = require('./options')

const { polAcquire, polComplete, polRelease, scratch } = native
const OUTCOME = { success: 0, failure: 1, ignored: 2 }
const STAGES = [undefined, 'rate_limiter', 'circuit_breaker', 'bulkhead']

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

/** An admitted call: finish it once with complete(outcome) or release(). */
class PolicyGuard {
  constructor (policy, id, probe) {
    this._p = policy
    this._id = id
    this.allowed = true
    this.stage = null
    /** Whether the breaker admitted this call as a half-open probe. */
    this.isProbe = probe
  }

  /**
   * Records 'success' | 'failure' | 'ignored' on the breaker (duration since
   * admission on the policy clock, unless given in ms) and frees the
   * bulkhead slot. False if already finished.
   */
  complete (outcome = 'success', durationMs) {
    const code = OUTCOME[outcome]
    if (code === undefined) throw argTypeError('outcome', '"success", "failure" or "ignored"', outcome)
    if (durationMs !== undefined) checkArgDurationMs('durationMs', durationMs)
    if (this._id < 0) return false
    const id = this._id
    this._id = -1
    polComplete(id, code, durationMs === undefined ? -1 : durationMs)
    this._p._after()
    return true
  }

  /** Finishes without an outcome (probe slot back, bulkhead slot freed; the rate-limit permit stays spent). */
  release () {
    if (this._id < 0) return false
    const id = this._id
    this._id = -1
    polRelease(id)
    this._p._after()
    return true
  }
}

class Policy {
  constructor (options) {
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.Policy, 'Policy options')
    const { rateLimiter, circuitBreaker, bulkhead } = opts
    if (rateLimiter !== undefined && (!(rateLimiter instanceof BaseLimiter) || rateLimiter instanceof KeyedLimiter)) {
      throw configType('rateLimiter', 'a TokenBucket or SlidingWindowLimiter (apply keyed limiters before the policy, with the key)', rateLimiter)
    }
    if (circuitBreaker !== undefined && !(circuitBreaker instanceof CircuitBreaker)) throw configType('circuitBreaker', 'a CircuitBreaker', circuitBreaker)
    if (bulkhead !== undefined && !(bulkhead instanceof Bulkhead)) throw configType('bulkhead', 'a Bulkhead', bulkhead)
    this._clock = clockOf(opts.clock)
    this.rateLimiter = rateLimiter
    this.circuitBreaker = circuitBreaker
    this.bulkhead = bulkhead
    // timeout: a number of ms, or an AdaptiveTimeout
    if (opts.timeout !== undefined && !(opts.timeout instanceof AdaptiveTimeout)) throw configType('timeout', 'an AdaptiveTimeout', opts.timeout)
    this._adaptive = opts.timeout
    this._timeoutMs = opts.timeoutMs === undefined ? undefined : native.checkDuration('timeoutMs', opts.timeoutMs, true)
    // retry: RetryOptions (a Backoff under `backoff`, or its options) or undefined
    if (opts.retry !== undefined) {
      const r = checkObject(opts.retry, 'retry', true)
      checkKeys(r, KNOWN.policyRetry, 'Policy retry options')
      if (r.retryIf !== undefined && typeof r.retryIf !== 'function') throw configType('retry.retryIf', 'a function', r.retryIf)
      if (r.budget !== undefined && !(r.budget instanceof RetryBudget)) throw configType('retry.budget', 'a RetryBudget', r.budget)
      const [backoff, cap] = backoffFrom({ clock: opts.clock, ...r })
      this._backoff = backoff
      this._retryIf = r.retryIf
      this._budget = r.budget
      this._onRetry = r.onRetry
      this._retryPlan = retryPlan(backoff, r.budget, cap) // checks the cap now
    }
    this._hasFallback = Object.prototype.hasOwnProperty.call(opts, 'fallback')
    this._fallback = opts.fallback
    if (opts.fallbackWhen !== undefined && typeof opts.fallbackWhen !== 'function') throw configType('fallbackWhen', 'a function', opts.fallbackWhen)
    this._fallbackWhen = opts.fallbackWhen
    try {
      this._n = new native.NativePolicy(rateLimiter && rateLimiter._n, circuitBreaker && circuitBreaker._n, bulkhead && bulkhead._n, nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._id = this._n.id
  }

  // After a guard finished or a rejection: breaker events, bulkhead waiters.
  _after () {
    const cb = this.circuitBreaker
    if (cb !== undefined && cb._n.pending()) cb._drain()
    const bh = this.bulkhead
    if (bh !== undefined && bh._waiting.length > 0) bh._drain()
  }

  /**
   * Admission only: a PolicyGuard ({ allowed: true }) or a rejection
   * { allowed: false, stage, error } where stage is 'rate_limiter',
   * 'circuit_breaker' or 'bulkhead'. Nothing a rejected call was granted
   * stays taken.
   */
  tryAcquire () {
    const r = polAcquire(this._id)
    if (r >= 0) {
      const g = new PolicyGuard(this, r, scratch[0] === 1)
      if (this.circuitBreaker !== undefined && this.circuitBreaker._n.pending()) this.circuitBreaker._drain()
      return g
    }
    const retryAfterMs = scratch[0]
    this._after()
    const stage = STAGES[-r]
    const error = stage === 'rate_limiter'
      ? quickError(RateLimitedError, retryAfterMs)
      : stage === 'circuit_breaker' ? quickError(CircuitOpenError, retryAfterMs) : quickError(BulkheadFullError)
    error.stage = stage
    return { allowed: false, stage, error }
  }

  _outcome (err) {
    const cb = this.circuitBreaker
    if (cb === undefined || cb._isFailure === undefined) return 'failure'
    return cb._isFailure(err) ? 'failure' : 'ignored'
  }

  // One attempt: admission, then the call (with its timeout).
  _attempt (fn, signal) {
    const g = this.tryAcquire()
    if (!g.allowed) return rejectSoon(g.error)
    const clock = this._clock
    let limit = this._timeoutMs
    const adaptive = this._adaptive
    let start
    if (adaptive !== undefined) {
      limit = adaptive.timeoutMs()
      start = clock.nowMs()
    }
    const p = limit === undefined ? callSafely(fn, signal) : runWithTimeout(fn, limit, clock, signal)
    return p.then((v) => {
      if (adaptive !== undefined) adaptive.record(clock.nowMs() - start)
      g.complete('success')
      return v
    }, (err) => {
      if (signal !== undefined && signal.aborted && err === abortReason(signal)) {
        g.release()
      } else {
        if (adaptive !== undefined) adaptive.record(Math.min(limit, clock.nowMs() - start))
        g.complete(this._outcome(err))
      }
      throw err
    })
  }

  /**
   * Runs `fn(signal)` through every configured stage:
   * rate limiter → breaker → bulkhead → timeout → retry → fallback.
   */
  execute (fn, options) {
    if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
    let signal
    try {
      const opts = checkObject(options)
      checkKeys(opts, KNOWN.execute, 'execute() options', 'SEAWALL_INVALID_ARGUMENT')
      signal = checkSignal(opts.signal)
    } catch (e) { return Promise.reject(e) }
    let p
    if (this._backoff === undefined) {
      p = this._attempt(fn, signal)
    } else {
      p = runRetry((ctx) => this._attempt((s) => fn(s, ctx.attempt), signal), this._retryPlan, this._clock, signal, this._retryIf, this._onRetry)
    }
    if (!this._hasFallback) return p
    const alt = this._fallback
    const when = this._fallbackWhen
    return p.catch((err) => {
      if (when !== undefined && !when(err)) throw err
      return typeof alt === 'function' ? alt(err) : alt
    })
  }

  /** `fn` wrapped: every call goes through execute(). */
  wrap (fn) {
    if (typeof fn !== 'function') throw argTypeError('fn', 'a function', fn)
    return (...args) => this.execute(() => fn(...args))
  }
}

function callSafely (fn, signal) {
  try {
    return Promise.resolve(fn(signal))
  } catch (e) {
    return Promise.reject(e)
  }
}

function configType (field, expected, value) {
  const e = argTypeError(field, expected, value)
  e.code = 'SEAWALL_INVALID_CONFIG'
  return e
}

/** `new Policy(options)`: compose the stages you need. */
function wrap (options) {
  return new Policy(options)
}

module.exports = { Policy, PolicyGuard, wrap }
