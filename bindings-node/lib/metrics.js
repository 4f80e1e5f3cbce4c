'use strict'
// Names, registries, Prometheus text, health, Express middleware and the
// prom-client integration (spec/metrics.md). The text and the health JSON
// are rendered by the Rust core, identical in every language; naming costs
// nothing per call (export reads each object's existing counters).

const native = require('./native')
const { mapNativeError, argTypeError } = require('./errors')

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

class Registry {
  /** `new Registry({ namespace })`: families start with `namespace + '_'` (default 'seawall'). */
  constructor (options, _native) {
    if (_native !== undefined) {
      this._n = _native
      return
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw argTypeError('options', 'an object', options)
    }
    const opts = options || {}
    for (const k of Object.keys(opts)) {
      if (k !== 'namespace') throw argTypeError('options', 'an object with only namespace', opts)
    }
    if (opts.namespace !== undefined && typeof opts.namespace !== 'string') {
      throw argTypeError('namespace', 'a string', opts.namespace)
    }
    try {
      this._n = new native.NativeRegistry(opts.namespace)
    } catch (e) {
      throw mapNativeError(e, opts)
    }
  }

  get namespace () { return this._n.namespace }
  /** Registered names, sorted. */
  names () { return this._n.names() }
  has (name) { return typeof name === 'string' && this._n.has(name) }
  /** Prometheus text exposition format 0.0.4. */
  prometheusText () { return this._n.prometheusText() }
  /** `{ status: 'ok' | 'degraded', instances: [...] }` as plain data. */
  health () { return JSON.parse(this._n.healthJson()) }

  /** Registers `obj` as `name`; the entry lives as long as `obj` (or until `close()` on the result). */
  register (obj, name, labels) {
    if (typeof name !== 'string') throw argTypeError('name', 'a string', name)
    const keys = []
    const values = []
    if (labels !== undefined) {
      if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
        throw argTypeError('labels', 'an object of string values', labels)
      }
      for (const k of Object.keys(labels)) {
        if (typeof labels[k] !== 'string') throw argTypeError('labels', 'an object of string values', labels[k])
        keys.push(k)
        values.push(labels[k])
      }
    }
    // A Retry's counters are its backoff's (schedules, retries, give-ups).
    if (obj !== null && typeof obj === 'object' && obj.constructor && obj.constructor.name === 'Retry' && obj.backoff) obj = obj.backoff
    const n = obj !== null && typeof obj === 'object' ? obj._n : undefined
    let method
    if (n instanceof native.NativeCircuitBreaker) method = 'registerBreaker'
    else if (n instanceof native.NativeRateLimiter) method = 'registerLimiter'
    else if (n instanceof native.NativeBulkhead) method = 'registerBulkhead'
    else if (n instanceof native.NativeAdaptiveTimeout) method = 'registerAdaptiveTimeout'
    else if (n instanceof native.NativeFaultInjector) method = 'registerFaultInjector'
    else if (n instanceof native.NativeRetryBudget) method = 'registerRetryBudget'
    else if (n instanceof native.NativeBackoff) method = 'registerBackoff'
    else {
      throw argTypeError('obj', 'a CircuitBreaker, TokenBucket, SlidingWindowLimiter, KeyedTokenBucket, KeyedSlidingWindow, Bulkhead, AdaptiveTimeout, FaultInjector, RetryBudget, Backoff or Retry', obj)
    }
    let h
    try {
      h = this._n[method](n, name, keys, values)
    } catch (e) {
      throw mapNativeError(e, { name, labels })
    }
    // The object holds its registrations: collecting it collects them,
    // which unregisters.
    if (!Object.prototype.hasOwnProperty.call(obj, '_registrations')) {
      Object.defineProperty(obj, '_registrations', { value: [], enumerable: false })
    }
    obj._registrations.push(h)
    return h
  }
}

/** The process-wide registry named instances join unless given `registry`. */
const defaultRegistry = new Registry(undefined, native.NativeRegistry.defaultRegistry())

function registryOf (registry) {
  if (registry === undefined) return defaultRegistry
  if (!(registry instanceof Registry)) throw argTypeError('registry', 'a seawall Registry', registry)
  return registry
}

function register (obj, name, options) {
  const o = options || {}
  return registryOf(o.registry).register(obj, name, o.labels)
}

// Constructor helper: registers when `name` is given.
// With `region`, `name` is the slot's, which every object of this process
// that attaches to it shares: such an object is registered only when
// `labels` or `registry` asks for it (register one of them).
function attach (obj, opts) {
  if (opts.region != null && opts.labels === undefined && opts.registry === undefined) return
  if (opts.name === undefined) {
    if (opts.labels !== undefined) throw argTypeError('labels', 'given with a name', opts.labels)
    if (opts.registry !== undefined) throw argTypeError('registry', 'given with a name', opts.registry)
    return
  }
  register(obj, opts.name, { labels: opts.labels, registry: opts.registry })
}

// An event listener threw: handed to 'listenerError' listeners when there
// are any, else emitted once as a process warning. Never rethrown.
function reportListenerError (emitter, err) {
  try {
    if (emitter.listenerCount('listenerError') > 0) {
      emitter.emit('listenerError', err)
      return
    }
  } catch (e) {
    err = e
  }
  const w = new Error(`a seawall event listener threw (the call was not affected): ${err instanceof Error ? err.message : String(err)}`)
  w.name = 'SeawallListenerError'
  w.code = 'SEAWALL_LISTENER_ERROR'
  w.cause = err
  process.emitWarning(w)
}

