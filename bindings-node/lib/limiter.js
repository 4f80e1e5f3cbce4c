'use strict'
// Rate limiters: TokenBucket, SlidingWindowLimiter, KeyedTokenBucket,
// KeyedSlidingWindow. The native side decides; this layer adds waiting
// (acquire), rate-limit headers and an Express/Connect middleware.

const native = require('./native')
const { attach: attachName } = require('./metrics')
const { RateLimitedError, TimeoutError, mapNativeError, argTypeError, configTypeError, checkArgDurationMs } = require('./errors')
const { clockOf, nativeClockOf, abortReason, systemClock } = require('./clock')
const { quickError } = require('./util')
const { checkKeys, KNOWN } = require('./options')
const { regionOptions } = require('./region')
const { handle, checkHandle } = require('./share')
const ev = require('./events')
const { listening } = ev

const { limiterTryAcquire, limiterTryAcquireOne, limiterTryAcquireKey, limiterTryAcquireKeyRaw, limWaitPoll, limWaitCancel, scratch } = native
// limiterTryAcquireOne's answers (else: call limiterTryAcquire for the error).
const { limiterGranted: GRANTED, limiterDenied: DENIED } = native.protocol

function checkObject (options, field = 'options', config = false) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw (config ? configTypeError : argTypeError)(field, 'an object', options)
  return options
}

function nArg (n) {
  if (n === undefined) return 1
  if (typeof n !== 'number') throw argTypeError('n', 'a positive integer', n)
  return n
}

function keyArg (key) {
  if (typeof key === 'string') return key
  if (typeof key === 'number' || typeof key === 'bigint') return String(key)
  throw argTypeError('key', 'a string', key)
}

// Hot calls take their arguments and give their answers in the scratch
// array (lib/native.js). limiterTryAcquire: allowed, with scratch[0..2] = remaining,
// retryAfterMs, resetAfterMs for decision(). Throws the native errors.
function tryN (id, n, peek) {
  scratch[0] = id
  scratch[1] = n
  scratch[2] = peek ? 1 : 0
  limiterTryAcquire()
  return scratch[3] === 1
}

function decision (allowed) {
  return { allowed, remaining: scratch[0], retryAfterMs: scratch[1], resetAfterMs: scratch[2] }
}

// The handle fromShared() is attaching to, read by the constructor.
let attaching = null

