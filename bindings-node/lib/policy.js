'use strict'
// Policy / wrap(): rate limiter → circuit breaker → bulkhead (one native
// admission call with give-back on rejection) → timeout → retry → fallback.
// Each retry attempt is a call: it is admitted by the guard again.

const native = require('./native')
const { RateLimitedError, CircuitOpenError, BulkheadFullError, TimeoutError, RetryExhaustedError, RetryBudgetExhaustedError, mapNativeError, argTypeError, checkArgDurationMs, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, abortReason, sleep, pause } = require('./clock')
const { checkSignal } = require('./timeout')
const { quickError, rejectSoon } = require('./util')
const { CircuitBreaker } = require('./breaker')
const { BaseLimiter, KeyedLimiter } = require('./limiter')
const { Bulkhead, BulkheadPermit, BulkheadWaiter } = require('./bulkhead')
const { AdaptiveTimeout } = require('./adaptive_timeout')
const { retryPlan, backoffFrom, RetryBudget } = require('./retry')
const { classifyError } = require('./classify')
const { checkKeys, KNOWN } = require('./options')
const ev = require('./events')
const { listening } = ev

const { polAcquire, polComplete, polRelease, prStart, prNext, prSuccess, prFailure, prTimeout, prSlotGranted, prSlotTimedOut, prCancel, prLastField, scratch } = native
const OUTCOME = {
  success: native.protocol.outcomeSuccess,
  failure: native.protocol.outcomeFailure,
  ignored: native.protocol.outcomeIgnored
}

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
// The step codes and tables of src/policy.rs (details in scratch[S..]).
const S = native.protocol.policySlots
const STEP_NAMES = native.protocol.policySteps
const KINDS = native.protocol.errorKinds // core's, by number - 1
const RUN_STAGES = native.protocol.policyStages
const REASONS = native.protocol.giveUpReasons
const REJECTED = native.protocol.policyRejected // polAcquire: REJECTED - stage
// The step codes the loops below switch on stay literals (read from
// protocol() they cost Policy.execute 10-30% on Node 20, which does not
// fold them: BENCHMARKS.md, "Issue 18: Node native errors"), checked once
// against the addon's table.
const ATTEMPT = 0
const WAIT = 1
const SLEEP = 2
const FALLBACK = 3
const FAIL = 5
for (const [code, name] of [[ATTEMPT, 'attempt'], [WAIT, 'wait_for_slot'], [SLEEP, 'sleep'], [FALLBACK, 'fallback'], [FAIL, 'fail']]) {
  if (STEP_NAMES[code] !== name) throw new Error(`seawall: the addon's policy step ${code} is ${STEP_NAMES[code]}, not ${name} (lib/policy.js is from another build)`)
}

const orNull = (v) => v < 0 ? null : v
const NONE = Symbol('none')

// The error of a stage's refusal, with its stage.
function stageRefusal (stage, retryAfterMs) {
  const e = stage === 'rate_limiter'
    ? quickError(RateLimitedError, retryAfterMs)
    : stage === 'circuit_breaker' ? quickError(CircuitOpenError, retryAfterMs) : quickError(BulkheadFullError)
  e.stage = stage
  return e
}

// A stage's refusal as a 'rejected' event, named by the stage's instance
// (callers check listening.rejected first).
function reportRefusal (policy, stage, retryAfterMs) {
  const by = stage === 'rate_limiter' ? policy.rateLimiter : stage === 'circuit_breaker' ? policy.circuitBreaker : policy.bulkhead
  ev.rejected(stage, by === undefined ? undefined : by.name, stage === 'bulkhead' ? -1 : retryAfterMs)
}

// The events of the step just taken (spec/metrics.md): 'rejected' for the
// stage refusal it handles (core's PolicyRun::take_refusal, also when the step
// is a sleep), 'retryScheduled' for a sleep, 'gaveUp' once the retry stage
// stopped. Call it right after the native step, before anything else calls
// native code (scratch). `lastErr`: the last attempt's failure; `waited`:
// the step answers a bulkhead wait that ran out (_wait reported that
// refusal). Nothing is built unless someone listens.
function stepEvents (policy, code, lastErr, waited) {
  const st = scratch[S + 10]
  const reason = scratch[S + 12]
  if (st < 0 && reason < 0 && code !== SLEEP) return
  const ra = scratch[S + 11]
  const attempts = scratch[S + 13] // the retry stage's count (a refusal counts)
  const delayMs = scratch[S]
  let failed = lastErr
  if (st >= 0) {
    const stage = RUN_STAGES[st]
    if (!waited && listening.rejected !== 0) reportRefusal(policy, stage, ra)
    if (ev.has(code === SLEEP ? 'retryScheduled' : 'gaveUp')) failed = stageRefusal(stage, ra)
  }
  if (code === SLEEP) {
    if (ev.has('retryScheduled')) ev.emit('retryScheduled', { attempt: attempts, delayMs, error: failed })
  } else if (reason >= 0 && ev.has('gaveUp')) {
    ev.emit('gaveUp', { attempts, reason: REASONS[reason], error: failed })
  }
}

