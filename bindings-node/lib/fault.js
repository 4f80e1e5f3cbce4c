'use strict'
// FaultInjector (chaos: errors and delays with a probability, seedable).

const native = require('./native')
const ev = require('./events')
const { attach: attachName } = require('./metrics')
const { InjectedFaultError, mapNativeError, argTypeError, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, pause } = require('./clock')
const { checkSignal } = require('./timeout')
const { quickError } = require('./util')
const { checkKeys, checkObject, execOptions, KNOWN } = require('./options')

// decide(): NONE, ERROR, or a delay in ms (>= 0); defined in src/fault.rs.
const { faultNone: NONE, faultError: ERROR } = native.protocol

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
    if (d === NONE) return { fault: 'none', delayMs: 0 }
    if (d === ERROR) return { fault: 'error', delayMs: 0 }
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
    if (d !== NONE && ev.has('faultInjected')) ev.emit('faultInjected', { fault: d === ERROR ? 'error' : 'delay', delayMs: d === ERROR ? 0 : d })
    if (d === ERROR) throw this._makeError !== undefined ? this._makeError() : quickError(InjectedFaultError)
    if (d >= 0) await pause(this._clock, d, signal)
    return fn(signal)
  }

  /** `fn` wrapped so that every call goes through execute(). */
  wrap (fn) {
    if (typeof fn !== 'function') throw argTypeError('fn', 'a function', fn)
    return (...args) => this.execute(() => fn(...args))
  }
}

module.exports = { FaultInjector }