class BaseLimiter {
  constructor (kind, options, name) {
    if (attaching !== null) {
      // In fromShared(): attach to the handle's limiter.
      const h = attaching
      attaching = null
      this._clock = systemClock
      try {
        this._n = native.NativeRateLimiter.attach(h.native, h.id, h.limit, typeof h.windowMs === 'number' ? h.windowMs : 0)
      } catch (e) {
        throw mapNativeError(e, { handle: h })
      }
      this._kind = h.native
      this._id = this._n.id
      this.limit = this._n.limit
      this.name = undefined
      return
    }
    const opts = checkObject(options, 'options', true)
    checkKeys(opts, KNOWN[name], `${name} options`)
    this._kind = kind
    this._clock = clockOf(opts.clock)
    // `name` names the limiter (registry) and its slot in a region.
    try {
      this._n = new native.NativeRateLimiter(kind, regionOptions(opts, true), nativeClockOf(opts.clock))
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._id = this._n.id
    /** Capacity: burst or window limit (the `RateLimit-Limit` header). */
    this.limit = this._n.limit
    /** The name given in the options (registry, events), or undefined. */
    this.name = typeof opts.name === 'string' ? opts.name : undefined
    attachName(this, opts)
  }

  // A refusal: one 'rejected' event when someone listens (callers check
  // listening.rejected !== 0 first).
  _rejected (retryAfterMs, key) {
    ev.rejected('rate_limiter', this.name, retryAfterMs, key)
  }

  // The error a refused reserve/acquire raises, reported as a rejection.
  _refused (err, key) {
    if (err instanceof RateLimitedError && listening.rejected !== 0) this._rejected(err.retryAfterMs, key)
    return err
  }

  /**
   * A handle for the worker threads of this process (a plain object to
   * postMessage): `<Class>.fromShared(handle)` there gives an object for
   * this same limiter, so the limit holds for the whole process. A shared
   * limiter lives as long as the process. A limiter on a
   * ManualClock cannot be shared (its waits run on this thread's clock).
   */
  share () {
    if (this._clock !== systemClock) {
      const e = new TypeError(`${this.constructor.name}.share(): a limiter on a ManualClock cannot be shared between threads`)
      e.code = 'SEAWALL_INVALID_ARGUMENT'
      throw e
    }
    return handle(this.constructor.name, this._n.share(), { native: this._kind, limit: this.limit, windowMs: this._n.windowMs })
  }

  /** This thread's object for a limiter of this class shared by another thread. */
  static fromShared (h) {
    checkHandle(h, this.name)
    attaching = h
    try {
      return new this()
    } finally {
      attaching = null
    }
  }

  /** Counters (see README). */
  metrics () {
    const m = this._n.metrics()
    for (const k of Object.keys(m)) if (m[k] === undefined || m[k] === null) delete m[k]
    return m
  }

  // Takes `k` now or reserves them in core's FIFO order (`call(k, maxWaitMs)`
  // is the native reserve): { outcome: 'granted', ... } or { outcome:
  // 'waiting', waiter }. Throws RateLimitedError when due later than maxWaitMs.
  _reserveWith (k, call, ctx, options) {
    const opts = checkObject(options)
    checkKeys(opts, ['maxWaitMs'], 'reserve() options', 'SEAWALL_INVALID_ARGUMENT')
    const maxWait = opts.maxWaitMs === undefined ? 0 : native.checkDuration('maxWaitMs', opts.maxWaitMs, false, true)
    let r
    try {
      r = call(k, maxWait)
    } catch (e) {
      throw this._refused(mapNativeError(e, ctx), ctx.key)
    }
    return r.outcome === 'granted' ? grantedOf(r) : { outcome: 'waiting', waiter: new LimiterWaiter(r.wait, r.dueInMs) }
  }

  // Resolves once core grants `k` (`prep()` validates the arguments and
  // returns k; `call(k, limitMs)` is the native reserve): FIFO, no
  // barging, one count per call, one timer per due time, no polling.
  _acquireWith (prep, call, what, ctx, options) {
    let k, signal, limitMs
    try {
      k = prep()
      const opts = checkObject(options)
      checkKeys(opts, KNOWN.acquire, 'acquire() options', 'SEAWALL_INVALID_ARGUMENT')
      signal = opts.signal === undefined || opts.signal === null ? undefined : opts.signal
      if (signal !== undefined && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) throw argTypeError('signal', 'an AbortSignal', signal)
      limitMs = opts.timeoutMs === undefined ? Infinity : native.checkDuration('timeoutMs', opts.timeoutMs, false, true)
    } catch (e) {
      return Promise.reject(mapNativeError(e, ctx))
    }
    if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
    let r
    try {
      r = call(k, limitMs)
    } catch (e) {
      const err = mapNativeError(e, ctx)
      if (err instanceof RateLimitedError && limitMs > 0 && Number.isFinite(limitMs)) {
        err.message = `rate limited: ${what(k)} not available within timeoutMs ${limitMs}`
      }
      return Promise.reject(this._refused(err, ctx.key))
    }
    if (r.outcome === 'granted') return Promise.resolve()
    const clock = this._clock
    const waiter = new LimiterWaiter(r.wait, r.dueInMs)
    return new Promise((resolve, reject) => {
      let timer
      const done = () => { if (signal !== undefined) signal.removeEventListener('abort', onAbort) }
      const onAbort = () => {
        clock._cancel(timer)
        waiter.cancel()
        reject(abortReason(signal))
      }
      const tick = () => {
        const p = waiter.poll()
        if (p.outcome === 'granted') {
          done()
          resolve()
        } else if (p.outcome === 'waiting') {
          timer = clock._schedule(p.dueInMs, tick) // woken a little early: sleep the rest
        } else {
          done()
          reject(this._refused(new RateLimitedError(p.retryAfterMs === undefined ? 0 : p.retryAfterMs, 'rate limited: the reservation ended without a grant'), ctx.key))
        }
      }
      if (signal !== undefined) signal.addEventListener('abort', onAbort, { once: true })
      timer = clock._schedule(waiter.dueInMs, tick)
    })
  }
}

class UnkeyedLimiter extends BaseLimiter {
  /** Takes `n` (default 1) if available now; true when granted. */
  tryAcquire (n) {
    let ok
    try {
      if (n === undefined) {
        scratch[0] = this._id
        limiterTryAcquireOne()
        const r = scratch[0]
        if (r === GRANTED) return true
        if (r === DENIED) {
          if (listening.rejected !== 0) this._rejected(tryN(this._id, 1, true) ? 0 : scratch[1])
          return false
        }
      }
      ok = tryN(this._id, nArg(n), false)
    } catch (e) {
      throw mapNativeError(e, { n })
    }
    if (!ok && listening.rejected !== 0) this._rejected(scratch[1])
    return ok
  }

