'use strict'
// Clocks. Primitives read time in Rust (CLOCK_MONOTONIC, or a ManualClock);
// the JS layer also needs to *wait* (retry delays, acquire() waits, timeouts),
// and with a ManualClock those waits fire when the test advances the clock.

const native = require('./native')
const { mapNativeError, argTypeError, configTypeError } = require('./errors')
const { checkKeys, KNOWN } = require('./options')

function call (f, args) {
  try { return f() } catch (e) { throw mapNativeError(e, args) }
}

function toBigIntNs (field, v, config) {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  throw (config ? configTypeError : argTypeError)(field, 'a non-negative safe integer or a bigint', v)
}

// setTimeout fires at once (after 1 ms, with a warning) for any delay over
// 2^31 - 1 ms (24.8 days). Longer waits are a chain of timers of at most
// that length, each checking the monotonic clock for what is left.
const MAX_TIMER_MS = 2 ** 31 - 1

class LongTimer {
  constructor (ms, cb, unref, maxChunkMs, now) {
    this._due = now() + ms
    this._cb = cb
    this._unref = unref
    this._max = maxChunkMs
    this._now = now
    this._t = undefined
    this._arm(ms)
  }

  _arm (left) {
    if (left === Infinity) left = this._max
    const t = this._t = setTimeout(() => this._tick(), Math.min(left, this._max))
    if (this._unref) t.unref()
  }

  _tick () {
    const left = this._due - this._now()
    if (left > 0) return this._arm(left)
    this._t = undefined
    this._cb()
  }

  cancel () {
    if (this._t !== undefined) clearTimeout(this._t)
    this._t = undefined
  }

  /** Whether the callback is still to run (test aid). */
  get pending () { return this._t !== undefined }
}

/**
 * Calls `cb` after `ms` on the monotonic clock, whatever the length
 * (Infinity: never); `maxChunkMs` is the longest single timer (tests
 * shorten it). Cancel with cancelTimer().
 */
function scheduleTimer (ms, cb, unref, maxChunkMs = MAX_TIMER_MS) {
  if (ms <= maxChunkMs) {
    const t = setTimeout(cb, ms)
    if (unref) t.unref()
    return t
  }
  return new LongTimer(ms, cb, unref, maxChunkMs, native.monotonicNowMs)
}

function cancelTimer (t) {
  if (t instanceof LongTimer) t.cancel()
  else clearTimeout(t)
}

// The real clock: monotonic time, timers for waits. Wait timers are
// ref'd while an operation is pending and always cleared when it settles, so
// they never keep a finished program alive.
const systemClock = {
  nowMs: native.monotonicNowMs,
  _schedule (ms, cb, unref) { return scheduleTimer(ms, cb, unref) },
  _cancel: cancelTimer
}

/**
 * A clock that moves only when told to. Every primitive accepts it as
 * `clock`; waits scheduled on it (retry delays, `acquire()` waits, timeouts)
 * fire when `advance()` reaches them.
 */
class ManualClock {
  constructor (options) {
    let start = 0n
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw configTypeError('options', 'an object', options)
      checkKeys(options, KNOWN.ManualClock, 'ManualClock options')
      if (options.startNs !== undefined) start = toBigIntNs('startNs', options.startNs, true)
      else if (options.startMs !== undefined) {
        const ms = native.checkDuration('startMs', options.startMs, false)
        start = BigInt(Math.round(ms * 1e6))
      }
    }
    this._native = call(() => new native.NativeManualClock(start))
    this._timers = [] // sorted by due time (ms), then by insertion
    this._seq = 0
  }

  /** Current time in milliseconds (float). */
  nowMs () { return this._native.nowMs() }
  /** Current time in nanoseconds. */
  nowNs () { return this._native.nowNs() }

  /** Moves time forward by `ms` and fires the waits that are due. */
  advance (ms) {
    const v = native.checkDuration('ms', ms, false, true)
    this._native.advanceMs(v)
    this._fire()
  }

  /** Moves time forward by `ns` nanoseconds (number or bigint). */
  advanceNs (ns) {
    const b = toBigIntNs('ns', ns)
    call(() => this._native.advanceNs(b), { ns })
    this._fire()
  }

  /** Sets the time in nanoseconds (may move backwards). */
  setNs (ns) {
    const b = toBigIntNs('ns', ns)
    call(() => this._native.setNs(b), { ns })
    this._fire()
  }

  /**
   * Advances by `ms` in steps, stopping at each pending wait and letting
   * promise callbacks run between steps, so chains of waits (a retry loop)
   * progress as they would in real time.
   */
  async tickAsync (ms) {
    const target = this.nowMs() + native.checkDuration('ms', ms, false, true)
    for (;;) {
      await new Promise(resolve => setImmediate(resolve))
      const next = this._timers.length ? this._timers[0].due : Infinity
      if (next > target) break
      if (next > this.nowMs()) this._native.advanceMs(next - this.nowMs())
      this._fire()
    }
    const rest = target - this.nowMs()
    if (rest > 0) this._native.advanceMs(rest)
    this._fire()
    await new Promise(resolve => setImmediate(resolve))
  }

  /** Number of waits scheduled on this clock that have not fired. */
  get pendingTimers () { return this._timers.length }

  _schedule (ms, cb) {
    const t = { due: this.nowMs() + ms, seq: this._seq++, cb }
    let i = this._timers.length
    while (i > 0 && this._timers[i - 1].due > t.due) i--
    this._timers.splice(i, 0, t)
    if (ms <= 0) queueMicrotask(() => this._fire())
    return t
  }

  _cancel (t) {
    const i = this._timers.indexOf(t)
    if (i >= 0) this._timers.splice(i, 1)
  }

  _fire () {
    const now = this.nowMs()
    while (this._timers.length && this._timers[0].due <= now + 1e-9) {
      const t = this._timers.shift()
      t.cb()
    }
  }
}

function clockOf (clock, field = 'clock') {
  if (clock === undefined || clock === null) return systemClock
  if (clock instanceof ManualClock) return clock
  throw argTypeError(field, 'a ManualClock', clock)
}

function nativeClockOf (clock) {
  const c = clockOf(clock)
  return c === systemClock ? undefined : c._native
}

function abortReason (signal) {
  return signal.reason !== undefined ? signal.reason : new DOMException('This operation was aborted', 'AbortError')
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason on abort. */
function sleep (clock, ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortReason(signal))
    let onAbort
    const t = clock._schedule(ms, () => {
      if (signal) signal.removeEventListener('abort', onAbort)
      resolve()
    })
    if (signal) {
      onAbort = () => { clock._cancel(t); reject(abortReason(signal)) }
      signal.addEventListener('abort', onAbort, { once: true })
    }
  })
}

/**
 * A sleep the library itself decided (a retry or policy delay, a fault
 * injector's delay). On a ManualClock it is time passing for that sleep:
 * the clock is advanced by `ms` (firing the waits that fall due) and the
 * promise resolves at once. Waits for a resource
 * or a limit use `sleep` and wait for the clock to be moved (spec/README.md,
 * "Time").
 */
function pause (clock, ms, signal) {
  if (!(clock instanceof ManualClock)) return sleep(clock, ms, signal)
  if (signal && signal.aborted) return Promise.reject(abortReason(signal))
  if (ms > 0) clock.advance(ms)
  // Resolved at once (a microtask): the next attempt then schedules its own
  // timers before anything driving the clock (tickAsync) looks again.
  return Promise.resolve()
}

module.exports = { ManualClock, systemClock, scheduleTimer, cancelTimer, MAX_TIMER_MS, clockOf, nativeClockOf, sleep, pause, abortReason, call }
