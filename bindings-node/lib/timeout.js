'use strict'
// timeout(fn, ms) and deadlines for cascading timeouts. Pure JS: the core
// only decides *how long* (AdaptiveTimeout); running and aborting the call
// is the binding's job.

const native = require('./native')
const ev = require('./events')
const { TimeoutError, argTypeError } = require('./errors')
const { quickError } = require('./util')
const { clockOf, abortReason } = require('./clock')
const { checkKeys, KNOWN } = require('./options')

function checkFn (fn, field = 'fn') {
  if (typeof fn !== 'function') throw argTypeError(field, 'a function', fn)
}

function checkSignal (signal) {
  if (signal === undefined || signal === null) return undefined
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw argTypeError('signal', 'an AbortSignal', signal)
  }
  return signal
}

function checkOptions (options) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw argTypeError('options', 'an object', options)
  return options
}

/**
 * Runs `fn(signal)` and rejects with a TimeoutError (code SEAWALL_TIMEOUT)
 * if it has not settled after `ms`; the signal passed to `fn` is aborted
 * then (and when the caller's own `signal` aborts), so `fn` can stop work.
 */
function timeout (fn, ms, options) {
  let limit, clock, outer
  try {
    // Bad arguments reject, as every promise-returning call does.
    checkFn(fn)
    const opts = checkOptions(options)
    checkKeys(opts, KNOWN.timeout, 'timeout() options', 'SEAWALL_INVALID_ARGUMENT')
    limit = native.checkDuration('ms', ms, true, true)
    clock = clockOf(opts.clock)
    outer = checkSignal(opts.signal)
  } catch (e) {
    return Promise.reject(e)
  }
  return withCallerStack(runWithTimeout(fn, limit, clock, outer, newTimeoutError))
}

// A TimeoutError is made in a timer callback, where the stack holds no
// frame of the caller. It is made without one (OWN_TIMEOUT marks it), and
// given the awaiting callers' frames here: captured after an `await`, the
// stack is the async chain (`at async handler (app.js:12)`), at no cost
// unless the call times out.
const OWN_TIMEOUT = Symbol('seawall.timeout')

async function withCallerStack (p) {
  try {
    return await p
  } catch (e) {
    if (e !== null && typeof e === 'object' && e[OWN_TIMEOUT] === true) {
      e[OWN_TIMEOUT] = false
      Error.captureStackTrace(e, withCallerStack)
    }
    throw e
  }
}

function newTimeoutError (ms, message) {
  const e = quickError(TimeoutError, ms, message)
  Object.defineProperty(e, OWN_TIMEOUT, { value: true, writable: true })
  return e
}

function runWithTimeout (fn, limit, clock, outer, makeError) {
  const ac = new AbortController()
  return new Promise((resolve, reject) => {
    if (outer && outer.aborted) {
      ac.abort(abortReason(outer))
      return reject(abortReason(outer))
    }
    let done = false
    const onOuter = () => finish(true, abortReason(outer), true)
    const timer = clock._schedule(limit, () => {
      const err = makeError ? makeError(limit) : new TimeoutError(limit)
      if (ev.has('timeout')) ev.emit('timeout', { limitMs: limit })
      finish(true, err, true)
    })
    function finish (failed, value, abort) {
      if (done) return
      done = true
      clock._cancel(timer)
      if (outer) outer.removeEventListener('abort', onOuter)
      if (abort) ac.abort(value)
      failed ? reject(value) : resolve(value)
    }
    if (outer) outer.addEventListener('abort', onOuter, { once: true })
    let p
    try {
      p = fn(ac.signal)
    } catch (e) {
      return finish(true, e, false)
    }
    Promise.resolve(p).then(v => finish(false, v, false), e => finish(true, e, false))
  })
}

/**
 * A point in time shared by a chain of calls: each step gets what is left,
 * children never outlive their parent (cascading timeouts).
 */