  /** Like tryAcquire, and says why: { allowed, remaining, retryAfterMs, resetAfterMs }. */
  check (n) {
    let d
    try {
      d = decision(tryN(this._id, nArg(n), false))
    } catch (e) {
      throw mapNativeError(e, { n })
    }
    if (!d.allowed && listening.rejected !== 0) this._rejected(d.retryAfterMs)
    return d
  }

  /** The answer check(n) would give, taking nothing. */
  peek (n) {
    try {
      return decision(tryN(this._id, nArg(n), true))
    } catch (e) {
      throw mapNativeError(e, { n })
    }
  }

  /** Gives back `n` taken earlier for a call that never went out. */
  refund (n) {
    if (n === 0) return // as in core: refunding nothing does nothing
    try {
      this._n.refund(nArg(n))
    } catch (e) {
      throw mapNativeError(e, { n })
    }
  }

  /**
   * Takes `n` now, or reserves them in core's FIFO order when they are due
   * within `maxWaitMs` (default 0; Infinity: any wait): `{ outcome:
   * 'granted', allowed, remaining, retryAfterMs, resetAfterMs }` or `{
   * outcome: 'waiting', waiter }` (a LimiterWaiter: `poll()` once it is
   * due, `cancel()` to give the reservation back). Throws RateLimitedError
   * when the tokens are due later than `maxWaitMs`.
   */
  reserve (n, options) {
    return this._reserveWith(nArg(n), (k, w) => this._n.reserve(k, w), { n }, options)
  }

  /**
   * Resolves once `n` are granted: core reserves them in FIFO order (no
   * barging, one count per call) and this waits until they are due on the
   * limiter's clock (one timer, no polling). Rejects with RateLimitedError
   * when they are due later than `timeoutMs`, or with the signal's reason
   * on abort (the reservation goes back).
   */
  acquire (n, options) {
    return this._acquireWith(() => nArg(n), (k, w) => this._n.reserve(k, w),
      (k) => `${k} permit${k === 1 ? '' : 's'}`, { n }, options)
  }
}

function grantedOf (r) {
  return { outcome: 'granted', allowed: r.allowed, remaining: r.remaining, retryAfterMs: r.retryAfterMs, resetAfterMs: r.resetAfterMs }
}

// A waiter dropped without poll() reaching its grant or cancel() gives its
// reservation back when it is garbage-collected.
const droppedWaits = new FinalizationRegistry((held) => { limWaitCancel(held.id) })

/** A reservation waiting for its due time (TokenBucket / SlidingWindowLimiter reserve()). */
class LimiterWaiter {
  constructor (id, dueInMs) {
    this._held = { id }
    this._done = false
    /** Milliseconds until it is due (when made or last polled). */
    this.dueInMs = dueInMs
    droppedWaits.register(this, this._held, this)
  }

  /**
   * Claims the tokens if due: `{ outcome: 'granted', ...decision }`;
   * `{ outcome: 'waiting', dueInMs }`; `{ outcome: 'refused' }`; `{
   * outcome: 'none' }` once finished.
   */
  poll () {
    if (this._done) return { outcome: 'none' }
    const p = limWaitPoll(this._held.id)
    if (p.outcome === 'waiting') {
      this._held.id = p.wait
      this.dueInMs = p.dueInMs
      return { outcome: 'waiting', dueInMs: p.dueInMs }
    }
    this._finish()
    if (p.outcome === 'granted') return grantedOf(p)
    return p.outcome === 'refused' ? { outcome: 'refused', retryAfterMs: p.retryAfterMs } : { outcome: p.outcome }
  }

  /** Gives the reservation back (later waiters keep their due times). False when finished. */
  cancel () {
    if (this._done) return false
    this._finish()
    limWaitCancel(this._held.id)
    return true
  }

