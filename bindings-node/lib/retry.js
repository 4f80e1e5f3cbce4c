'use strict'
// Backoff schedules (native), RetryBudget (native) and retry(fn): the loop
// that calls, classifies, asks the schedule and the budget, and sleeps.

const native = require('./native')
const ev = require('./events')
const { attach: attachName } = require('./metrics')
const { RetryExhaustedError, RetryBudgetExhaustedError, mapNativeError, argTypeError, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, sleep, pause, abortReason } = require('./clock')
const { classifyError } = require('./classify')
const { checkKeys, KNOWN } = require('./options')
const { regionOptions } = require('./region')
const { handle, checkHandle } = require('./share')

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

const { backoffStart, backoffStep, backoffSteps, boFinish, boElapsed, scratch } = native

// A schedule's state is core's ScheduleState as eight plain numbers (u64s
// as two u32 halves). The native steps read and write it in scratch
// [STATE..STATE + 8], a region no other native call touches, with their
// arguments and answers from [ARGS], which a policy step overwrites too
// (see src/backoff.rs). The state of the
// schedule stepped last (`owner`) stays there between steps; a schedule
// keeps a copy of its own (`_st`) only while another one owns the region.
// So a retry loop stepping one schedule copies nothing, and a schedule
// costs no native object, id or finalizer.
// A step's answer is a delay (>= 0), GIVE_UP, or FREED (src/backoff.rs).
const { backoffState: STATE, backoffArgs: ARGS, backoffGiveUp: GIVE_UP, backoffFreed: FREED } = native.protocol
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
    backoffStart()
    if (scratch[ARGS] === FREED) throw new Error('backoff was freed')
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
    backoffStep()
    const d = scratch[ARGS]
    if (d === FREED) throw new Error('backoff was freed')
    return d === GIVE_UP ? null : d
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
    backoffSteps()
    if (count > 0 && scratch[ARGS] === FREED) throw new Error('backoff was freed')
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
    if (e === FREED) throw new Error('backoff was freed')
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
    // (not enumerable: a Backoff posted to a worker arrives as a plain copy
    // that seawall names as such; a clock's functions cannot be posted)
    Object.defineProperty(this, '_clock', { value: clockOf(opts.clock), writable: true })
    Object.defineProperty(this, '_plans', { value: null, writable: true }) // retry plans without a budget, by attempt cap
    Object.defineProperty(this, '_plan0', { value: null, writable: true }) // the plan without budget or cap
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
    Object.defineProperty(this, '_plans', { value: new WeakMap(), writable: true }) // retry plans with this budget, by backoff
    try {
      this._n = new native.NativeRetryBudget(regionOptions(opts, true))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    attachName(this, opts)
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
    Object.defineProperty(b, '_plans', { value: new WeakMap(), writable: true })
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

// Backoffs made from plain options, by their values: a retry() call with
// options (not a Backoff) makes no native object once one with the same
// values exists. Not for seeded backoffs (each call's delays start from the
// seed) nor for a clock other than the system one. Bounded.
const optionBackoffs = new Map()
const MAX_OPTION_BACKOFFS = 64

function backoffKey (b) {
  let key = ''
  for (const k of BACKOFF_KEYS) {
    const v = b[k]
    if (v === undefined) continue
    if (k === 'seed' || k === 'clock' || (typeof v !== 'number' && typeof v !== 'string')) return null
    key += k + '=' + (typeof v) + ':' + v + ';'
  }
  return key
}

function backoffOf (b, key = backoffKey(b)) {
  if (key === null) return new Backoff(b)
  let bo = optionBackoffs.get(key)
  if (bo === undefined) {
    bo = new Backoff(b)
    if (optionBackoffs.size >= MAX_OPTION_BACKOFFS) optionBackoffs.delete(optionBackoffs.keys().next().value)
    optionBackoffs.set(key, bo)
  }
  return bo
}

// -> [backoff, maxAttempts cap or undefined]
function backoffFrom (opts) {
  if (opts.backoff !== undefined) {
    if (opts.backoff instanceof Backoff) return [opts.backoff, opts.maxAttempts]
    const b = checkObject(opts.backoff, 'backoff')
    return [backoffOf(opts.clock === undefined ? b : { clock: opts.clock, ...b }), opts.maxAttempts]
  }
  // The same options as the last call (the usual case: one call site
  // writing one literal): the same Backoff, found by comparing values,
  // with no key string or object made.
  const last = lastOptions
  if (last !== null && sameBackoffOptions(opts, last.values)) return [last.backoff, undefined]
  const b = {}
  for (const k of BACKOFF_KEYS) if (opts[k] !== undefined) b[k] = opts[k]
  const key = backoffKey(b)
  if (key === null) return [new Backoff(b), undefined]
  const bo = backoffOf(b, key)
  lastOptions = { values: BACKOFF_KEYS.map((k) => b[k]), backoff: bo }
  return [bo, undefined]
}
// The values (in BACKOFF_KEYS order) and the Backoff of the last cacheable
// options; only ever set from a key backoffKey accepted (numbers and
// strings: === compares them by value).
let lastOptions = null

// opts[k] === values[i] for each BACKOFF_KEYS[i], written out: named
// property reads stay fast where a loop over the key names does not.
function sameBackoffOptions (opts, v) {
  return opts.kind === v[0] && opts.baseMs === v[1] && opts.factor === v[2] &&
    opts.maxDelayMs === v[3] && opts.jitter === v[4] && opts.maxAttempts === v[5] &&
    opts.maxElapsedMs === v[6] && opts.seed === v[7] && opts.clock === v[8]
}
if (BACKOFF_KEYS.join() !== 'kind,baseMs,factor,maxDelayMs,jitter,maxAttempts,maxElapsedMs,seed,clock') {
  throw new Error('seawall: sameBackoffOptions must list BACKOFF_KEYS in order')
}

// The retry policy of core for (backoff, budget, cap), made once and kept
// on the backoff: { n: NativeRetry, hasBudget, needsTime }.
function retryPlan (backoff, budget, maxAttempts) {
  if (budget === undefined && maxAttempts === undefined && backoff._plan0 !== null) return backoff._plan0
  let byCap
  if (budget === undefined) {
    byCap = backoff._plans
    if (byCap === null) byCap = backoff._plans = new Map()
  } else {
    byCap = budget._plans.get(backoff)
    if (byCap === undefined) budget._plans.set(backoff, byCap = new Map())
  }
  const ckey = maxAttempts === undefined ? -1 : maxAttempts
  let plan = byCap.get(ckey)
  if (plan === undefined) {
    if (maxAttempts !== undefined && typeof maxAttempts !== 'number') throw configTypeError('maxAttempts', 'an integer', maxAttempts)
    let n
    try {
      n = new native.NativeRetry(backoff._n, budget === undefined ? undefined : budget._n, maxAttempts)
    } catch (e) {
      throw mapNativeError(e, { maxAttempts })
    }
    const hasBudget = n.hasBudget
    plan = {
      n,
      hasBudget,
      needsTime: n.needsTime,
      clock: backoff._clock,
      // a first attempt's success: core's on_success of a run that never
      // failed touches only the budget
      onFirstSuccess: hasBudget ? (v) => { n.firstSuccess(); return v } : undefined
    }
    byCap.set(ckey, plan)
    if (budget === undefined && maxAttempts === undefined) backoff._plan0 = plan
  }
  return plan
}

/**
 * Calls `fn({ attempt, signal })` until it succeeds or core's retry run
 * gives up: the error is not retryable (`retryIf`, default: core's
 * classification of the error and its `cause` chain) and is raised as it
 * is; the attempts or the elapsed time are used up (RetryExhaustedError,
 * code SEAWALL_RETRY_EXHAUSTED, with `attempts`, `reason` and `cause`); the
 * budget denies a retry (RetryBudgetExhaustedError); or `signal` aborts. A
 * Retry-After hint on the error replaces the computed delay. `maxAttempts`
 * next to a Backoff object caps the attempts (at most the backoff's).
 */
function retry (fn, options) {
  if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
  let plan, clock, signal, retryIf, onRetry
  try {
    const opts = checkObject(options)
    checkKeys(opts, KNOWN.retry, 'retry() options')
    clock = clockOf(opts.clock)
    const budget = opts.budget
    if (budget !== undefined && !(budget instanceof RetryBudget)) throw argTypeError('budget', 'a RetryBudget', budget)
    const b = opts.backoff
    plan = b instanceof Backoff && budget === undefined && opts.maxAttempts === undefined && b._plan0 !== null
      ? b._plan0 // the common case: a Backoff object, nothing else
      : planFrom(opts, budget)
    signal = opts.signal === undefined || opts.signal === null ? undefined : opts.signal
    if (signal !== undefined && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) throw argTypeError('signal', 'an AbortSignal', signal)
    retryIf = opts.retryIf
    if (retryIf !== undefined && typeof retryIf !== 'function') throw argTypeError('retryIf', 'a function', retryIf)
    onRetry = opts.onRetry
    if (onRetry !== undefined && typeof onRetry !== 'function') throw argTypeError('onRetry', 'a function', onRetry)
  } catch (e) {
    return Promise.reject(e)
  }
  if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
  // The first attempt, with nothing made for the retries: core's run (and
  // its schedule) starts at the first failure. A first-time success
  // allocates the context handed to fn (its own object: fn may keep or
  // write it) and the promise returned; the reactions come from a pool.
  const ctx = { attempt: 1, signal }
  const t0 = plan.needsTime ? plan.clock.nowMs() : 0
  let p
  try {
    p = fn(ctx)
  } catch (e) {
    return runRetry(fn, plan, clock, signal, retryIf, onRetry, ctx, e, t0)
  }
  if (p === null || typeof p !== 'object' || typeof p.then !== 'function') {
    if (plan.hasBudget) plan.n.firstSuccess()
    return Promise.resolve(p)
  }
  const c = firstAttempt(fn, plan, clock, signal, retryIf, onRetry, ctx, t0)
  return Promise.resolve(p).then(c.ok, c.err)
}

// The reactions to a first attempt's promise, pooled (as in lib/bulkhead.js:
// native then() runs at most one of them, once; each returns its object to
// the pool before anything that could re-enter).
const RETRY_POOL_MAX = 256
let retryPool = null
let retryPoolSize = 0

class FirstAttempt {
  constructor () {
    this.fn = null
    this.plan = null
    this.clock = undefined
    this.signal = undefined
    this.retryIf = undefined
    this.onRetry = undefined
    this.ctx = null
    this.t0 = 0
    this.next = null
    this.ok = (v) => {
      const plan = this.plan
      this.free()
      if (plan.hasBudget) plan.n.firstSuccess()
      return v
    }
    this.err = (e) => {
      const { fn, plan, clock, signal, retryIf, onRetry, ctx, t0 } = this
      this.free()
      return runRetry(fn, plan, clock, signal, retryIf, onRetry, ctx, e, t0)
    }
  }

  free () {
    this.fn = this.plan = this.retryIf = this.onRetry = this.signal = this.clock = this.ctx = undefined
    if (retryPoolSize < RETRY_POOL_MAX) {
      this.next = retryPool
      retryPool = this
      retryPoolSize++
    }
  }
}

function firstAttempt (fn, plan, clock, signal, retryIf, onRetry, ctx, t0) {
  let c = retryPool
  if (c === null) {
    c = new FirstAttempt()
  } else {
    retryPool = c.next
    c.next = null
    retryPoolSize--
  }
  c.fn = fn
  c.plan = plan
  c.clock = clock
  c.signal = signal
  c.retryIf = retryIf
  c.onRetry = onRetry
  c.ctx = ctx
  c.t0 = t0
  return c
}

function planFrom (opts, budget) {
  const [backoff, cap] = backoffFrom(opts)
  return retryPlan(backoff, budget, cap)
}

// The error a give-up raises: core names its kind (null: the failure itself).
function giveUpError (run, err) {
  const kind = run.errorKind
  if (kind === null || kind === undefined) return err
  if (kind === 'retry_budget_exhausted') return new RetryBudgetExhaustedError(undefined, run.attempts, err)
  if (kind === 'retry_exhausted') return new RetryExhaustedError(run.attempts, err, undefined, run.reason)
  const e = mapNativeError(native.kindError(kind))
  e.cause = err
  e.attempts = run.attempts
  return e
}

// A call after its first attempt failed with `err` (it started at `t0`
// on the backoff's clock when the run needs durations): core's run decides,
// this loop sleeps, makes the next attempts and raises.
async function runRetry (fn, plan, clock, signal, retryIf, onRetry, ctx, err, t0) {
  const run = plan.n.run()
  for (;;) {
    if (signal !== undefined && signal.aborted) {
      run.abandon()
      throw abortReason(signal)
    }
    const duration = plan.needsTime ? plan.clock.nowMs() - t0 : -1
    const verdict = classifyError(err)
    let retryable = verdict.retryable
    if (retryIf !== undefined) {
      try {
        retryable = Boolean(retryIf(err, ctx.attempt))
      } catch (e) {
        run.abandon()
        throw callbackError('retryIf', e, err)
      }
    }
    const ra = verdict.retryAfterMs
    const delay = run.onFailure(retryable, ra === undefined || ra === null ? -1 : ra, duration)
    if (delay < 0) {
      const g = giveUpError(run, err)
      if (ev.has('gaveUp')) ev.emit('gaveUp', { attempts: run.attempts, reason: run.reason, error: err })
      throw g
    }
    if (ev.has('retryScheduled')) ev.emit('retryScheduled', { attempt: ctx.attempt, delayMs: delay, error: err })
    if (onRetry !== undefined) {
      try {
        onRetry({ attempt: ctx.attempt, delayMs: delay, error: err })
      } catch (e) {
        run.abandon()
        throw callbackError('onRetry', e, err)
      }
    }
    if (delay > 0) {
      try {
        await pause(clock, delay, signal)
      } catch (e) {
        run.abandon()
        throw e
      }
    }
    ctx.attempt++
    if (signal !== undefined && signal.aborted) {
      run.abandon()
      throw abortReason(signal)
    }
    t0 = plan.needsTime ? plan.clock.nowMs() : 0
    try {
      const v = await fn(ctx)
      run.onSuccess()
      return v
    } catch (e) {
      err = e
    }
  }
}

// A user callback threw: that call fails with the callback's error (the
// attempt's error as its cause when it has none).
function callbackError (name, e, attemptError) {
  if (e !== null && typeof e === 'object' && e.cause === undefined) {
    try { e.cause = attemptError } catch {}
  }
  return e
}

/**
 * Core's retry run, for code that makes its own attempts:
 * `new Retry({ backoff, budget, maxAttempts })`, then per call
 * `run = retry.start()`, and `run.onFailure({ retryable, retryAfterMs,
 * durationMs })` → `{ action: 'sleep', delayMs }` or `{ action: 'give_up',
 * reason, attempts, error }` (`error`: the kind to raise, or null to raise
 * the failure itself), `run.onSuccess()`, `run.abandon()`. retry() is this
 * loop.
 */
class Retry {
  constructor (options) {
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, ['backoff', 'budget', 'maxAttempts'], 'Retry options')
    const backoff = opts.backoff === undefined ? new Backoff() : opts.backoff instanceof Backoff ? opts.backoff : new Backoff(checkObject(opts.backoff, 'backoff', true))
    if (opts.budget !== undefined && !(opts.budget instanceof RetryBudget)) throw configTypeError('budget', 'a RetryBudget', opts.budget)
    this.backoff = backoff
    this.budget = opts.budget
    this._plan = retryPlan(backoff, opts.budget, opts.maxAttempts)
  }

  /** A run for one call; `deadlineMs`: when retries must stop, on the backoff's clock. */
  start (options) {
    const opts = checkObject(options, 'options')
    checkKeys(opts, ['deadlineMs'], 'Retry.start() options', 'SEAWALL_INVALID_ARGUMENT')
    let dl
    if (opts.deadlineMs !== undefined) dl = checkHint('deadlineMs', opts.deadlineMs)
    return new RetryRun(this._plan.n.run(dl))
  }
}

