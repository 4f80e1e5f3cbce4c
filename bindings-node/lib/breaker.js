'use strict'
// CircuitBreaker: the native breaker decides; this class runs the user's
// function, classifies its errors, measures its duration and emits events.

const { EventEmitter } = require('node:events')
const native = require('./native')
const decisionEvents = require('./events')
const { listening } = decisionEvents
const { attach: attachName, reportListenerError } = require('./metrics')
const { CircuitOpenError, mapNativeError, argTypeError, checkArgDurationMs, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, abortReason } = require('./clock')
const { quickError, rejectSoon } = require('./util')
const { checkKeys, KNOWN } = require('./options')
const { regionOptions } = require('./region')
const { handle, checkHandle } = require('./share')
const { outcomeOf } = require('./classify')

const { breakerAcquire, breakerRecordSince, scratch } = native
const {
  eventsPending: EVENTS_PENDING,
  breakerRejected: REJECTED,
  outcomeSuccess: SUCCESS,
  outcomeFailure: FAILURE,
  outcomeIgnored: IGNORED
} = native.protocol
const OUTCOME_CODES = { success: SUCCESS, failure: FAILURE, ignored: IGNORED }

// The two hot calls take their arguments and give their answers in the
// scratch array (see lib/native.js).

// A permit's bits (+ EVENTS_PENDING, >= 0), or REJECTED - retryAfterMs
// (- EVENTS_PENDING) when rejected, NaN for a dead id; on a grant scratch[1]
// holds the start.
function acquire (id) {
  scratch[0] = id
  breakerAcquire()
  return scratch[0]
}

// Records an outcome; true when transitions are waiting to be drained.
function recordSince (id, bits, code, start) {
  scratch[0] = id
  scratch[1] = bits
  scratch[2] = code
  scratch[3] = start
  breakerRecordSince()
  return scratch[0] === 1
}

// The reaction handlers of execute() when fn returns a native promise,
// made once and reused instead of two closures per call (which cost more
// than a native crossing). Safe to reuse: handlers passed to the native
// Promise.prototype.then run at most once, and only one of the two; each
// handler copies its fields and returns its Pending to the pool before
// it runs anything that could re-enter execute(). At most POOL_MAX idle.
const promiseThen = Promise.prototype.then
const POOL_MAX = 256
let pool = null
let poolSize = 0

class Pending {
  constructor () {
    this.b = null // the breaker
    this.r = 0 // permit bits
    this.start = 0.5 // a double field from the start
    this.next = null
    this.ok = (v) => {
      const b = this.b
      const r = this.r
      const start = this.start
      this.free()
      if (recordSince(b._id, r, SUCCESS, start)) b._drain()
      return v
    }
    this.err = (err) => {
      const b = this.b
      const r = this.r
      const start = this.start
      this.free()
      if (recordSince(b._id, r, b._outcome(err), start)) b._drain()
      throw b._reported(err)
    }
  }

  free () {
    this.b = null
    if (poolSize < POOL_MAX) {
      this.next = pool
      pool = this
      poolSize++
    }
  }
}

function pending (b, r, start) {
  let c = pool
  if (c === null) {
    c = new Pending()
  } else {
    pool = c.next
    c.next = null
    poolSize--
  }
  c.b = b
  c.r = r
  c.start = start
  return c
}

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

/**
 * The permit of a two-step call: finish it once with success(), failure(),
 * ignore() or release(). Each returns true when it finished the permit and
 * false (recording nothing) when it was already finished, as in Python. An
 * outcome for a permit issued before the last transition (stale) only
 * counts in the lifetime counters.
 */
class BreakerPermit {
  constructor (breaker, bits, start) {
    this._b = breaker
    this._bits = bits
    this._start = start // a reading of the breaker's stopwatch (opaque)
    this._done = false
  }

  /** Whether success(), failure(), ignore() or release() was called. */
  get finished () { return this._done }

  /** Whether this permit is a half-open probe. */
  get isProbe () { return this._b._n.isProbe(this._bits) }

  _finish (code, durationMs) {
    let pending
    if (durationMs === undefined) {
      if (this._done) return false
      this._done = true
      pending = recordSince(this._b._id, this._bits, code, this._start)
    } else {
      const ms = checkArgDurationMs('durationMs', durationMs)
      if (this._done) return false
      this._done = true
      pending = this._b._n.record(this._bits, code, ms)
    }
    if (pending) this._b._drain()
    return true
  }

  /** The call succeeded (duration measured since tryAcquire unless given, ms). */
  success (durationMs) { return this._finish(SUCCESS, durationMs) }
  /** The call failed. */
  failure (durationMs) { return this._finish(FAILURE, durationMs) }
  /** The outcome says nothing about the dependency's health. */
  ignore () { return this._finish(IGNORED, 0) }
  /** The call was not made (cancelled): records nothing, frees a probe slot. */
  release () {
    if (this._done) return false
    this._done = true
    if (this._b._n.release(this._bits)) this._b._drain()
    return true
  }
}