  _finish () {
    this._done = true
    droppedWaits.unregister(this)
  }
}

class KeyedLimiter extends BaseLimiter {
  /** Takes `n` (default 1) for `key` if available now. */
  tryAcquire (key, n) {
    const ok = this._try(key, n)
    if (!ok && listening.rejected !== 0) this._rejected(scratch[1], key)
    return ok
  }

  _try (key, n) {
    try {
      const k = keyArg(key)
      scratch[0] = this._id
      scratch[1] = nArg(n)
      limiterTryAcquireKeyRaw(k) // raw hot call: the key read natively without allocating
      return scratch[3] === 1
    } catch (e) {
      throw mapNativeError(e, { key, n })
    }
  }

  /** Like tryAcquire, with { allowed, remaining, retryAfterMs, resetAfterMs }. */
  check (key, n) {
    const d = decision(this._try(key, n))
    if (!d.allowed && listening.rejected !== 0) this._rejected(d.retryAfterMs, key)
    return d
  }

  /**
   * The answer check(key, n) would give now, taking nothing and not
   * inserting the key (for rate-limit headers).
   */
  peek (key, n) {
    try {
      return decision(this._n.peekKey(keyArg(key), nArg(n)))
    } catch (e) {
      throw mapNativeError(e, { key, n })
    }
  }

  /** Gives back `n` taken for `key`. */
  refund (key, n) {
    if (n === 0) { keyArg(key); return } // refunding nothing does nothing
    try {
      this._n.refundKey(keyArg(key), nArg(n))
    } catch (e) {
      throw mapNativeError(e, { key, n })
    }
  }

  /**
   * Takes `n` for `key` now, or reserves them in the key's FIFO order when
   * they are due within `maxWaitMs` (see UnkeyedLimiter.reserve).
   */
  reserve (key, n, options) {
    const kk = keyArg(key)
    return this._reserveWith(nArg(n), (k, w) => this._n.reserveKey(kk, k, w), { key, n }, options)
  }

