'use strict'
// Limits that hold across hosts: limiters whose state lives in Redis
// (spec/redis.md). The same limits as KeyedTokenBucket / KeyedSlidingWindow;
// every call returns a Promise (one Redis command), so the event loop never
// blocks. When Redis cannot answer within the backend's deadline, its
// `onFailure` mode decides ('open', 'closed', or 'local': an in-memory
// limiter of the same limits); a Redis failure never rejects.
//
// The limiters' I/O runs here, on the event loop (spec/redis.md, "Node: I/O
// on the event loop"): the core's connection state (NativeRedisWire)
// decides, builds the bytes to write and turns what the socket reads into
// decisions; this file only writes, reads, connects and runs one timer.

const net = require('node:net')
const tls = require('node:tls')
const native = require('./native')
const { mapNativeError, argTypeError, configTypeError } = require('./errors')
const { checkKeys, KNOWN } = require('./options')

function checkObject (options, field) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw configTypeError(field, 'an object', options)
  return options
}

function keyArg (key) {
  if (typeof key === 'string' || Buffer.isBuffer(key)) return key
  if (typeof key === 'number' || typeof key === 'bigint') return String(key)
  throw argTypeError('key', 'a string or a Buffer', key)
}

function nArg (n) {
  return n === undefined ? 1 : n
}

const OP = { check: 0, peek: 1, refund: 2 }

function reason (e) {
  if (e === null) return 'closed by the server'
  return e.code && !String(e.message).includes(e.code) ? `${e.message} (${e.code})` : String(e.message)
}

// One backend's socket, driven by the core's connection state: writes what
// `begin` returns, feeds what it reads, settles promises by id, and arms one
// timer for the oldest decision's deadline (core answers expired ones by
// the failure mode and says to drop the socket). The socket keeps the
// process alive only while a decision is pending; the timer never does.
class Wire {
  constructor (nativeBackend) {
    this._w = new native.NativeRedisWire(nativeBackend)
    this._deadlineMs = this._w.deadlineMs
    this._sock = null
    this._pending = new Map()
    this._nextId = 1
    this._timer = null
    this._onTimer = () => this._fire()
  }

  // A promise of the decision; throws (synchronously) for bad input.
  decide (limiterN, op, key, n) {
    const id = this._nextId++
    const r = this._w.begin(limiterN, key, n, op, id)
    if (!Buffer.isBuffer(r)) return Promise.resolve(r)
    const idle = this._pending.size === 0
    const p = new Promise((resolve) => { this._pending.set(id, resolve) })
    try {
      if (this._sock === null) this._connect()
      else if (idle) this._sock.ref()
      this._sock.write(r)
    } catch (e) {
      // A connect that throws at once (tls.connect refusing the CA file,
      // say) is a failed connection like any other: the mode answers.
      const s = this._sock
      this._sock = null
      if (s !== null) s.destroy()
      this._out(this._w.closed(reason(e)))
    }
    if (this._timer === null) this._arm(this._deadlineMs)
    return p
  }

  _connect () {
    const t = this._w.target()
    let sock
    if (t.kind === 'unix') {
      sock = net.connect({ path: t.path })
    } else if (t.kind === 'tls') {
      const o = { host: t.host, port: t.port }
      if (t.ca) o.ca = t.ca
      if (!net.isIP(t.host)) o.servername = t.host
      sock = tls.connect(o)
    } else {
      sock = net.connect({ host: t.host, port: t.port })
    }
    if (t.kind !== 'unix') sock.setNoDelay(true)
    let error = null
    sock.on('data', (d) => { if (this._sock === sock) this._out(this._w.feed(d)) })
    sock.on('error', (e) => { error = e })
    sock.on('close', () => {
      if (this._sock !== sock) return
      this._sock = null
      this._out(this._w.closed(reason(error)))
    })
    this._sock = sock
  }

