'use strict'
// Backoff schedules (native), RetryBudget (native) and retry(fn): the loop
// that calls, classifies, asks the schedule and the budget, and sleeps.

const native = require('./native')
const { RetryExhaustedError, RetryBudgetExhaustedError, mapNativeError, argTypeError } = require('./errors')
const { clockOf, nativeClockOf, sleep, abortReason } = require('./clock')
const { isRetryableError, retryAfterOf } = require('./classify')

function checkObject (options, field = 'options') {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw argTypeError(field, 'an object', options)
  return options
}

const { boNext, boNextMany, boState, boFinish, boFree, scratch } = native

// Native schedules live in a per-thread slab; a Schedule handed to user
// code frees its slot when it is garbage-collected (or on dispose()).
const registry = new FinalizationRegistry((id) => boFree(id))

/** One call's schedule: ask it for the delay before each retry. */
class Schedule {
  constructor (id, tracked) {
    this._id = id
    this._tracked = tracked
    if (tracked) registry.register(this, id, this)
  }

  /**
   * The delay before the next attempt in ms, or null to give up (attempts
   * or elapsed time exhausted). `retryAfterMs`: a server hint, honoured as-is.
   */
  nextDelayMs (hints) {
    let ra = -1
    let el = -1
    if (hints !== undefined) {
      if (hints.retryAfterMs !== undefined) ra = checkHint('retryAfterMs', hints.retryAfterMs)
      if (hints.elapsedMs !== undefined) el = checkHint('elapsedMs', hints.elapsedMs)
    }
    const d = boNext(this._id, ra, el)
    if (d === -2) throw new Error('schedule was disposed')
    return d < 0 ? null : d
  }

  /**
   * Up to `count` (<= 8) next delays in one native call, as an array
   * (shorter when the schedule gives up). The same delays, in order, as
   * that many nextDelayMs() calls without hints.
   */
  nextDelaysMs (count) {
    if (!Number.isInteger(count) || count < 0 || count > scratch.length) throw argTypeError('count', `an integer in [0, ${scratch.length}]`, count)
    const n = boNextMany(this._id, count)
    const out = new Array(n)
    for (let i = 0; i < n; i++) out[i] = scratch[i]
    return out
  }

  _state (i) {
    if (!boState(this._id)) throw new Error('schedule was disposed')
    return scratch[i]
  }

  /** Retries handed out so far. */
  get retries () { return this._state(0) }
  /** Attempts so far, the first included (retries + 1). */
  get attempts () { return this._state(0) + 1 }
  /** Whether the schedule has ended (gave up, or finish() was called). */
  get exhausted () { return this._state(1) === 1 }
  /**
   * Milliseconds since the schedule started when the backoff has
   * maxElapsedMs; null without it (the schedule never reads the clock).
   */
  elapsedMs () {
    const e = this._state(2)
    return e < 0 ? null : e
  }

  /**
   * Ends the schedule (the call succeeded or was abandoned): its retries
   * are counted in the backoff's metrics, and it gives up from now on.
   * dispose() and garbage collection end it too.
   */
  finish () {
    if (!boFinish(this._id)) throw new Error('schedule was disposed')
  }

  /** Frees the native schedule now (optional: garbage collection does it too). */
  dispose () {
    if (this._id < 0) return
    if (this._tracked) registry.unregister(this)
    boFree(this._id)
    this._id = -1
  }
}

function checkHint (field, v) {
  if (typeof v !== 'number') throw argTypeError(field, 'a number of milliseconds', v)
  if (!(v >= 0) || !Number.isFinite(v)) {
    const e = new RangeError(`${field} must be a finite number of milliseconds >= 0, got ${v}`)
    e.code = 'SEAWALL_INVALID_ARGUMENT'
    e.field = field
    e.value = v
    throw e
  }
  return v
}

/**
 * A backoff policy: constant / linear / exponential delays with jitter
 * (none, full, equal, proportional, decorrelated), max attempts, max
 * elapsed time. Seeded schedules give the same delays in every language.
 */
