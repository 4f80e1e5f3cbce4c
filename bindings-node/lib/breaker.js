'use strict'
// CircuitBreaker: the native breaker decides; this class runs the user's
// function, classifies its errors, measures its duration and emits events.

const { EventEmitter } = require('node:events')
const { performance } = require('node:perf_hooks')
const native = require('./native')
const { CircuitOpenError, mapNativeError, argTypeError } = require('./errors')
const { clockOf, nativeClockOf, abortReason } = require('./clock')
const { quickError } = require('./util')

const EVENTS_PENDING = 2 ** 40
const SUCCESS = 0
const FAILURE = 1
const IGNORED = 2

function checkObject (options, field = 'options') {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw argTypeError(field, 'an object', options)
  return options
}

/**
 * The permit of a two-step call: finish it exactly once with success(),
 * failure(), ignore() or release().
 */
class BreakerPermit {
  constructor (breaker, bits, startMs) {
    this._b = breaker
    this._bits = bits
    this._start = startMs
    this._done = false
  }

  /** Whether this permit is a half-open probe. */
  get isProbe () { return this._b._n.isProbe(this._bits) }

  _finish (code, durationMs) {
    if (this._done) return false
    this._done = true
    const d = durationMs === undefined ? this._b._now() - this._start : durationMs
    if (this._b._n.record(this._bits, code, d)) this._b._drain()
    return true
  }

  /** The call succeeded (duration measured since tryAcquire unless given). */
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
    const opts = checkObject(options)
    const clock = clockOf(opts.clock)
    if (opts.isFailure !== undefined && typeof opts.isFailure !== 'function') {
      throw Object.assign(argTypeError('isFailure', 'a function', opts.isFailure), { code: 'SEAWALL_INVALID_CONFIG' })
    }
    try {
      this._n = new native.NativeCircuitBreaker(opts, nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._clock = clock
    this._manual = clock !== clockOf()
    this._isFailure = opts.isFailure
    this.name = typeof opts.name === 'string' ? opts.name : undefined
  }

  _now () { return this._manual ? this._clock.nowMs() : performance.now() }

  _drain () {
    for (const t of this._n.takeEvents()) {
      const ev = { from: t.from, to: t.to, atMs: t.atMs }
      this.emit('stateChange', ev)
      this.emit(t.to, ev)
    }
  }

  _rejected (r) {
    if (this._n.pending()) this._drain()
    return quickError(CircuitOpenError, -1 - r)
  }

  _outcome (err) {
    if (this._isFailure === undefined) return FAILURE
    return this._isFailure(err) ? FAILURE : IGNORED
  }

  /** The current state: 'closed', 'open', 'half_open', 'forced_open', 'disabled' or 'metrics_only'. */
  get state () { return this._n.state() }

  /**
   * Two-step use: a permit to finish with success()/failure()/ignore()/
   * release(), or null when the breaker rejects (see retryAfterMs()).
   */
  tryAcquire () {
    let r = this._n.tryAcquire()
    if (r < 0) {
      if (this._n.pending()) this._drain()
      this._lastRetryAfterMs = -1 - r
      return null
    }
    if (r >= EVENTS_PENDING) { r -= EVENTS_PENDING; this._drain() }
    return new BreakerPermit(this, r, this._now())
  }

  /**
   * Runs `fn(signal)` if the breaker admits it; resolves/rejects with its
   * result. Rejects with CircuitOpenError (code SEAWALL_CIRCUIT_OPEN,
   * retryAfterMs) when the breaker is open.
   */
  execute (fn, options) {
    if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
    const signal = options === undefined ? undefined : options.signal
    if (signal !== undefined && signal !== null) return this._executeWithSignal(fn, signal)
    let r = this._n.tryAcquire()
    if (r < 0) return Promise.reject(this._rejected(r))
    if (r >= EVENTS_PENDING) { r -= EVENTS_PENDING; this._drain() }
    const start = this._now()
    let p
    try {
      p = fn()
    } catch (err) {
      this._record(r, this._outcome(err), start)
      return Promise.reject(err)
    }
    return this._settle(r, start, p)
  }

  async _settle (bits, start, p) {
    let v
    try {
      v = await p
    } catch (err) {
      this._record(bits, this._outcome(err), start)
      throw err
    }
    if (this._n.record(bits, SUCCESS, this._now() - start)) this._drain()
    return v
  }

  _record (bits, code, start) {
    if (this._n.record(bits, code, this._now() - start)) this._drain()
  }

  _executeWithSignal (fn, signal) {
    if (signal.aborted) return Promise.reject(abortReason(signal))
    let r = this._n.tryAcquire()
    if (r < 0) return Promise.reject(this._rejected(r))
    if (r >= EVENTS_PENDING) { r -= EVENTS_PENDING; this._drain() }
    const permit = new BreakerPermit(this, r, this._now())
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        // The caller gave up: no outcome for the dependency.
        permit.release()
        reject(abortReason(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      let p
      try {
        p = fn(signal)
      } catch (err) {
        signal.removeEventListener('abort', onAbort)
        this._outcome(err) === FAILURE ? permit.failure() : permit.ignore()
        return reject(err)
      }
      Promise.resolve(p).then((v) => {
        signal.removeEventListener('abort', onAbort)
        permit.success()
        resolve(v)
      }, (err) => {
        signal.removeEventListener('abort', onAbort)
        this._outcome(err) === FAILURE ? permit.failure() : permit.ignore()
        reject(err)
      })
    })
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