  _out (o) {
    if (o.drop) {
      const s = this._sock
      this._sock = null
      if (s !== null) s.destroy()
    } else if (o.send && this._sock !== null) {
      this._sock.write(o.send)
    }
    const d = o.done
    for (let i = 0; i < d.length; i += 5) {
      const resolve = this._pending.get(d[i])
      if (resolve === undefined) continue
      this._pending.delete(d[i])
      resolve({ allowed: d[i + 1] === 1, remaining: d[i + 2], retryAfterMs: d[i + 3], resetAfterMs: d[i + 4] })
    }
    if (this._pending.size === 0 && this._sock !== null) this._sock.unref()
  }

  _arm (ms) {
    this._timer = setTimeout(this._onTimer, Math.max(1, Math.ceil(ms)))
    this._timer.unref()
  }

  _fire () {
    this._timer = null
    const o = this._w.expire()
    this._out(o)
    if (o.waitMs >= 0) this._arm(o.waitMs)
  }
}

/**
 * One Redis (one URL: redis://[user][:password@]host[:port][/db],
 * rediss://... for TLS (?ssl_ca_certs=/path/ca.pem for a private CA) or
 * unix:///path.sock[?db=N&user=U&pass=P]; spec/redis.md, "The URL"),
 * shared by any number of limiters. Connects on the
 * first decision; constructing it never fails because Redis is down.
 * `{ url, deadlineMs = 50, onFailure = 'local', keyPrefix = 'seawall' }`.
 */
