'use strict'
// AdaptiveTimeout: the timeout to use now, from recent latencies.

const native = require('./native')
const { attach: attachName } = require('./metrics')
const { mapNativeError, argTypeError, checkArgDurationMs } = require('./errors')
const { clockOf, nativeClockOf } = require('./clock')
const { runWithTimeout, withCallerStack, newTimeoutError, checkSignal } = require('./timeout')
const { checkKeys, checkObject, execOptions, KNOWN } = require('./options')

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

module.exports = { AdaptiveTimeout }
