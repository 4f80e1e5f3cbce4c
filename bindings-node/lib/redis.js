'use strict'
// Limits that hold across hosts: limiters whose state lives in Redis
// (spec/redis.md). The same limits as KeyedTokenBucket / KeyedSlidingWindow;
// every call returns a Promise (one Redis command, done in the core on its
// own runtime thread), so the event loop never blocks. When Redis cannot
// answer within the backend's deadline, its `onFailure` mode decides
// ('open', 'closed', or 'local': an in-memory limiter of the same limits);
// a Redis failure never rejects.

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
  }

  /** Redis answers, errors, timeouts, fallbacks, breaker state, last error. */
  metrics () { return this._n.metrics() }
}

class RedisLimiter {
  constructor (kind, options) {
    const opts = checkObject(options, 'options')
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
    /** Capacity: burst or window limit. */
    this.limit = this._n.limit
  }

  _call (method, key, n) {
    let p
    try {
      p = this._n[method](keyArg(key), nArg(n))
    } catch (e) {
      return Promise.reject(mapNativeError(e, { key, n }))
    }
    return p.catch((e) => { throw mapNativeError(e, { key, n }) })
  }

  /** Resolves to { allowed, remaining, retryAfterMs, resetAfterMs } for `n` (default 1) of `key`. */
  check (key, n) { return this._call('check', key, n) }

  /** Resolves to whether `n` of `key` were granted. */
  tryAcquire (key, n) { return this.check(key, n).then((d) => d.allowed) }

  /** Resolves to what check() would answer, taking nothing. */
  peek (key, n) { return this._call('peek', key, n) }

  /** Gives back up to `n` of `key` (granted but never sent). */
  refund (key, n) { return this._call('refund', key, n).then(() => undefined) }

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
  constructor (options) { super('token_bucket', options) }
}

/** A sliding window per key, in Redis: `{ backend, name, limit, windowMs, buckets? }`. */
class RedisSlidingWindow extends RedisLimiter {
  constructor (options) { super('sliding_window', options) }
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
