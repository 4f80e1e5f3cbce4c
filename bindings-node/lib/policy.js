'use strict'
// Policy / wrap(): rate limiter → circuit breaker → bulkhead (one native
// admission call with give-back on rejection) → timeout → retry → fallback.
// Each retry attempt is a call: it is admitted by the guard again.

const native = require('./native')
const { RateLimitedError, CircuitOpenError, BulkheadFullError, TimeoutError, RetryExhaustedError, RetryBudgetExhaustedError, mapNativeError, argTypeError, checkArgDurationMs, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, abortReason, sleep } = require('./clock')
const { checkSignal } = require('./timeout')
const { quickError, rejectSoon } = require('./util')
const { CircuitBreaker } = require('./breaker')
const { BaseLimiter, KeyedLimiter } = require('./limiter')
const { Bulkhead, BulkheadPermit, BulkheadWaiter } = require('./bulkhead')
const { AdaptiveTimeout } = require('./chaos')
const { retryPlan, backoffFrom, RetryBudget } = require('./retry')
const { classifyError } = require('./classify')
const { checkKeys, KNOWN } = require('./options')

const { polAcquire, polComplete, polRelease, scratch } = native
const OUTCOME = { success: 0, failure: 1, ignored: 2 }
const STAGES = [undefined, 'rate_limiter', 'circuit_breaker', 'bulkhead']

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

// A guard dropped without complete() or release() is released when it is
// garbage-collected: its half-open probe and bulkhead slot come back
// (nothing is recorded), instead of staying taken for ever.
const dropped = new FinalizationRegistry((held) => {
  polRelease(held.id)
  held.policy._after()
})

/** An admitted call: finish it once with complete(outcome) or release(). */
class PolicyGuard {
  constructor (policy, id, probe) {
    this._p = policy
    this._id = id
    dropped.register(this, { id, policy }, this)
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
    dropped.unregister(this)
    polComplete(id, code, durationMs === undefined ? -1 : durationMs)
    this._p._after()
    return true
  }

  /** Finishes without an outcome (probe slot back, bulkhead slot freed; the rate-limit permit stays spent). */
  release () {
    if (this._id < 0) return false
    const id = this._id
    this._id = -1
    dropped.unregister(this)
    polRelease(id)
    this._p._after()
    return true
  }
}

const OUTCOME_NAMES = ['success', 'failure', 'ignored']

/** One call's policy run (Policy.start()). */
class PolicyRun {
  constructor (policy, n) {
    this._p = policy
    this._n = n
  }

  _step (s) {
    this._p._after()
    const o = { step: s.step, attempt: s.attempt }
    switch (s.step) {
      case 'attempt': o.timeoutMs = s.timeoutMs == null ? null : s.timeoutMs; break
      case 'wait_for_slot':
        o.waiter = new BulkheadWaiter(this._p.bulkhead, s.waiter)
        o.maxWaitMs = s.maxWaitMs
        break
      case 'sleep': o.delayMs = s.delayMs; break
      case 'fallback':
      case 'fail':
        o.stage = s.stage == null ? null : s.stage
        o.error = s.error == null ? null : s.error
        if (s.retryAfterMs != null) o.retryAfterMs = s.retryAfterMs
        if (s.attempts != null) o.attempts = s.attempts
        if (s.reason != null) o.reason = s.reason
        if (s.field != null) o.field = s.field
        break
    }
    if (s.held != null) o.held = new BulkheadPermit(this._p.bulkhead, s.held)
    return o
  }

  /** The next step (first, or after a sleep). */
  next () { return this._step(this._n.next()) }
  /** The attempt succeeded. */
  onSuccess () { return this._step(this._n.onSuccess()) }
  /**
   * The attempt failed: `retryable` (default true), `retryAfterMs`,
   * `outcome` for the breaker ('failure' default, 'success', 'ignored').
   */
  onFailure (failure) {
    const f = checkObject(failure, 'failure')
    checkKeys(f, ['retryable', 'retryAfterMs', 'outcome'], 'onFailure() failure', 'SEAWALL_INVALID_ARGUMENT')
    if (f.retryable !== undefined && typeof f.retryable !== 'boolean') throw argTypeError('retryable', 'a boolean', f.retryable)
    const ra = f.retryAfterMs === undefined ? -1 : checkArgDurationMs('retryAfterMs', f.retryAfterMs)
    const code = f.outcome === undefined ? 1 : OUTCOME_NAMES.indexOf(f.outcome)
    if (code < 0) throw argTypeError('outcome', '"success", "failure" or "ignored"', f.outcome)
    return this._step(this._n.onFailure(f.retryable !== false, ra, code))
  }

  /** The attempt ran out of time; `held`: the slot its function keeps (release it when it settles). */
  onTimeout () { return this._step(this._n.onTimeout()) }