// A hand-driven run dropped before it is over gives back what it holds.
const droppedRuns = new FinalizationRegistry((held) => {
  if (held.id >= 0) prCancel(held.id)
  held.policy._after()
})

/** One call's policy run (Policy.start()). */
class PolicyRun {
  constructor (policy, id) {
    this._p = policy
    this._held = { id, policy }
    droppedRuns.register(this, this._held, this)
  }

  _step (code) {
    if (Number.isNaN(code)) {
      const e = new RangeError('this policy run is over')
      e.code = 'SEAWALL_INVALID_ARGUMENT'
      e.field = 'run'
      throw e
    }
    this._held.id = scratch[S + 9]
    this._p._after()
    const o = { step: STEP_NAMES[code], attempt: scratch[S + 8] }
    switch (code) {
      case ATTEMPT: o.timeoutMs = orNull(scratch[S]); break
      case WAIT:
        o.waiter = new BulkheadWaiter(this._p.bulkhead, scratch[S])
        o.maxWaitMs = scratch[S + 1]
        break
      case SLEEP: o.delayMs = scratch[S]; break
      case FALLBACK:
      case FAIL: {
        const k = scratch[S + 2]
        const st = scratch[S + 3]
        o.stage = st < 0 ? null : RUN_STAGES[st]
        o.error = k < 0 ? null : KINDS[k]
        if (scratch[S + 4] >= 0) o.retryAfterMs = scratch[S + 4]
        if (scratch[S + 5] >= 0) o.attempts = scratch[S + 5]
        if (scratch[S + 6] >= 0) o.reason = REASONS[scratch[S + 6]]
        if (k === 0 || k === 1) { const f = prLastField(); if (f != null) o.field = f }
        break
      }
    }
    if (scratch[S + 7] >= 0) o.held = new BulkheadPermit(this._p.bulkhead, scratch[S + 7])
    stepEvents(this._p, code, undefined, false)
    return o
  }

