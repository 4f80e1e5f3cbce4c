'use strict'
// Backoff schedules (native), RetryBudget (native) and retry(fn): the loop
// that calls, classifies, asks the schedule and the budget, and sleeps.

const native = require('./native')
const { RetryExhaustedError, RetryBudgetExhaustedError, mapNativeError, argTypeError, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, sleep, abortReason } = require('./clock')
const { isRetryableError, retryAfterOf } = require('./classify')
const { checkKeys, KNOWN } = require('./options')
const { handle, checkHandle } = require('./share')

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

const { boStart, boStep, boSteps, boFinish, boElapsed, scratch } = native

// A schedule's state is core's ScheduleState as eight plain numbers (u64s
// as two u32 halves). The native steps read and write it in scratch
// [STATE..STATE + 8], a region no other native call touches, with their
// arguments and answers from [ARGS] (see src/backoff.rs). The state of the
// schedule stepped last (`owner`) stays there between steps; a schedule
// keeps a copy of its own (`_st`) only while another one owns the region.
// So a retry loop stepping one schedule copies nothing, and a schedule
// costs no native object, id or finalizer.
const STATE = 8
const ARGS = STATE + 8
const MAX_BATCH = scratch.length - ARGS
let owner = null

function evict () {
  if (owner !== null) {
    owner._save()
    owner = null
  }
}

/** One call's schedule: ask it for the delay before each retry. */
class Schedule {
  constructor (backoff) {
    this._backoff = backoff // keeps the native backoff (and its id) alive
    this._bid = backoff._id
    this._st = null
    evict()
    scratch[ARGS] = this._bid
    boStart()
    if (scratch[ARGS] === -2) throw new Error('backoff was freed')
    owner = this
  }

  // Copies this schedule's state out of the scratch region (it is the owner).
  _save () {
    const st = this._st
    if (st === null) {
      this._st = [scratch[STATE], scratch[STATE + 1], scratch[STATE + 2], scratch[STATE + 3],
        scratch[STATE + 4], scratch[STATE + 5], scratch[STATE + 6], scratch[STATE + 7]]
    } else {
      for (let i = 0; i < 8; i++) st[i] = scratch[STATE + i]
    }
  }

  // Puts this schedule's state in the scratch region.
  _load () {
    if (owner === this) return
    evict()
    const st = this._st
    for (let i = 0; i < 8; i++) scratch[STATE + i] = st[i]
    owner = this
  }

  _slot (i) { return owner === this ? scratch[STATE + i] : this._st[i] }

  /**
   * The delay before the next attempt in ms, or null to give up (attempts
   * or elapsed time exhausted). `retryAfterMs`: a server hint, honoured as-is.
   */
  nextDelayMs (hints) {
    let ra = -1
    let el = -1
    if (hints !== undefined) {
      checkKeys(hints, KNOWN.hints, 'nextDelayMs() hints', 'SEAWALL_INVALID_ARGUMENT')
      if (hints.retryAfterMs !== undefined) ra = checkHint('retryAfterMs', hints.retryAfterMs)
      if (hints.elapsedMs !== undefined) el = checkHint('elapsedMs', hints.elapsedMs)
    }
    this._load()
    scratch[ARGS] = this._bid
    scratch[ARGS + 1] = ra
    scratch[ARGS + 2] = el
    boStep()
    const d = scratch[ARGS]
    if (d === -2) throw new Error('backoff was freed')
    return d < 0 ? null : d
  }

  /**
   * Up to `count` (<= 32) next delays in one native call, as an array
   * (shorter when the schedule gives up). The same delays, in order, as
   * that many nextDelayMs() calls without hints.
   */
  nextDelaysMs (count) {
    if (!Number.isInteger(count) || count < 0 || count > MAX_BATCH) throw argTypeError('count', `an integer in [0, ${MAX_BATCH}]`, count)
    this._load()
    scratch[ARGS] = this._bid
    scratch[ARGS + 1] = count
    boSteps()
    if (count > 0 && scratch[ARGS] === -2) throw new Error('backoff was freed')
    let n = 0
    while (n < count && scratch[ARGS + n] >= 0) n++
    const out = new Array(n)
    for (let i = 0; i < n; i++) out[i] = scratch[ARGS + i]
    return out
  }

  /** Retries handed out so far. */
  get retries () { return this._slot(6) }
  /** Attempts so far, the first included (retries + 1). */
  get attempts () { return this._slot(6) + 1 }
  /** Whether the schedule has ended (gave up, or finish() was called). */
  get exhausted () { return this._slot(7) === 1 }
  /**
   * Milliseconds since the schedule started when the backoff has
   * maxElapsedMs; null without it (the schedule never reads the clock).
   */
  elapsedMs () {
    this._load()
    const e = boElapsed(this._bid)
    if (e === -2) throw new Error('backoff was freed')
    return e < 0 ? null : e
  }

  /**
   * Ends the schedule (the call succeeded or was abandoned): its retries
   * are counted in the backoff's metrics, and it gives up from now on.
   * retry() does this itself. A schedule dropped without finish() (and not
   * given up) is not counted: JS has no cheap hook for that.
   */
  finish () {
    if (this._slot(7) === 1) return // ended: counted when it ended
    this._load()
    if (!boFinish(this._bid)) throw new Error('backoff was freed')
  }

  /** Same as finish() (kept for code written against the earlier API). */
  dispose () { this.finish() }
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
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.Backoff, 'Backoff options')
    clockOf(opts.clock)
    try {
      this._n = new native.NativeBackoff(opts, nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._id = this._n.id
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
  schedule () { return new Schedule(this) }

  /** Counters: schedules, retries, exhaustedAttempts, exhaustedElapsed. */
  metrics () { return this._n.metrics() }
}

/**
 * A retry budget (gRPC retry throttling): retries stay a bounded share of
 * traffic while a dependency is failing.
 */
class RetryBudget {
  constructor (options) {
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.RetryBudget, 'RetryBudget options')
    try {
      this._n = new native.NativeRetryBudget(opts)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
  }

  /**
   * A handle for the worker threads of this process:
   * RetryBudget.fromShared(handle) there gives an object for this same
   * budget. A shared budget lives as long as the process.
   */
  share () { return handle('RetryBudget', this._n.share()) }

  /** This thread's object for a budget shared by another thread. */
  static fromShared (h) {
    checkHandle(h, 'RetryBudget')
    const b = Object.create(RetryBudget.prototype)
    try {
      b._n = native.NativeRetryBudget.attach(h.id)
    } catch (e) {
      throw mapNativeError(e, { handle: h })
    }
    return b
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
    checkKeys(opts, KNOWN.retry, 'retry() options')
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

// retry() with a schedule it ends itself when done (its retries counted).
function runScheduled (fn, backoff, clock, signal, retryIf, budget, onRetry) {
  const schedule = backoff.schedule()
  const p = runRetry(fn, schedule, clock, signal, retryIf, budget, onRetry)
  p.then(() => schedule.finish(), () => schedule.finish())
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