  /** The waiter of a wait_for_slot step got `permit` (its claim()). */
  slotGranted (permit) {
    if (!(permit instanceof BulkheadPermit) || permit._id < 0) throw argTypeError('permit', 'a held BulkheadPermit', permit)
    const id = permit._take()
    try {
      return this._step(this._n.slotGranted(id))
    } catch (e) {
      throw mapNativeError(e, { permit })
    }
  }

  /** The wait for a slot ran out (its waiter cancelled). */
  slotTimedOut () { return this._step(this._n.slotTimedOut()) }
  /** The caller gave up: everything the run holds is given back. */
  cancel () { this._n.cancel(); this._p._after() }
  get attempts () { return this._n.attempts }
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
      if (r.onRetry !== undefined && typeof r.onRetry !== 'function') throw configType('retry.onRetry', 'a function', r.onRetry)
      if (r.budget !== undefined && !(r.budget instanceof RetryBudget)) throw configType('retry.budget', 'a RetryBudget', r.budget)
      const [backoff, cap] = backoffFrom({ clock: opts.clock, ...r })
      this._backoff = backoff
      this._retryIf = r.retryIf
      this._budget = r.budget
      this._onRetry = r.onRetry
      this._retryPlan = retryPlan(backoff, r.budget, cap) // checks the cap now
    }
    if (this._adaptive !== undefined && this._timeoutMs !== undefined) throw configType('timeoutMs', 'absent when timeout (an AdaptiveTimeout) is given', opts.timeoutMs)
    this._hasFallback = Object.prototype.hasOwnProperty.call(opts, 'fallback')
    this._fallback = opts.fallback
    if (opts.fallbackWhen !== undefined && typeof opts.fallbackWhen !== 'function') throw configType('fallbackWhen', 'a function', opts.fallbackWhen)
    this._fallbackWhen = opts.fallbackWhen
    try {
      this._n = new native.NativePolicy(rateLimiter && rateLimiter._n, circuitBreaker && circuitBreaker._n, bulkhead && bulkhead._n, nativeClockOf(opts.clock),
        this._timeoutMs, this._adaptive && this._adaptive._n, this._retryPlan && this._retryPlan.n, this._hasFallback)
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

  // What a failed attempt records on the breaker (its isFailure, core's
  // outcome mapping); without a breaker nothing is recorded.
  _outcome (err) {
    const cb = this.circuitBreaker
    return cb === undefined ? OUTCOME.failure : cb._outcome(err)
  }

  // Core's policy run for one call: every decision (admission, bulkhead
  // wait, attempt time limit, retry, delay, fallback) is core's; this loop
  // makes the attempts, waits, sleeps and raises.
  async _run (fn, signal) {
    const run = this._n.run()
    const clock = this._clock
    const bh = this.bulkhead
    let lastErr
    let reported // a user predicate's error, raised instead of the attempt's
    let s = run.next()
    for (;;) {
      this._after()
      switch (s.step) {
        case 'attempt': {
          if (signal !== undefined && signal.aborted) return this._cancel(run, abortReason(signal))
          const [code, v, inner] = await attemptOnce(fn, s.attempt, s.timeoutMs == null ? undefined : s.timeoutMs, clock, signal)
          if (code === 0) {
            run.onSuccess()
            this._after()
            return v
          }
          if (code === 3) return this._cancel(run, v)
          lastErr = v
          if (code === 2) {
            s = run.onTimeout()
            if (s.held != null) {
              // the cut-off function keeps its slot until it settles
              const permit = new BulkheadPermit(bh, s.held)
              const free = () => { permit.release() }
              inner.then(free, free)
            }
            break
          }
          if (signal !== undefined && signal.aborted && v === abortReason(signal)) return this._cancel(run, v)
          let retryable = false
          let ra = -1
          const verdict = classifyError(v)
          if (this._retryIf !== undefined) {
            try {
              retryable = Boolean(this._retryIf(v, s.attempt))
            } catch (e) {
              retryable = false
              reported = e
            }
          } else {
            retryable = verdict.retryable
          }
          if (verdict.retryAfterMs !== undefined) ra = verdict.retryAfterMs
          const outcome = this._outcome(v)
          const cb = this.circuitBreaker
          if (cb !== undefined && cb._predicateError !== undefined) reported = cb._reported(v)
          s = run.onFailure(retryable, ra, outcome)
          break
        }
        case 'wait_for_slot': {
          const waiter = new BulkheadWaiter(bh, s.waiter)
          let permit
          try {
            permit = await bh._wait(waiter, s.maxWaitMs, signal)
          } catch (e) {
            if (signal !== undefined && signal.aborted && e === abortReason(signal)) return this._cancel(run, e)
            s = run.slotTimedOut()
            break
          }
          const id = permit._take()
          s = run.slotGranted(id)
          break
        }
        case 'sleep': {
          if (this._onRetry !== undefined) {
            try {
              this._onRetry({ attempt: s.attempt, delayMs: s.delayMs, error: lastErr })
            } catch (e) {
              return this._cancel(run, reportedOr(e, lastErr))
            }
          }
          try {
            await sleep(clock, s.delayMs, signal)
          } catch (e) {
            return this._cancel(run, e)
          }
          s = run.next()
          break
        }
        case 'fallback': {
          const err = reportedOr(reported, stepError(s, lastErr))
          const when = this._fallbackWhen
          if (when !== undefined && !when(err)) throw err
          const alt = this._fallback
          return typeof alt === 'function' ? alt(err) : alt
        }
        case 'fail':
          throw reportedOr(reported, stepError(s, lastErr))
        default: // 'done' (answered above)
          return undefined
      }
    }
  }

  /**
   * Core's policy run for one call, driven by hand (execute() is this
   * loop): `run.next()` and the answers to each step give the next step,
   * `{ step: 'attempt' | 'wait_for_slot' | 'sleep' | 'fallback' | 'done' |
   * 'fail', ... }`. `deadlineMs`: on the policy's clock.
   */
  start (options) {
    const opts = checkObject(options)
    checkKeys(opts, ['deadlineMs'], 'Policy.start() options', 'SEAWALL_INVALID_ARGUMENT')
    let dl
    if (opts.deadlineMs !== undefined) dl = checkArgDurationMs('deadlineMs', opts.deadlineMs)
    return new PolicyRun(this, this._n.run(dl))
  }

  _cancel (run, err) {
    run.cancel()
    this._after()
    throw err
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
    return this._run(fn, signal)
  }

  /** `fn` wrapped: every call goes through execute(). */
  wrap (fn) {
    if (typeof fn !== 'function') throw argTypeError('fn', 'a function', fn)
    return (...args) => this.execute(() => fn(...args))
  }
}