class Deadline {
  constructor (ms, options) {
    const opts = checkOptions(options)
    checkKeys(opts, KNOWN.Deadline, 'deadline options')
    const limit = native.checkDuration('ms', ms, false, true)
    this._clock = clockOf(opts.clock)
    this._expiresAt = this._clock.nowMs() + limit
    this._parent = opts.parent instanceof Deadline ? opts.parent : undefined
    if (this._parent) this._expiresAt = Math.min(this._expiresAt, this._parent._expiresAt)
    this._totalMs = this._expiresAt - this._clock.nowMs()
    this._outer = checkSignal(opts.signal)
    this._ac = undefined
    this._timer = undefined
    this._listening = undefined // [signal, listener, ...] to remove
  }

  /** Milliseconds left (0 when expired). */
  remainingMs () { return Math.max(0, this._expiresAt - this._clock.nowMs()) }

  /** Whether no time is left. */
  get expired () { return this.remainingMs() <= 0 }

  /**
   * An AbortSignal that aborts (with a TimeoutError) when the deadline
   * passes or the parent/outer signal aborts. Its timer is unref'd: a
   * deadline never keeps the process alive.
   */
  get signal () {
    if (!this._ac) {
      const ac = this._ac = new AbortController()
      const fire = () => {
        if (!ac.signal.aborted) ac.abort(newTimeoutError(this._totalMs, 'deadline exceeded'))
        this._unlisten()
      }
      const left = this.remainingMs()
      if (left <= 0) fire()
      else this._timer = this._clock._schedule(left, fire, true)
      // Listeners on the outer / parent signals (often long-lived) are
      // removed again by dispose() and when this deadline's signal aborts.
      for (const s of [this._outer, this._parent && this._parent.signal]) {
        if (!s || ac.signal.aborted) continue
        if (s.aborted) {
          ac.abort(abortReason(s))
          continue
        }
        const onAbort = () => {
          if (!ac.signal.aborted) ac.abort(abortReason(s))
          this._unlisten()
        }
        s.addEventListener('abort', onAbort, { once: true })
        ;(this._listening || (this._listening = [])).push(s, onAbort)
      }
      if (ac.signal.aborted) this._unlisten()
    }
    return this._ac.signal
  }

  _unlisten () {
    const l = this._listening
    if (l === undefined) return
    this._listening = undefined
    for (let i = 0; i < l.length; i += 2) l[i].removeEventListener('abort', l[i + 1])
    if (this._timer !== undefined) this._clock._cancel(this._timer)
    this._timer = undefined
  }

  /** A child deadline: `ms` from now, but never later than this one. */
  child (ms) {
    return new Deadline(ms === undefined ? this.remainingMs() : ms, { clock: this._clock === clockOf() ? undefined : this._clock, parent: this })
  }

  /**
   * Runs `fn(signal)` with what is left of the deadline as its timeout;
   * rejects with a TimeoutError at once if nothing is left.
   */
  run (fn) {
    try { checkFn(fn) } catch (e) { return Promise.reject(e) }
    const left = this.remainingMs()
    if (left <= 0) return Promise.reject(new TimeoutError(0, 'deadline exceeded'))
    return withCallerStack(runWithTimeout(fn, left, this._clock, this.signal, () => newTimeoutError(this._totalMs, 'deadline exceeded')))
  }

  /**
   * Cancels the signal's timer and stops listening to the parent / outer
   * signal. Call it when a deadline made with a long-lived `signal` or
   * parent is done with, or the listeners pile up on that signal.
   */
  dispose () {
    this._unlisten()
    if (this._timer !== undefined) this._clock._cancel(this._timer)
    this._timer = undefined
  }
}

/** `new Deadline(ms, options)`. */
function deadline (ms, options) {
  return new Deadline(ms, options)
}

module.exports = { timeout, runWithTimeout, withCallerStack, newTimeoutError, Deadline, deadline, checkFn, checkSignal, checkOptions }