class RetryRun {
  constructor (n) { this._n = n }
  /** A failed attempt (`retryable` default true). */
  onFailure (failure) {
    const f = checkObject(failure, 'failure')
    checkKeys(f, ['retryable', 'retryAfterMs', 'durationMs'], 'onFailure() failure', 'SEAWALL_INVALID_ARGUMENT')
    if (f.retryable !== undefined && typeof f.retryable !== 'boolean') throw argTypeError('retryable', 'a boolean', f.retryable)
    const ra = f.retryAfterMs === undefined ? -1 : checkHint('retryAfterMs', f.retryAfterMs)
    const du = f.durationMs === undefined ? -1 : checkHint('durationMs', f.durationMs)
    const d = this._n.onFailure(f.retryable !== false, ra, du)
    if (d >= 0) return { action: 'sleep', delayMs: d, attempts: this._n.attempts }
    const k = this._n.errorKind
    return { action: 'give_up', reason: this._n.reason, attempts: this._n.attempts, error: k == null ? null : k }
  }

  onSuccess () { this._n.onSuccess() }
  abandon () { this._n.abandon() }
  /** Attempts made so far. */
  get attempts () { return this._n.attempts }
  /** 'running', 'succeeded', 'gave_up' or 'abandoned'. */
  get status () { return this._n.status }
}

module.exports = { Backoff, Schedule, RetryBudget, Retry, RetryRun, retry, backoffFrom, retryPlan }
