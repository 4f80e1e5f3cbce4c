'use strict'
// Shared-memory regions (spec/shared_memory.md): a TokenBucket, Bulkhead
// or CircuitBreaker built with { region, name } keeps its state in a file
// every process of the host maps, so Node cluster / PM2 workers share one
// limit, one bulkhead, one breaker.

const native = require('./native')
const { mapNativeError, argTypeError, configTypeError } = require('./errors')
const { checkKeys } = require('./options')

class SharedRegion {
  /**
   * Opens the region `name` (created if missing): a name with no `/` after
   * its first character is a file in /dev/shm ('/payments' is
   * /dev/shm/payments); anything else is a path. `size` and `slots` are used
   * only by the process that creates the file. File mode 0600.
   */
  constructor (name, options) {
    if (typeof name !== 'string') throw argTypeError('name', 'a string', name)
    if (options !== undefined && (options === null || typeof options !== 'object')) throw argTypeError('options', 'an object', options)
    const opts = options === undefined ? {} : options
    checkKeys(opts, ['size', 'slots'], 'SharedRegion options')
    try {
      this._n = new native.NativeSharedRegion(name, opts.size, opts.slots)
    } catch (e) {
      throw mapNativeError(e, { name, ...opts })
    }
    /** The file backing the region. */
    this.path = this._n.path
  }

  /** Total bytes of the region. */
  get size () { return this._n.size }

  /** Deletes the region file (processes that have it open keep it mapped). */
  static remove (name) {
    if (typeof name !== 'string') throw argTypeError('name', 'a string', name)
    try {
      native.NativeSharedRegion.remove(name)
    } catch (e) {
      throw mapNativeError(e, { name })
    }
  }
}

// The options a native constructor gets: `region` becomes its file path.
// `name` names the instance (its registry entry) and, with `region`, its
// slot there; a primitive that is not registered (keyed limiters) needs a
// region for it.
function regionOptions (opts, nameAloneOk) {
  if (opts.region === undefined || opts.region === null) {
    if (!nameAloneOk && opts.name !== undefined) {
      const e = new RangeError('name names a primitive in a SharedRegion: pass region too (got name without it)')
      e.code = 'SEAWALL_INVALID_CONFIG'
      e.field = 'name'
      e.value = opts.name
      throw e
    }
    return opts
  }
  if (!(opts.region instanceof SharedRegion)) throw configTypeError('region', 'a seawall.SharedRegion', opts.region)
  const o = { ...opts, regionPath: opts.region.path }
  delete o.region
  return o
}

module.exports = { SharedRegion, regionOptions }