// One attempt: resolves [0, value], [1, error], [2, TimeoutError, the
// function's promise] when cut off at `limitMs`, or [3, reason, the
// function's promise] when the caller's signal aborted it.
function attemptOnce (fn, attempt, limitMs, clock, outer) {
  if (limitMs === undefined && outer === undefined) {
    let p
    try {
      p = fn(undefined, attempt)
    } catch (e) {
      return Promise.resolve([1, e])
    }
    return Promise.resolve(p).then((v) => [0, v], (e) => [1, e])
  }
  if (outer !== undefined && outer.aborted) return Promise.resolve([3, abortReason(outer), Promise.resolve()])
  const ac = new AbortController()
  let inner
  try {
    inner = Promise.resolve(fn(ac.signal, attempt))
  } catch (e) {
    return Promise.resolve([1, e])
  }
  return new Promise((resolve) => {
    let done = false
    let timer
    const finish = (r, abortWith) => {
      if (done) return
      done = true
      if (timer !== undefined) clock._cancel(timer)
      if (outer !== undefined) outer.removeEventListener('abort', onAbort)
      if (abortWith !== undefined) ac.abort(abortWith)
      resolve(r)
    }
    const onAbort = () => { const e = abortReason(outer); finish([3, e, inner], e) }
    if (limitMs !== undefined) {
      timer = clock._schedule(limitMs, () => {
        const e = new TimeoutError(limitMs)
        finish([2, e, inner], e)
      })
    }
    if (outer !== undefined) outer.addEventListener('abort', onAbort, { once: true })
    inner.then((v) => finish([0, v]), (e) => finish([1, e]))
  })
}

// The error a fallback / fail step raises: core names its kind (none: the
// last attempt's own error).
function stepError (s, lastErr) {
  let e
  switch (s.error) {
    case undefined:
    case null:
      return lastErr
    case 'retry_exhausted': return new RetryExhaustedError(s.attempts, lastErr, undefined, s.reason == null ? 'attempts' : s.reason)
    case 'retry_budget_exhausted': return new RetryBudgetExhaustedError(undefined, s.attempts, lastErr)
    case 'rate_limited': e = quickError(RateLimitedError, s.retryAfterMs == null ? 0 : s.retryAfterMs); break
    case 'circuit_open': e = quickError(CircuitOpenError, s.retryAfterMs == null ? 0 : s.retryAfterMs); break
    case 'bulkhead_full': e = quickError(BulkheadFullError); break
    case 'timeout':
      if (lastErr instanceof TimeoutError) return lastErr
      e = new TimeoutError(NaN, 'timed out: the deadline passed')
      break
    default:
      e = mapNativeError(new Error(`\u0001seawall:${s.error}:0:${s.error}`))
  }
  if (s.stage != null) e.stage = s.stage
  return e
}

function reportedOr (reported, err) {
  if (reported === undefined) return err
  if (reported !== null && typeof reported === 'object' && reported.cause === undefined) {
    try { reported.cause = err } catch {}
  }
  return reported
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

module.exports = { Policy, PolicyGuard, PolicyRun, wrap }