class Backoff {
  constructor (options) {
    const opts = checkObject(options)
    clockOf(opts.clock)
    try {
      this._n = new native.NativeBackoff(opts, nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
  }

  /** The un-jittered delay before retry `n` (1-based) in ms. */
  delayForMs (n) {
    if (typeof n !== 'number') throw argTypeError('n', 'an integer', n)
    try {
      return this._n.delayForMs(n)
    } catch (e) {
      throw mapNativeError(e, { n })
    }
  }

  /** A new schedule for one call, starting now. */
  schedule () { return new Schedule(this._n.schedule(), true) }

  _untrackedSchedule () { return new Schedule(this._n.schedule(), false) }

  /** Counters: schedules, retries, exhaustedAttempts, exhaustedElapsed. */
  metrics () { return this._n.metrics() }
}

/**
 * A retry budget (gRPC retry throttling): retries stay a bounded share of
 * traffic while a dependency is failing.
 */
class RetryBudget {
  constructor (options) {
    const opts = checkObject(options)
    try {
      this._n = new native.NativeRetryBudget(opts)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
  }

  /** A failed attempt that wants a retry: takes a token; true if allowed. */
  tryRetry () { return this._n.tryRetry() }
  /** A failed attempt that will not be retried. */
  recordFailure () { this._n.recordFailure() }
  /** A successful attempt (refills). */
  recordSuccess () { this._n.recordSuccess() }
  metrics () { return this._n.metrics() }
}

const BACKOFF_KEYS = ['kind', 'baseMs', 'factor', 'maxDelayMs', 'jitter', 'maxAttempts', 'maxElapsedMs', 'seed', 'clock']

function backoffFrom (opts) {
  if (opts.backoff !== undefined) {
    if (opts.backoff instanceof Backoff) return opts.backoff
    return new Backoff({ clock: opts.clock, ...checkObject(opts.backoff, 'backoff') })
  }
  const b = {}
  for (const k of BACKOFF_KEYS) if (opts[k] !== undefined) b[k] = opts[k]
  return new Backoff(b)
}

/**
 * Calls `fn({ attempt, signal })` until it succeeds, the error is not
 * retryable (`retryIf`, default: core's classification), the schedule
 * gives up (RetryExhaustedError, code SEAWALL_RETRY_EXHAUSTED, with
 * `attempts` and `cause`), the budget denies a retry
 * (RetryBudgetExhaustedError) or `signal` aborts. A Retry-After hint on
 * the error replaces the computed delay.
 */
function retry (fn, options) {
  if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
  let opts, backoff, clock, signal, retryIf, budget, onRetry
  try {
    opts = checkObject(options)
    clock = clockOf(opts.clock)
    backoff = backoffFrom(opts)
    signal = opts.signal === undefined || opts.signal === null ? undefined : opts.signal
    if (signal !== undefined && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) throw argTypeError('signal', 'an AbortSignal', signal)
    retryIf = opts.retryIf === undefined ? isRetryableError : opts.retryIf
    if (typeof retryIf !== 'function') throw argTypeError('retryIf', 'a function', retryIf)
    budget = opts.budget
    if (budget !== undefined && !(budget instanceof RetryBudget)) throw argTypeError('budget', 'a RetryBudget', budget)
    onRetry = opts.onRetry
    if (onRetry !== undefined && typeof onRetry !== 'function') throw argTypeError('onRetry', 'a function', onRetry)
  } catch (e) {
    return Promise.reject(e)
  }
  return runScheduled(fn, backoff, clock, signal, retryIf, budget, onRetry)
}

// retry() with a schedule it frees itself when done.
function runScheduled (fn, backoff, clock, signal, retryIf, budget, onRetry) {
  const schedule = backoff._untrackedSchedule()
  const p = runRetry(fn, schedule, clock, signal, retryIf, budget, onRetry)
  p.then(() => schedule.dispose(), () => schedule.dispose())
  return p
}

async function runRetry (fn, schedule, clock, signal, retryIf, budget, onRetry) {
  const ctx = { attempt: 1, signal }
  for (;;) {
    if (signal !== undefined && signal.aborted) throw abortReason(signal)
    let err
    try {
      const v = await fn(ctx)
      if (budget !== undefined) budget.recordSuccess()
      return v
    } catch (e) {
      err = e
    }
    if (signal !== undefined && signal.aborted) throw abortReason(signal)
    if (!retryIf(err, ctx.attempt)) throw err
    const hint = retryAfterOf(err)
    const delay = schedule.nextDelayMs(hint === undefined ? undefined : { retryAfterMs: hint })
    if (delay === null) {
      if (budget !== undefined) budget.recordFailure()
      throw new RetryExhaustedError(ctx.attempt, err)
    }
    if (budget !== undefined && !budget.tryRetry()) {
      const e = new RetryBudgetExhaustedError()
      e.cause = err
      e.attempts = ctx.attempt
      throw e
    }
    if (onRetry !== undefined) onRetry({ attempt: ctx.attempt, delayMs: delay, error: err })
    if (delay > 0) await sleep(clock, delay, signal)
    ctx.attempt++
  }
}

module.exports = { Backoff, Schedule, RetryBudget, retry, runRetry, runScheduled, backoffFrom }