class RedisBackend {
  constructor (options) {
    const opts = checkObject(options, 'options')
    checkKeys(opts, KNOWN.RedisBackend, 'RedisBackend options')
    try {
      this._n = new native.NativeRedisBackend(opts)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._wire = new Wire(this._n)
  }

  /** Redis answers, errors, timeouts, fallbacks, breaker state, last error. */
  metrics () { return this._n.metrics() }
}

class RedisLimiter {
  constructor (kind, options, cls) {
    const opts = checkObject(options, 'options')
    checkKeys(opts, KNOWN[cls], `${cls} options`)
    if (!(opts.backend instanceof RedisBackend)) throw configTypeError('backend', 'a seawall RedisBackend', opts.backend)
    if (typeof opts.name !== 'string') throw configTypeError('name', 'a string', opts.name)
    const rest = Object.assign({}, opts)
    delete rest.backend
    delete rest.name
    try {
      this._n = new native.NativeRedisLimiter(kind, opts.backend._n, opts.name, rest)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
    this._wire = opts.backend._wire
    /** Capacity: burst or window limit. */
    this.limit = this._n.limit
  }

  _call (op, key, n) {
    try {
      return this._wire.decide(this._n, op, keyArg(key), nArg(n))
    } catch (e) {
      return Promise.reject(mapNativeError(e, { key, n }))
    }
  }

  /** Resolves to { allowed, remaining, retryAfterMs, resetAfterMs } for `n` (default 1) of `key`. */
  check (key, n) { return this._call(OP.check, key, n) }

  /** Resolves to whether `n` of `key` were granted. */
  tryAcquire (key, n) { return this.check(key, n).then((d) => d.allowed) }

  /** Resolves to what check() would answer, taking nothing. */
  peek (key, n) { return this._call(OP.peek, key, n) }

  /** Gives back up to `n` of `key` (granted but never sent). */
  refund (key, n) { return this._call(OP.refund, key, n).then(() => undefined) }

  /** allowed / denied, and the backend's counters. */
  metrics () { return this._n.metrics() }

  /**
   * TEST ONLY, not a feature: never call it outside a test. The decision
   * for `op` ('acquire', 'peek' or 'refund'), blocking, with the script's
   * clock set to `nowNs` (a bigint, ns since an epoch 0) instead of Redis
   * TIME, and no key expiry (spec/redis.md, "Test-only time override"): how
   * the conformance vectors run against Redis. Never mix it with the
   * real-time calls on one key.
   */
  _testOnlyDecideAt (key, n, op, nowNs) {
    try {
      return this._n._testOnlyDecideAt(keyArg(key), nArg(n), op, nowNs)
    } catch (e) {
      throw mapNativeError(e, { key, n })
    }
  }
}

/** A GCRA token bucket per key, in Redis: `{ backend, name, ratePerSec, burst }`. */
class RedisTokenBucket extends RedisLimiter {
  constructor (options) { super('token_bucket', options, 'RedisTokenBucket') }
}

/** A sliding window per key, in Redis: `{ backend, name, limit, windowMs, buckets? }`. */
class RedisSlidingWindow extends RedisLimiter {
  constructor (options) { super('sliding_window', options, 'RedisSlidingWindow') }
}

module.exports = { RedisBackend, RedisTokenBucket, RedisSlidingWindow }

/**
 * At most `maxConcurrent` permits per key held at once across hosts (a
 * bulkhead across hosts); each permit is a lease of `leaseMs` that
 * expires unless renewed, so a holder that dies frees its permit.
 * `{ backend, name, maxConcurrent, leaseMs = 30000 }`. Calls run on the
 * libuv pool (never on the event loop).
 */
class RedisConcurrencyLimit {
  constructor (options) {
    const opts = checkObject(options, 'options')
    checkKeys(opts, KNOWN.RedisConcurrencyLimit, 'RedisConcurrencyLimit options')
    if (!(opts.backend instanceof RedisBackend)) throw configTypeError('backend', 'a seawall RedisBackend', opts.backend)
    if (typeof opts.name !== 'string') throw configTypeError('name', 'a string', opts.name)
    const rest = Object.assign({}, opts)
    delete rest.backend
    delete rest.name
    try {
      this._n = new native.NativeRedisConcurrencyLimit(opts.backend._n, opts.name, rest)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
  }

  /** Resolves to { lease (or null when full), inUse, retryAfterMs }. */
  tryAcquire (key) {
    let k
    try { k = keyArg(key) } catch (e) { return Promise.reject(e) }
    if (typeof k !== 'string') return Promise.reject(argTypeError('key', 'a string', key))
    return this._n.tryAcquire(k).then(
      (d) => ({ lease: d.lease || null, inUse: d.inUse, retryAfterMs: d.retryAfterMs }),
      (e) => { throw mapNativeError(e, { key }) })
  }

  /** Resolves to whether the lease was still held. */
  release (lease) { return this._n.release(lease) }

  /** Resolves to whether the lease was still held (and is now extended). */
  renew (lease) { return this._n.renew(lease) }
}

/**
 * Feature flags in Redis: `isEnabled(flag, default)` read with a local cache
 * (`cacheTtlMs`, default 1000), `default` when never set or Redis cannot
 * answer; `set(flag, on)`; `disable(flag, forMs)` turns it off everywhere
 * for a while. `{ backend, namespace, cacheTtlMs? }`.
 */
class RedisFeatureFlags {
  constructor (options) {
    const opts = checkObject(options, 'options')
    checkKeys(opts, KNOWN.RedisFeatureFlags, 'RedisFeatureFlags options')
    if (!(opts.backend instanceof RedisBackend)) throw configTypeError('backend', 'a seawall RedisBackend', opts.backend)
    if (typeof opts.namespace !== 'string') throw configTypeError('namespace', 'a string', opts.namespace)
    const rest = Object.assign({}, opts)
    delete rest.backend
    delete rest.namespace
    try {
      this._n = new native.NativeRedisFeatureFlags(opts.backend._n, opts.namespace, rest)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
  }

  _call (method, flag, arg) {
    if (typeof flag !== 'string') return Promise.reject(argTypeError('flag', 'a string', flag))
    return this._n[method](flag, arg).catch((e) => { throw mapNativeError(e, { flag }) })
  }

  isEnabled (flag, defaultValue = false) { return this._call('isEnabled', flag, Boolean(defaultValue)) }
  set (flag, on) { return this._call('set', flag, Boolean(on)) }
  disable (flag, forMs) {
    if (typeof forMs !== 'number') return Promise.reject(argTypeError('forMs', 'a number', forMs))
    return this._call('disable', flag, forMs)
  }
}

module.exports.RedisConcurrencyLimit = RedisConcurrencyLimit
module.exports.RedisFeatureFlags = RedisFeatureFlags
