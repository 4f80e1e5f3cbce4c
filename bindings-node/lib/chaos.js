'use strict'
// AdaptiveTimeout (the timeout to use now, from recent latencies) and
// FaultInjector (chaos: errors and delays with a probability, seedable).

const native = require('./native')
const ev = require('./events')
const { attach: attachName } = require('./metrics')
const { InjectedFaultError, mapNativeError, argTypeError, checkArgDurationMs, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, sleep, pause } = require('./clock')
const { runWithTimeout, withCallerStack, newTimeoutError, checkSignal } = require('./timeout')
const { quickError } = require('./util')
const { checkKeys, KNOWN } = require('./options')

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

function execOptions (options) {
  const opts = checkObject(options)
  checkKeys(opts, KNOWN.execute, 'execute() options', 'SEAWALL_INVALID_ARGUMENT')
  return opts
}

/**
 * timeout = clamp(percentile(recent latencies) × multiplier, min, max);
 * `initialTimeoutMs` until `minSamples` latencies are known.
 */
class AdaptiveTimeout {
  constructor (options) {
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.AdaptiveTimeout, 'AdaptiveTimeout options')
    this._clock = clockOf(opts.clock)
    try {
      this._n = new native.NativeAdaptiveTimeout(opts, nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    attachName(this, opts)
  }

  /** Records the latency of one call, ms. */
  record (latencyMs) {
    this._n.recordMs(checkArgDurationMs('latencyMs', latencyMs))
  }

  /** The timeout to use now, ms. */
  timeoutMs () { return this._n.timeoutMs() }

  /** { samples, total, p50Ms, p95Ms, p99Ms, timeoutMs } */
  metrics () { return this._n.metrics() }

  /**
   * Runs `fn(signal)` with the current timeout (rejects with TimeoutError
   * and aborts the signal when it runs out) and records the latency of
   * calls that finished (timed-out calls record the timeout).
   */
  execute (fn, options) {
    if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
    let signal
    try { signal = checkSignal(execOptions(options).signal) } catch (e) { return Promise.reject(e) }
    const clock = this._clock
    const limit = this._n.timeoutMs()
    const start = clock.nowMs()
    const done = () => this._n.recordMs(Math.min(limit, clock.nowMs() - start))
    return withCallerStack(runWithTimeout(fn, limit, clock, signal, newTimeoutError).then((v) => { done(); return v }, (e) => {
      if (!(signal && signal.aborted)) done()
      throw e
    }))
  }
}

/** Chaos testing: injects errors and delays with the configured rates. */
class FaultInjector {
  constructor (options) {
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.FaultInjector, 'FaultInjector options')
    this._clock = clockOf(opts.clock)
    if (opts.error !== undefined && typeof opts.error !== 'function') throw configTypeError('error', 'a function returning the error to inject', opts.error)
    this._makeError = opts.error
    try {
      this._n = new native.NativeFaultInjector(opts, nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    attachName(this, opts)
  }

  /** The next decision: { fault: 'none' | 'error' | 'delay', delayMs }. */
  decide () {
    const d = this._n.decide()
    if (d === -1) return { fault: 'none', delayMs: 0 }
    if (d === -2) return { fault: 'error', delayMs: 0 }
    return { fault: 'delay', delayMs: d }
  }

  /** Turns injection on or off at run time. */
  setEnabled (enabled) {
    if (typeof enabled !== 'boolean') throw argTypeError('enabled', 'a boolean', enabled)
    this._n.setEnabled(enabled)
  }

  /** { decisions, errors, delays, enabled } */
  metrics () { return this._n.metrics() }

  /**
   * Applies one decision to `fn`: rejects with InjectedFaultError (code
   * SEAWALL_INJECTED_FAULT, or the `error` option's error), or waits the
   * delay on the injector's clock, then runs `fn(signal)`.
   */
  async execute (fn, options) {
    if (typeof fn !== 'function') throw argTypeError('fn', 'a function', fn)
    const signal = checkSignal(execOptions(options).signal)
    const d = this._n.decide()
    if (d !== -1 && ev.has('faultInjected')) ev.emit('faultInjected', { fault: d === -2 ? 'error' : 'delay', delayMs: d === -2 ? 0 : d })
    if (d === -2) throw this._makeError !== undefined ? this._makeError() : quickError(InjectedFaultError)
    if (d >= 0) await pause(this._clock, d, signal)
    return fn(signal)
  }

  /** `fn` wrapped so that every call goes through execute(). */
  wrap (fn) {
    if (typeof fn !== 'function') throw argTypeError('fn', 'a function', fn)
    return (...args) => this.execute(() => fn(...args))
  }
}

module.exports = { AdaptiveTimeout, FaultInjector }