function prometheusText (registry) { return registryOf(registry).prometheusText() }
function health (registry) { return registryOf(registry).health() }

/**
 * Express/Connect (and plain `http`) middleware serving `GET metricsPath`
 * and `GET healthPath`; other requests go to `next()` (404 without one).
 * /health answers 200 either way: an open breaker means a dependency is
 * failing, not this process.
 */
function metricsMiddleware (options) {
  const o = options || {}
  const reg = registryOf(o.registry)
  const metricsPath = o.metricsPath === undefined ? '/metrics' : o.metricsPath
  const healthPath = o.healthPath === undefined ? '/health' : o.healthPath
  return function seawallMetrics (req, res, next) {
    const url = req.url || '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    if (req.method === 'GET' || req.method === 'HEAD') {
      let body, ctype
      if (path === metricsPath) {
        body = reg.prometheusText()
        ctype = CONTENT_TYPE
      } else if (path === healthPath) {
        body = reg._n.healthJson()
        ctype = 'application/json'
      }
      if (body !== undefined) {
        res.statusCode = 200
        res.setHeader('Content-Type', ctype)
        res.setHeader('Content-Length', Buffer.byteLength(body))
        res.end(req.method === 'HEAD' ? undefined : body)
        return
      }
    }
    if (typeof next === 'function') return next()
    res.statusCode = 404
    res.end('not found\n')
  }
}

// Parses seawall's own exposition (one family after another, HELP then
// TYPE then samples) into prom-client's metric shape.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g
function unescape (v) {
  return v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
}
function families (text) {
  const out = new Map()
  let cur
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const sp = line.indexOf(' ', 7)
      cur = { name: line.slice(7, sp), help: line.slice(sp + 1).replace(/\\n/g, '\n').replace(/\\\\/g, '\\'), type: 'untyped', values: [] }
      out.set(cur.name, cur)
    } else if (line.startsWith('# TYPE ')) {
      cur.type = line.slice(line.lastIndexOf(' ') + 1)
    } else if (line !== '') {
      const m = SAMPLE.exec(line)
      if (!m) continue
      const labels = {}
      for (const l of m[2].matchAll(LABEL)) labels[l[1]] = unescape(l[2])
      cur.values.push({ labels, value: Number(m[3]) })
    }
  }
  return out
}

/**
 * Joins a prom-client registry: `promClientCollector(require('prom-client').register)`.
 * Registers one prom-client metric per seawall family (all of them, read
 * at scrape time). prom-client itself is not a dependency of seawall.
 */
function promClientCollector (promRegistry, options) {
  if (promRegistry === null || typeof promRegistry !== 'object' || typeof promRegistry.registerMetric !== 'function') {
    throw argTypeError('promRegistry', 'a prom-client Registry', promRegistry)
  }
  const reg = registryOf((options || {}).registry)
  // One render per scrape: prom-client asks every metric in the same turn.
  let cached
  const current = () => {
    if (cached === undefined) {
      cached = families(reg.prometheusText())
      queueMicrotask(() => { cached = undefined })
    }
    return cached
  }
  const metrics = native.metricFamilies(reg.namespace).map(([name, type, help]) => ({
    name,
    help,
    type,
    aggregator: 'sum',
    get () {
      const f = current().get(name)
      return { name, help, type, aggregator: 'sum', values: f ? f.values : [] }
    },
    reset () {}
  }))
  for (const m of metrics) promRegistry.registerMetric(m)
  return metrics
}

/**
 * One OpenTelemetry observable instrument per seawall family on `meter`
 * (an @opentelemetry/api Meter: `metrics.getMeter('seawall')`), read when
 * the SDK collects. Counters drop the `_total` suffix (exporters add it);
 * times stay in seconds (unit 's'). @opentelemetry/api is not a
 * dependency of seawall: pass the meter.
 */
function instrumentOpenTelemetry (meter, options) {
  if (meter === null || typeof meter !== 'object' || typeof meter.createObservableGauge !== 'function') {
    throw argTypeError('meter', 'an OpenTelemetry Meter', meter)
  }
  const reg = registryOf((options || {}).registry)
  let cached
  const current = () => {
    if (cached === undefined) {
      cached = new Map(reg._n.collect().map((f) => [f.name, f]))
      queueMicrotask(() => { cached = undefined })
    }
    return cached
  }
  return reg._n.collect().map((f) => {
    const unit = f.name.endsWith('_seconds') ? 's' : '1'
    const opts = { description: f.help, unit }
    const inst = f.kind === 'counter'
      ? meter.createObservableCounter(f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name, opts)
      : meter.createObservableGauge(f.name, opts)
    inst.addCallback((result) => {
      const fam = current().get(f.name)
      if (!fam) return
      for (const s of fam.samples) {
        const attrs = {}
        for (let i = 0; i < s.keys.length; i++) attrs[s.keys[i]] = s.values[i]
        result.observe(s.value, attrs)
      }
    })
    return inst
  })
}

module.exports = {
  instrumentOpenTelemetry,
  Registry,
  defaultRegistry,
  register,
  attach,
  reportListenerError,
  prometheusText,
  health,
  metricsMiddleware,
  promClientCollector,
  CONTENT_TYPE
}
