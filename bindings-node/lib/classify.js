'use strict'
// Default retry classification. The tables (statuses, kinds, error codes)
// come from core's classify module, read once at load; nothing is listed here.

const native = require('./native')
const { argTypeError, mapNativeError } = require('./errors')

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

// seawall's own error classes and their core kinds (lib/errors.js).
const { SeawallError } = require('./errors')
const SEAWALL_KINDS = new Map([
  ['SEAWALL_INVALID_CONFIG', 'invalid_config'],
  ['SEAWALL_INVALID_ARGUMENT', 'invalid_argument'],
  ['SEAWALL_CIRCUIT_OPEN', 'circuit_open'],
  ['SEAWALL_RATE_LIMITED', 'rate_limited'],
  ['SEAWALL_BULKHEAD_FULL', 'bulkhead_full'],
  ['SEAWALL_TIMEOUT', 'timeout'],
  ['SEAWALL_RETRY_BUDGET_EXHAUSTED', 'retry_budget_exhausted'],
  ['SEAWALL_INJECTED_FAULT', 'injected_fault'],
  ['SEAWALL_RETRY_EXHAUSTED', 'retry_exhausted']
])

/** The core kind of a seawall error (`'rate_limited'`), or null for any other value. */
function seawallKindOf (e) {
  if (!(e instanceof SeawallError) && !(e instanceof Error && typeof e.code === 'string' && e.code.startsWith('SEAWALL_'))) return null
  const k = SEAWALL_KINDS.get(e.code)
  return k === undefined ? null : k
}

const MAX_CHAIN = 32

// One error as a link of core's cause-chain rule: its seawall kind, its
// transport failure kind (a Node system / undici error code, or a
// DOMException TimeoutError), its HTTP status (`status`, `statusCode`,
// `response.status`), and its Retry-After hint.
function linkOf (e) {
  const link = {}
  if (e === null || (typeof e !== 'object' && typeof e !== 'function')) return link
  const sk = seawallKindOf(e)
  if (sk !== null) link.seawall = sk
  else {
    if (typeof e.code === 'string') {
      const t = codeMap.get(e.code)
      if (t !== undefined) link.transport = t
    }
    if (link.transport === undefined && e.name === 'TimeoutError' && kindSet.has('timed_out')) link.transport = 'timed_out'
    const status = statusOf(e)
    if (status !== undefined) link.status = status
  }
  const ra = hintOf(e)
  if (ra !== undefined) link.retryAfterMs = ra
  return link
}

/**
 * Core's verdict on an error: `{ retryable, retryAfterMs, decidedBy }` by
 * the cause-chain rule of spec/classify.md over `err`, `err.cause`, ...
 */
function classifyError (err) {
  const links = []
  const seen = new Set()
  let e = err
  while (links.length < MAX_CHAIN) {
    links.push(linkOf(e))
    if (e === null || (typeof e !== 'object' && typeof e !== 'function') || seen.has(e)) break
    seen.add(e)
    let next
    try { next = e.cause } catch { break }
    if (next === undefined) break
    e = next
  }
  const v = native.classifyChain(links)
  return { retryable: v.retryable, retryAfterMs: v.retryAfterMs == null ? undefined : v.retryAfterMs, decidedBy: v.decidedBy == null ? null : v.decidedBy }
}

/**
 * The default retry decision (core's): network error codes from core's
 * table (`err.code`, also down the `cause` chain as undici's fetch reports
 * them), HTTP statuses on `err.status` / `err.statusCode` /
 * `err.response.status`, and seawall's own errors by their kind.
 */
function isRetryableError (err) {
  return classifyError(err).retryable
}

/** Whether a seawall error kind (`'rate_limited'`) is retried by default (core's table). */
function isRetryableErrorKind (kind) {
  if (typeof kind !== 'string') throw argTypeError('kind', 'a seawall error kind', kind)
  try {
    return native.isRetryableErrorKind(kind)
  } catch (e) {
    throw mapNativeError(e, { kind })
  }
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

/**
 * Parses a Retry-After header value (delay-seconds, or an HTTP date against
 * `nowMs`, Unix ms) to ms, by core's rule; undefined when it is not one.
 */
function parseRetryAfter (value, nowMs = Date.now()) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined
    value = String(value)
  }
  if (typeof value !== 'string') return undefined
  if (typeof nowMs !== 'number') throw argTypeError('nowMs', 'a number of Unix ms', nowMs)
  const ms = native.parseRetryAfterMs(value, nowMs)
  return ms == null ? undefined : ms
}

// The hint of one error (not its causes).
function hintOf (e) {
  let ra
  try {
    ra = e.retryAfterMs
    if (typeof ra === 'number' && Number.isFinite(ra) && ra >= 0) return ra
    const h = headerOf(e.headers, 'retry-after') ?? (e.response !== null && typeof e.response === 'object' ? headerOf(e.response.headers, 'retry-after') : undefined)
    return h === undefined ? undefined : parseRetryAfter(h)
  } catch {
    return undefined
  }
}

/**
 * The server's Retry-After hint carried by an error, in ms: a seawall
 * rejection's `retryAfterMs`, or a `retry-after` header on `err.headers` /
 * `err.response.headers` (parsed by core).
 */
function retryAfterOf (err) {
  if (err === null || typeof err !== 'object') return undefined
  return hintOf(err)
}

/**
 * What an error counts as for a breaker (core's outcome mapping):
 * `'success'`, `'failure'` or `'ignored'`. `recorded`: the isFailure
 * answer (undefined when there is none).
 */
function outcomeOf (err, recorded, ignored = false) {
  let sk = null
  let e = err
  for (let i = 0; i < MAX_CHAIN && e !== null && typeof e === 'object'; i++) {
    sk = seawallKindOf(e)
    if (sk !== null) break
    e = e.cause
  }
  return native.outcomeForError(ignored, recorded === undefined ? null : recorded, sk)
}

module.exports = {
  RETRYABLE_STATUSES,
  RETRYABLE_KINDS,
  CODE_KINDS,
  isRetryableStatus,
  isRetryableKind,
  kindForCode,
  isRetryableError,
  isRetryableErrorKind,
  classifyError,
  seawallKindOf,
  outcomeOf,
  retryAfterOf,
  parseRetryAfter
}
