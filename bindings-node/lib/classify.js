'use strict'
// Default retry classification. The tables (statuses, kinds, error codes)
// come from core's classify module, read once at load; nothing is listed here.

const native = require('./native')
const {
  TimeoutError, RateLimitedError, InjectedFaultError, CircuitOpenError,
  BulkheadFullError, RetryBudgetExhaustedError, RetryExhaustedError
} = require('./errors')

const tables = native.classifyTables()
const RETRYABLE_STATUSES = Object.freeze(tables.statuses.slice())
const RETRYABLE_KINDS = Object.freeze(tables.kinds.slice())
const CODE_KINDS = Object.freeze(Object.fromEntries(tables.codes))
const statusSet = new Set(RETRYABLE_STATUSES)
const kindSet = new Set(RETRYABLE_KINDS)
const codeMap = new Map(tables.codes)

/** Whether an HTTP status is retried by default (408, 429, 500, 502, 503, 504). */
function isRetryableStatus (status) { return statusSet.has(status) }
/** Whether a failure kind wire name is retryable. */
function isRetryableKind (kind) { return kindSet.has(kind) }
/** The failure kind of an error code (`ECONNRESET` → 'connection_reset'), or null. */
function kindForCode (code) {
  const k = codeMap.get(code)
  return k === undefined ? null : k
}

function statusOf (e) {
  if (typeof e.status === 'number') return e.status
  if (typeof e.statusCode === 'number') return e.statusCode
  const r = e.response
  if (r !== null && typeof r === 'object') {
    if (typeof r.status === 'number') return r.status
    if (typeof r.statusCode === 'number') return r.statusCode
  }
  return undefined
}

/**
 * The default retry decision: network error codes from core's table
 * (`err.code`, also on `err.cause` as undici's fetch reports them), HTTP
 * statuses on `err.status` / `err.statusCode` / `err.response.status`,
 * and seawall's own timeouts, rate limits and injected faults. An open
 * breaker, a full bulkhead or an exhausted budget is not retried.
 */
function isRetryableError (err) {
  let e = err
  for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
    if (e instanceof TimeoutError || e instanceof RateLimitedError || e instanceof InjectedFaultError) return true
    if (e instanceof CircuitOpenError || e instanceof BulkheadFullError ||
        e instanceof RetryBudgetExhaustedError || e instanceof RetryExhaustedError) return false
    if (typeof e.code === 'string' && codeMap.has(e.code)) return true
    const status = statusOf(e)
    if (status !== undefined) return statusSet.has(status)
    e = e.cause
  }
  return false
}

function headerOf (headers, name) {
  if (headers === null || typeof headers !== 'object') return undefined
  if (typeof headers.get === 'function') {
    const v = headers.get(name)
    return v === null ? undefined : v
  }
  const v = headers[name] !== undefined ? headers[name] : headers[name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())]
  return Array.isArray(v) ? v[0] : v
}

/** Parses a Retry-After header value (seconds, or an HTTP date) to ms. */
function parseRetryAfter (value, nowMs = Date.now()) {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
  if (typeof value !== 'string') return undefined
  const s = value.trim()
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000
  const at = Date.parse(s)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/**
 * The server's Retry-After hint carried by an error, in ms: a seawall
 * rejection's `retryAfterMs`, or a `retry-after` header on `err.headers` /
 * `err.response.headers`.
 */
function retryAfterOf (err) {
  if (err === null || typeof err !== 'object') return undefined
  if (typeof err.retryAfterMs === 'number' && Number.isFinite(err.retryAfterMs) && err.retryAfterMs >= 0) return err.retryAfterMs
  const h = headerOf(err.headers, 'retry-after') ?? (err.response ? headerOf(err.response.headers, 'retry-after') : undefined)
  return h === undefined ? undefined : parseRetryAfter(h)
}

module.exports = {
  RETRYABLE_STATUSES,
  RETRYABLE_KINDS,
  CODE_KINDS,
  isRetryableStatus,
  isRetryableKind,
  kindForCode,
  isRetryableError,
  retryAfterOf,
  parseRetryAfter
}