/**
 * A circuit breaker. Events: 'stateChange' ({ from, to, atMs }) and one
 * event named after each state entered ('open', 'half_open', 'closed',
 * 'forced_open', 'disabled', 'metrics_only').
 */
class CircuitBreaker extends EventEmitter {
  constructor (options) {
    super()
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.CircuitBreaker, 'CircuitBreaker options')
    const clock = clockOf(opts.clock)
    if (opts.isFailure !== undefined && typeof opts.isFailure !== 'function') {
      throw configTypeError('isFailure', 'a function', opts.isFailure)
    }
    try {
      this._n = new native.NativeCircuitBreaker(regionOptions(opts, true), nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._id = this._n.id
    this._isFailure = opts.isFailure
    this._predicateError = undefined
    this.name = typeof opts.name === 'string' ? opts.name : undefined
    attachName(this, opts)
  }

  /**
   * For a breaker in a SharedRegion: emits now the events of transitions
   * other processes made since this one last looked (every call on the
   * breaker does this too). Does nothing for a breaker of this process alone.
   */
  pollTransitions () {
    if (this._n.pollTransitions()) this._drain()
  }

  /**
   * Calls pollTransitions() every `everyMs` (default 100) on a timer that
   * does not keep the process alive, so an idle worker still emits the
   * events of transitions other workers made. Returns a function that stops it.
   */
  watchTransitions (everyMs = 100) {
    const ms = checkArgDurationMs('everyMs', everyMs)
    const t = setInterval(() => this.pollTransitions(), Math.max(1, ms))
    t.unref()
    return () => clearInterval(t)
  }

  _drain () {
    for (const t of this._n.takeEvents()) {
      const ev = { from: t.from, to: t.to, atMs: t.atMs }
      // A listener that throws never breaks the call: reported once as a
      // process warning ('listenerError' listeners get it instead).
      try {
        this.emit('stateChange', ev)
        this.emit(t.to, ev)
      } catch (e) {
        reportListenerError(this, e)
      }
    }
  }

  _rejected (r) {
    if (r <= -EVENTS_PENDING) { r += EVENTS_PENDING; this._drain() }
    if (listening.rejected !== 0) decisionEvents.rejected('circuit_breaker', this.name, REJECTED - r)
    return quickError(CircuitOpenError, REJECTED - r)
  }

  // What a failed call counts as, by core's outcome mapping
  // (spec/classify.md): isFailure's answer when there is one (false: a
  // success), else seawall's own rejections are ignored and the rest are
  // failures. An isFailure that throws counts the call as a failure, and
  // the call rejects with the predicate's error (see _reported).
  _outcome (err) {
    let recorded
    if (this._isFailure !== undefined) {
      try {
        recorded = Boolean(this._isFailure(err))
      } catch (e) {
        this._predicateError = { error: e }
        return FAILURE
      }
    }
    return OUTCOME_CODES[outcomeOf(err, recorded)]
  }

  // The error a failed call rejects with: its own, or that of an isFailure
  // that threw while classifying it (the call's error as its cause).
  _reported (err) {
    const p = this._predicateError
    if (p === undefined) return err
    this._predicateError = undefined
    const e = p.error
    if (e !== null && typeof e === 'object' && e.cause === undefined) {
      try { e.cause = err } catch {}
    }
    return e
  }

  /** The current state: 'closed', 'open', 'half_open', 'forced_open', 'disabled' or 'metrics_only'. */
  get state () { return this._n.state() }

  /**
   * Two-step use: a permit to finish with success()/failure()/ignore()/
   * release(), or null when the breaker rejects (see retryAfterMs()).
   */
  tryAcquire () {
    let r = acquire(this._id)
    if (r < 0) {
      if (r <= -EVENTS_PENDING) { r += EVENTS_PENDING; this._drain() }
      this._lastRetryAfterMs = REJECTED - r
      if (listening.rejected !== 0) decisionEvents.rejected('circuit_breaker', this.name, REJECTED - r)
      return null
    }
    const start = scratch[1]
    if (r >= EVENTS_PENDING) { r -= EVENTS_PENDING; this._drain() }
    return new BreakerPermit(this, r, start)
  }

  /**
   * Runs `fn(signal)` if the breaker admits it; resolves/rejects with its
   * result. Rejects with CircuitOpenError (code SEAWALL_CIRCUIT_OPEN,
   * retryAfterMs) when the breaker is open.
   */
  execute (fn, options) {
    if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
    let signal
    if (options !== undefined) {
      try { checkKeys(checkObject(options), KNOWN.execute, 'execute() options', 'SEAWALL_INVALID_ARGUMENT') } catch (e) { return Promise.reject(e) }
      signal = options === null ? undefined : options.signal
    }
    if (signal !== undefined && signal !== null) return this._executeWithSignal(fn, signal)
    const id = this._id
    let r = acquire(id)
    if (r < 0) return rejectSoon(this._rejected(r))
    const start = scratch[1]
    if (r >= EVENTS_PENDING) { r -= EVENTS_PENDING; this._drain() }
    let p
    try {
      p = fn()
    } catch (err) {
      this._record(r, this._outcome(err), start)
      return Promise.reject(this._reported(err))
    }
    const then = p === null || typeof p !== 'object' ? undefined : p.then
    if (typeof then !== 'function') {
      if (recordSince(id, r, SUCCESS, start)) this._drain()
      return Promise.resolve(p)
    }
    if (then === promiseThen) {
      const c = pending(this, r, start)
      return p.then(c.ok, c.err)
    }
    return p.then((v) => {
      if (recordSince(id, r, SUCCESS, start)) this._drain()
      return v
    }, (err) => {
      if (recordSince(id, r, this._outcome(err), start)) this._drain()
      throw this._reported(err)
    })
  }

  _record (bits, code, start) {
    if (recordSince(this._id, bits, code, start)) this._drain()
  }

  _executeWithSignal (fn, signal) {
    if (signal.aborted) return Promise.reject(abortReason(signal))
    let r = acquire(this._id)
    if (r < 0) return rejectSoon(this._rejected(r))
    const start = scratch[1]
    if (r >= EVENTS_PENDING) { r -= EVENTS_PENDING; this._drain() }
    const permit = new BreakerPermit(this, r, start)
    return new Promise((resolve, reject) => {
      let done = false
      const onAbort = () => {
        // The caller gave up: no outcome for the dependency.
        if (done) return
        done = true
        permit.release()
        reject(abortReason(signal))
      }
      const settle = (err, v, failed) => {
        signal.removeEventListener('abort', onAbort)
        if (done) return
        done = true
        if (!failed) {
          permit.success()
          resolve(v)
        } else {
          const code = this._outcome(err)
          code === FAILURE ? permit.failure() : code === SUCCESS ? permit.success() : permit.ignore()
          reject(this._reported(err))
        }
      }
      signal.addEventListener('abort', onAbort, { once: true })
      let p
      try {
        p = fn(signal)
      } catch (err) {
        return settle(err, undefined, true)
      }
      Promise.resolve(p).then((v) => settle(undefined, v, false), (err) => settle(err, undefined, true))
    })
  }

  /**
   * A handle for the worker threads of this process (a plain object to
   * postMessage): CircuitBreaker.fromShared(handle) there gives an object
   * for this same breaker, so the whole process has one state. A shared
   * breaker lives as long as the process.
   */
  share () {
    return handle('CircuitBreaker', this._n.share(), { name: this.name })
  }

  /**
   * This thread's object for a breaker shared by another thread. Its
   * events are emitted in this thread for the transitions its own calls
   * cause; `isFailure` (functions do not cross threads) is this thread's.
   */
  static fromShared (h, options) {
    checkHandle(h, 'CircuitBreaker')
    const opts = checkObject(options)
    checkKeys(opts, ['isFailure'], 'fromShared() options', 'SEAWALL_INVALID_ARGUMENT')
    if (opts.isFailure !== undefined && typeof opts.isFailure !== 'function') throw argTypeError('isFailure', 'a function', opts.isFailure)
    const b = Object.create(CircuitBreaker.prototype)
    EventEmitter.call(b)
    try {
      b._n = native.NativeCircuitBreaker.attach(h.id)
    } catch (e) {
      throw mapNativeError(e, { handle: h })
    }
    b._id = b._n.id
    b._isFailure = opts.isFailure
    b._predicateError = undefined
    b.name = h.name
    return b
  }

  /** Milliseconds until the breaker may admit again, as of the last rejection by tryAcquire(). */
  retryAfterMs () { return this._lastRetryAfterMs === undefined ? 0 : this._lastRetryAfterMs }

  /** A snapshot of the counters and state. */
  metrics () {
    const m = this._n.metrics()
    if (m.failureRate === undefined) m.failureRate = null
    if (m.slowCallRate === undefined) m.slowCallRate = null
    return m
  }

  /** Rejects every call until reset(). */
  forceOpen () { this._n.forceOpen(); this._drain() }
  /** Admits every call and records nothing until reset(). */
  disable () { this._n.disable(); this._drain() }
  /** Admits and records every call but never trips, until reset(). */
  metricsOnly () { this._n.metricsOnly(); this._drain() }
  /** Back to closed with fresh windows, from any state. */
  reset () { this._n.reset(); this._drain() }
}

module.exports = { CircuitBreaker, BreakerPermit }