  /**
   * Resolves once `n` are granted for `key`: core's per-key FIFO wait (see
   * UnkeyedLimiter.acquire; other keys are not affected).
   */
  acquire (key, n, options) {
    let kk
    return this._acquireWith(() => { kk = keyArg(key); return nArg(n) },
      (k, w) => this._n.reserveKey(kk, k, w),
      (k) => `${k} permit${k === 1 ? '' : 's'} for ${JSON.stringify(kk)}`, { key, n }, options)
  }
}

/** GCRA token bucket: `burst` at once, refilled at `ratePerSec`. */
class TokenBucket extends UnkeyedLimiter {
  constructor (options) { super('token_bucket', options, 'TokenBucket') }
}

/** At most `limit` requests in any `windowMs` (bucketed, never over-admits). */
class SlidingWindowLimiter extends UnkeyedLimiter {
  constructor (options) { super('sliding_window', options, 'SlidingWindowLimiter') }
}

/** A token bucket per key; the table always has room for `maxKeys` keys (4 x maxKeys slots). */
class KeyedTokenBucket extends KeyedLimiter {
  constructor (options) { super('keyed_token_bucket', options, 'KeyedTokenBucket') }
}

/** A sliding window per key (the "100 requests per minute per user" case). */
class KeyedSlidingWindow extends KeyedLimiter {
  constructor (options) { super('keyed_sliding_window', options, 'KeyedSlidingWindow') }
}

// A quota policy for the headers: { name, limit, windowMs }.
function quotaPolicyOf (policy, field = 'policy') {
  if (policy instanceof BaseLimiter) return { name: 'default', limit: policy.limit, windowMs: policy._n.windowMs }
  if (policy === null || typeof policy !== 'object') throw argTypeError(field, 'a seawall rate limiter or { name, limit, windowMs }', policy)
  const name = policy.name === undefined ? 'default' : policy.name
  if (typeof name !== 'string') throw argTypeError('name', 'a string', name)
  if (policy.limiter !== undefined) {
    if (!(policy.limiter instanceof BaseLimiter)) throw argTypeError('limiter', 'a seawall rate limiter', policy.limiter)
    return { name, limit: policy.limiter.limit, windowMs: policy.limiter._n.windowMs }
  }
  if (typeof policy.limit !== 'number') throw argTypeError('limit', 'a number', policy.limit)
  return { name, limit: policy.limit, windowMs: checkArgDurationMs('windowMs', policy.windowMs) }
}

/**
 * The rate-limit response headers for a decision, written by core
 * (spec/headers.md): `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers-09), `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining`, `X-RateLimit-Reset`, and `Retry-After` when the
 * request was denied. `policy`: the limiter that decided (its quota:
 * burst and refill time, or limit and window), `{ limiter, name }`, or
 * `{ name, limit, windowMs }`.
 */
function rateLimitHeaders (d, policy) {
  if (d === null || typeof d !== 'object' || typeof d.allowed !== 'boolean') throw argTypeError('decision', 'a rate-limit decision', d)
  const q = quotaPolicyOf(policy)
  return headersFor(d, q)
}

function headersFor (d, q) {
  let pairs
  try {
    pairs = native.rateLimitHeaders(q.name, q.limit, q.windowMs, d.allowed, d.remaining, d.retryAfterMs, d.resetAfterMs)
  } catch (e) {
    throw mapNativeError(e, { name: q.name, limit: q.limit, windowMs: q.windowMs, remaining: d.remaining })
  }
  const h = {}
  for (const [k, v] of pairs) h[k] = v
  return h
}

/**
 * Express/Connect middleware `(req, res, next)` for per-client limits:
 * `key(req)` (default: req.ip or the socket address) picks the client;
 * `cost(req)` (default 1) the permits. Sets the rate-limit headers; a
 * denied request gets 429 with Retry-After (or `onLimited(req, res, next,
 * decision)` when given).
 */
function rateLimitMiddleware (options) {
  const opts = checkObject(options, 'options', true)
  checkKeys(opts, KNOWN.rateLimitMiddleware, 'rateLimitMiddleware options')
  const limiter = opts.limiter
  if (!(limiter instanceof BaseLimiter)) throw configTypeError('limiter', 'a seawall rate limiter', limiter)
  const keyed = limiter instanceof KeyedLimiter
  const keyOf = opts.key === undefined ? defaultKey : opts.key
  if (typeof keyOf !== 'function') throw configTypeError('key', 'a function', keyOf)
  const costOf = opts.cost
  if (costOf !== undefined && typeof costOf !== 'function') throw configTypeError('cost', 'a function', costOf)
  const headers = opts.headers !== false
  const onLimited = opts.onLimited
  if (onLimited !== undefined && typeof onLimited !== 'function') throw configTypeError('onLimited', 'a function', onLimited)
  const message = opts.message === undefined ? 'Too Many Requests' : String(opts.message)
  const quota = quotaPolicyOf({ limiter, name: opts.name }, 'options')
  headersFor({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, quota) // checks the name now
  return function seawallRateLimit (req, res, next) {
    let d
    try {
      const n = costOf === undefined ? 1 : costOf(req)
      d = keyed ? limiter.check(keyOf(req), n) : limiter.check(n)
    } catch (e) {
      return next(e)
    }
    let h
    if (headers || !d.allowed) h = headersFor(d, quota)
    if (headers) for (const name of Object.keys(h)) res.setHeader(name, h[name])
    if (d.allowed) return next()
    if (onLimited !== undefined) return onLimited(req, res, next, d)
    res.statusCode = 429
    if (!headers) res.setHeader('Retry-After', h['Retry-After'])
    res.setHeader('Content-Type', 'text/plain; charset=utf-8')
    res.end(message)
  }
}

function defaultKey (req) {
  if (req.ip !== undefined) return String(req.ip)
  const s = req.socket || req.connection
  return s && s.remoteAddress ? s.remoteAddress : 'unknown'
}

/** Throws RateLimitedError for a denied decision (for code that prefers exceptions). */
function rateLimitedError (d) {
  return quickError(RateLimitedError, d.retryAfterMs, undefined, { remaining: d.remaining, resetAfterMs: d.resetAfterMs })
}

module.exports = {
  TokenBucket,
  SlidingWindowLimiter,
  KeyedTokenBucket,
  KeyedSlidingWindow,
  LimiterWaiter,
  rateLimitHeaders,
  quotaPolicyOf,
  headersFor,
  rateLimitMiddleware,
  rateLimitedError,
  BaseLimiter,
  KeyedLimiter,
  TimeoutError
}
