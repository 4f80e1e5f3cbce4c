'use strict'
// Bulkhead: caps concurrent calls, with an optional bounded FIFO queue. The
// native side owns the slots and the queue order; this side never blocks:
// waiters are promises that claim their slot after a release hands it over.

const native = require('./native')
const { attach: attachName } = require('./metrics')
const { BulkheadFullError, mapNativeError, argTypeError, configTypeError } = require('./errors')
const { clockOf, nativeClockOf, abortReason } = require('./clock')
const { quickError, rejectSoon } = require('./util')
const { checkKeys, KNOWN } = require('./options')
const { regionOptions } = require('./region')
const ev = require('./events')
const { listening } = ev

const { bhTry, bulkheadEnqueue, bulkheadRelease, bhClaim, bhCancel, scratch } = native
// The answers besides a permit id (>= 0), defined in src/bulkhead.rs.
const {
  bulkheadFull: FULL,
  bulkheadQueued: QUEUED,
  bulkheadMoved: MOVED
} = native.protocol

// The two hot calls take their argument and give their answer in the
// scratch array (see lib/native.js).

// A permit id (>= 0), a waiter as QUEUED - waiterId, or FULL when rejected.
function enqueue (id) {
  scratch[0] = id
  bulkheadEnqueue()
  return scratch[0]
}

// Frees a permit's slot of bulkhead `b`; true when anyone was queued (then
// b._drain()). Asked only while b has waiters of its own: a drain without
// them does nothing, and the answer costs a read of the counters.
function release (b, permit) {
  scratch[0] = permit
  scratch[1] = b._waiting.length
  bulkheadRelease()
  return scratch[0] === 1
}

// The reaction handlers of a call run in a slot when fn returns a native
// promise, made once and reused instead of two closures per call (as in
// lib/breaker.js: native then() runs at most one of them, once; each
// returns its Running to the pool before anything that could re-enter).
const promiseThen = Promise.prototype.then
const POOL_MAX = 256
let pool = null
let poolSize = 0