  /** The next step (first, or after a sleep). */
  next () { return this._step(prNext(this._held.id)) }
  /** The attempt succeeded. */
  onSuccess () { return this._step(prSuccess(this._held.id)) }
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
    return this._step(prFailure(this._held.id, f.retryable !== false, ra, code))
  }

  /** The attempt ran out of time; `held`: the slot its function keeps (release it when it settles). */
  onTimeout () { return this._step(prTimeout(this._held.id)) }

  /** The waiter of a wait_for_slot step got `permit` (its claim()). */
  slotGranted (permit) {
    if (!(permit instanceof BulkheadPermit) || permit._id < 0) throw argTypeError('permit', 'a held BulkheadPermit', permit)
    return this._step(prSlotGranted(this._held.id, permit._take()))
  }

  /** The wait for a slot ran out (its waiter cancelled). */
  slotTimedOut () { return this._step(prSlotTimedOut(this._held.id)) }
  /** The caller gave up: everything the run holds is given back. */
  cancel () {
    if (this._held.id >= 0) prCancel(this._held.id)
    this._held.id = -1
    droppedRuns.unregister(this)
    this._p._after()
  }

  /** Attempts made so far. */
  get attempts () { return this._attempts === undefined ? scratch[S + 8] : this._attempts }
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
    const stage = RUN_STAGES[REJECTED - r]
    const error = stageRefusal(stage, retryAfterMs)
    if (listening.rejected !== 0) reportRefusal(this, stage, retryAfterMs)
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
  // The loop of core's policy run. `pending`: the error of a first attempt
  // execute() already made (run `id`, attempt `pendingAttempt`), else NONE.
  async _run (fn, signal, id, code, pending = NONE, pendingAttempt = 0) {
    if (id === undefined) {
      id = prStart(this._id, -1, false)
      code = prNext(id)
    }
    const clock = this._clock
    const bh = this.bulkhead
    let lastErr
    let reported // a user predicate's error, raised instead of the attempt's
    let waited = false // the step answers a bulkhead wait that ran out
    for (;;) {
      // the step's details, read before anything else calls native code
      let v0 = -1
      let v1 = -1
      let attempt = pendingAttempt
      let err
      if (pending === NONE) {
        id = scratch[S + 9]
        v0 = scratch[S]
        v1 = scratch[S + 1]
        attempt = scratch[S + 8]
        if (code === FALLBACK || code === FAIL) err = reportedOr(reported, stepError(lastErr))
      }
      this._after()
      if (pending === NONE) {
        stepEvents(this, code, lastErr, waited)
        waited = false
      }
      switch (code) {
        case ATTEMPT: {
          const limit = v0
          let c, v, inner
          if (pending !== NONE) {
            c = 1
            v = pending
            pending = NONE
          } else if (signal !== undefined && signal.aborted) {
            return this._cancel(id, abortReason(signal))
          } else if (limit < 0 && signal === undefined) {
            // no time limit, no signal: the attempt as it is
            try {
              v = await fn(undefined, attempt)
              c = 0
            } catch (e) {
              v = e
              c = 1
            }
          } else {
            [c, v, inner] = await attemptOnce(fn, attempt, limit < 0 ? undefined : limit, clock, signal)
          }
          if (c === 0) {
            prSuccess(id)
            this._after()
            return v
          }
          if (c === 3) return this._cancel(id, v)
          lastErr = v
          if (c === 2) {
            if (ev.has('timeout')) ev.emit('timeout', { limitMs: limit })
            code = prTimeout(id)
            const held = scratch[S + 7]
            if (held >= 0) {
              // the cut-off function keeps its slot until it settles
              const permit = new BulkheadPermit(bh, held)
              const free = () => { permit.release() }
              inner.then(free, free)
            }
            break
          }
          if (signal !== undefined && signal.aborted && v === abortReason(signal)) return this._cancel(id, v)
          let retryable
          const verdict = classifyError(v)
          if (this._retryIf !== undefined) {
            try {
              retryable = Boolean(this._retryIf(v, attempt))
            } catch (e) {
              retryable = false
              reported = e
            }
          } else {
            retryable = verdict.retryable
          }
          const ra = verdict.retryAfterMs === undefined ? -1 : verdict.retryAfterMs
          const outcome = this._outcome(v)
          const cb = this.circuitBreaker
          if (cb !== undefined && cb._predicateError !== undefined) reported = cb._reported(v)
          code = prFailure(id, retryable, ra, outcome)
          break
        }
        case WAIT: {
          const waiter = new BulkheadWaiter(bh, v0)
          let permit
          try {
            permit = await bh._wait(waiter, v1, signal)
          } catch (e) {
            if (signal !== undefined && signal.aborted && e === abortReason(signal)) return this._cancel(id, e)
            waited = true
            code = prSlotTimedOut(id)
            break
          }
          code = prSlotGranted(id, permit._take())
          break
        }
        case SLEEP: {
          const delayMs = v0
          if (this._onRetry !== undefined) {
            try {
              this._onRetry({ attempt, delayMs, error: lastErr })
            } catch (e) {
              return this._cancel(id, reportedOr(e, lastErr))
            }
          }
          try {
            await pause(clock, delayMs, signal)
          } catch (e) {
            return this._cancel(id, e)
          }
          code = prNext(id)
          break
        }
        case FALLBACK: {
          const when = this._fallbackWhen
          if (when !== undefined && !when(err)) throw err
          if (ev.has('fallbackUsed')) ev.emit('fallbackUsed', { error: err })
          const alt = this._fallback
          return typeof alt === 'function' ? alt(err) : alt
        }
        case FAIL:
          throw err
        default: // done (answered above), or an unknown run
          return undefined
      }
    }
  }

  _cancel (id, err) {
    if (id >= 0) prCancel(id)
    this._after()
    throw err
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
    const id = prStart(this._id, dl === undefined ? -1 : dl, true)
    return new PolicyRun(this, id)
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
    if (signal === undefined) {
      // The first step made here, and a first attempt with no time limit
      // run without the loop's async frame (the common case).
      const id = prStart(this._id, -1, false)
      const code = prNext(id)
      if (code === ATTEMPT && scratch[S] < 0) {
        const run = scratch[S + 9]
        const attempt = scratch[S + 8]
        this._after()
        let p
        try {
          p = fn(undefined, attempt)
        } catch (e) {
          return this._run(fn, undefined, run, ATTEMPT, e, attempt)
        }
        if (p === null || typeof p !== 'object' || typeof p.then !== 'function') {
          prSuccess(run)
          this._after()
          return Promise.resolve(p)
        }
        return Promise.resolve(p).then((v) => {
          prSuccess(run)
          this._after()
          return v
        }, (e) => this._run(fn, undefined, run, ATTEMPT, e, attempt))
      }
      return this._run(fn, undefined, id, code)
    }
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
function stepError (lastErr) {
  const k = scratch[S + 2]
  if (k < 0) return lastErr
  const kind = KINDS[k]
  const ra = scratch[S + 4] < 0 ? 0 : scratch[S + 4]
  const attempts = scratch[S + 5]
  const stage = scratch[S + 3]
  let e
  switch (kind) {
    case 'retry_exhausted': return new RetryExhaustedError(attempts, lastErr, undefined, scratch[S + 6] < 0 ? 'attempts' : REASONS[scratch[S + 6]])
    case 'retry_budget_exhausted': return new RetryBudgetExhaustedError(undefined, attempts < 0 ? 0 : attempts, lastErr)
    case 'rate_limited': e = quickError(RateLimitedError, ra); break
    case 'circuit_open': e = quickError(CircuitOpenError, ra); break
    case 'bulkhead_full': e = quickError(BulkheadFullError); break
    case 'timeout':
      if (lastErr instanceof TimeoutError) return lastErr
      e = new TimeoutError(NaN, 'timed out: the deadline passed')
      break
    default: {
      const f = prLastField()
      e = mapNativeError(native.kindError(kind, f == null ? undefined : f))
    }
  }
  if (stage >= 0) e.stage = RUN_STAGES[stage]
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