class Running {
  constructor () {
    this.b = null // the bulkhead
    this.id = 0 // permit id
    this.next = null
    this.ok = (v) => {
      const b = this.b
      const id = this.id
      this.free()
      if (release(b, id)) b._drain()
      return v
    }
    this.err = (e) => {
      const b = this.b
      const id = this.id
      this.free()
      if (release(b, id)) b._drain()
      throw e
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

function running (b, id) {
  let c = pool
  if (c === null) {
    c = new Running()
  } else {
    pool = c.next
    c.next = null
    poolSize--
  }
  c.b = b
  c.id = id
  return c
}

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

// A permit or waiter dropped without release() / cancel() gives its slot
// (its place in the queue) back when it is garbage-collected.
const droppedPermits = new FinalizationRegistry((held) => {
  if (release(held.b, held.id)) held.b._drain()
})
const droppedWaiters = new FinalizationRegistry((held) => {
  const r = bhClaim(held.id)
  if (r >= 0) {
    if (release(held.b, r)) held.b._drain()
  } else if (r <= MOVED) {
    bhCancel(MOVED - r)
  }
})

/** A held slot: release() it exactly once (later calls do nothing). */
class BulkheadPermit {
  constructor (bulkhead, id) {
    this._b = bulkhead
    this._id = id
    droppedPermits.register(this, { b: bulkhead, id }, this)
  }

  // The id, taken out of this permit (someone else releases it now).
  _take () {
    const id = this._id
    this._id = -1
    droppedPermits.unregister(this)
    return id
  }

  /** Frees the slot (or hands it to the oldest waiter). False if already released. */
  release () {
    if (this._id < 0) return false
    const id = this._take()
    if (release(this._b, id)) this._b._drain()
    return true
  }
}

/** A place in the queue (low-level API under acquire()). */
class BulkheadWaiter {
  constructor (bulkhead, id) {
    this._b = bulkhead
    this._id = id
    this._token = { b: bulkhead, id }
    droppedWaiters.register(this, this._token, this)
  }

  /** The permit once a slot was handed to this waiter, else null. */
  claim () {
    if (this._id < 0) return null
    const r = bhClaim(this._id)
    if (r >= 0) {
      this._id = -1
      droppedWaiters.unregister(this)
      return new BulkheadPermit(this._b, r)
    }
    if (r <= MOVED) this._id = this._token.id = MOVED - r
    return null
  }

  /** Leaves the queue. False if no longer waiting. */
  cancel () {
    if (this._id < 0) return false
    const id = this._id
    this._id = -1
    droppedWaiters.unregister(this)
    bhCancel(id)
    return true
  }
}

class Bulkhead {
  constructor (options) {
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN.Bulkhead, 'Bulkhead options')
    this._clock = clockOf(opts.clock)
    try {
      this._n = new native.NativeBulkhead(regionOptions(opts, true), nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._id = this._n.id
    this._maxWaitMs = this._n.maxWaitMs
    this._waiting = [] // JS-managed waiters of acquire()/execute(), oldest first
    /** The name given in the options (registry, events), or undefined. */
    this.name = typeof opts.name === 'string' ? opts.name : undefined
    attachName(this, opts)
  }

  // A refusal (queue full, or no slot within the wait): one 'rejected'
  // event when someone listens, and the error the call rejects with.
  _full (err) {
    if (listening.rejected !== 0) ev.rejected('bulkhead', this.name, -1)
    return err
  }

  /** A permit now, or null (never waits; refused while anyone is queued). */
  tryAcquire () {
    const r = bhTry(this._id)
    if (r < 0) {
      if (listening.rejected !== 0) ev.rejected('bulkhead', this.name, -1)
      return null
    }
    return new BulkheadPermit(this, r)
  }

  /**
   * Low-level: a permit now, or a place in the queue, or rejected.
   * Returns { outcome: 'acquired', permit } | { outcome: 'queued', waiter } | { outcome: 'rejected' }.
   */
  enqueue () {
    const r = enqueue(this._id)
    if (r >= 0) return { outcome: 'acquired', permit: new BulkheadPermit(this, r) }
    if (r === FULL) {
      if (listening.rejected !== 0) ev.rejected('bulkhead', this.name, -1)
      return { outcome: 'rejected' }
    }
    return { outcome: 'queued', waiter: new BulkheadWaiter(this, QUEUED - r) }
  }

  // After a release with waiters queued: the oldest waiters claim their slot.
  _drain () {
    const q = this._waiting
    while (q.length > 0) {
      const w = q[0]
      const p = w.waiter.claim()
      if (p === null) return
      q.shift()
      w.grant(p)
    }
  }

  _resolveTimeout (options) {
    if (options === undefined || options === null || options.timeoutMs === undefined) return this._maxWaitMs
    return native.checkDuration('timeoutMs', options.timeoutMs, false, true)
  }

  /**
   * Resolves with a permit, waiting in FIFO order up to `timeoutMs`
   * (default: the bulkhead's maxWaitMs). Rejects with BulkheadFullError
   * (code SEAWALL_BULKHEAD_FULL) when the queue is full or the wait runs
   * out, or with the signal's reason on abort.
   */
  acquire (options) {
    let timeoutMs, signal
    try {
      checkKeys(checkObject(options), KNOWN.acquire, 'acquire() options', 'SEAWALL_INVALID_ARGUMENT')
      timeoutMs = this._resolveTimeout(options)
      signal = options && options.signal !== undefined && options.signal !== null ? options.signal : undefined
      if (signal !== undefined && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) throw argTypeError('signal', 'an AbortSignal', signal)
    } catch (e) {
      return Promise.reject(e)
    }
    if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
    if (timeoutMs <= 0) {
      const p = this.tryAcquire()
      return p === null ? rejectSoon(quickError(BulkheadFullError)) : Promise.resolve(p) // tryAcquire reported it
    }
    const a = this.enqueue()
    if (a.outcome === 'acquired') return Promise.resolve(a.permit)
    if (a.outcome === 'rejected') return rejectSoon(quickError(BulkheadFullError)) // enqueue() reported it
    return this._wait(a.waiter, timeoutMs, signal)
  }

  _wait (waiter, timeoutMs, signal) {
    return new Promise((resolve, reject) => {
      const clock = this._clock
      const entry = { waiter, grant: undefined }
      let timer
      const cleanup = () => {
        const i = this._waiting.indexOf(entry)
        if (i >= 0) this._waiting.splice(i, 1)
        clock._cancel(timer)
        if (signal !== undefined) signal.removeEventListener('abort', onAbort)
      }
      const giveUp = (err) => {
        cleanup()
        // A slot handed over in the meantime is claimed and passed on.
        const p = waiter.claim()
        if (p !== null) p.release()
        else waiter.cancel()
        this._drain()
        reject(err)
      }
      const onAbort = () => giveUp(abortReason(signal))
      entry.grant = (permit) => {
        cleanup()
        resolve(permit)
      }
      this._waiting.push(entry)
      timer = clock._schedule(timeoutMs, () => giveUp(this._full(new BulkheadFullError(`bulkhead full: no slot within ${timeoutMs} ms`))))
      if (signal !== undefined) signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Runs `fn(signal)` in a slot (waiting as acquire() does) and releases
   * the slot when it settles.
   */
  execute (fn, options) {
    if (typeof fn !== 'function') return Promise.reject(argTypeError('fn', 'a function', fn))
    if (options === undefined) {
      // Fast path: a free slot right now.
      const r = enqueue(this._id)
      if (r >= 0) return this._run(fn, r, undefined)
      if (r === FULL) return rejectSoon(this._full(quickError(BulkheadFullError)))
      const w = new BulkheadWaiter(this, QUEUED - r)
      if (this._maxWaitMs <= 0) {
        w.cancel()
        return rejectSoon(this._full(quickError(BulkheadFullError)))
      }
      return this._wait(w, this._maxWaitMs, undefined).then((p) => this._runPermit(fn, p, undefined))
    }
    return this.acquire(options).then((p) => this._runPermit(fn, p, options && options.signal))
  }

  _run (fn, id, signal) {
    let p
    try {
      p = fn(signal)
    } catch (e) {
      if (release(this, id)) this._drain()
      return Promise.reject(e)
    }
    const then = p === null || typeof p !== 'object' ? undefined : p.then
    if (typeof then !== 'function') {
      if (release(this, id)) this._drain()
      return Promise.resolve(p)
    }
    if (then === promiseThen) {
      const c = running(this, id)
      return p.then(c.ok, c.err)
    }
    return p.then((v) => {
      if (release(this, id)) this._drain()
      return v
    }, (e) => {
      if (release(this, id)) this._drain()
      throw e
    })
  }

  _runPermit (fn, permit, signal) {
    const id = permit._take()
    return this._run(fn, id, signal === null ? undefined : signal)
  }

  /** { active, queued, total, rejected, maxConcurrent, maxQueue } */
  metrics () { return this._n.metrics() }
}

module.exports = { Bulkhead, BulkheadPermit, BulkheadWaiter }
