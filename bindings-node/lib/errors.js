'use strict'
// Error classes, and the one place native errors are mapped to them.

function lazyMessage (C, make) {
  Object.defineProperty(C.prototype, 'message', {
    configurable: true,
    get () { return make(this) },
    set (v) { Object.defineProperty(this, 'message', { value: v, writable: true, configurable: true }) }
  })
}

class SeawallError extends Error {
  constructor (message, code, options) {
    super(message, options)
    // A user's subclass is named after itself (seawall's own are named on
    // their prototypes below).
    if (new.target.prototype.name !== new.target.name) this.name = new.target.name
    this.code = code
  }
}

// The default messages of the frequent rejections are made when read (a
// getter on the prototype), not for every rejection: formatting the number
// cost as much as the rest of the error.
class CircuitOpenError extends SeawallError {
  constructor (retryAfterMs, message) {
    super(message || undefined, 'SEAWALL_CIRCUIT_OPEN')
    this.retryAfterMs = retryAfterMs
  }
}
lazyMessage(CircuitOpenError, (e) => `circuit open; retry after ${fmtMs(e.retryAfterMs)}`)

class RateLimitedError extends SeawallError {
  constructor (retryAfterMs, message, extra) {
    super(message || undefined, 'SEAWALL_RATE_LIMITED')
    this.retryAfterMs = retryAfterMs
    if (extra) Object.assign(this, extra)
  }
}
lazyMessage(RateLimitedError, (e) => `rate limited; retry after ${fmtMs(e.retryAfterMs)}`)

class BulkheadFullError extends SeawallError {
  constructor (message) {
    super(message || 'bulkhead full', 'SEAWALL_BULKHEAD_FULL')
  }
}

class TimeoutError extends SeawallError {
  constructor (timeoutMs, message, options) {
    super(message || `timed out after ${fmtMs(timeoutMs)}`, 'SEAWALL_TIMEOUT', options)
    this.timeoutMs = timeoutMs
  }
}

class RetryExhaustedError extends SeawallError {
  /** `reason`: why the retry run gave up (`attempts`, `elapsed`, `deadline`). */
  constructor (attempts, cause, message, reason = 'attempts') {
    super(message || `retry exhausted after ${attempts} attempt${attempts === 1 ? '' : 's'}` +
      (cause && cause.message ? `: ${cause.message}` : ''), 'SEAWALL_RETRY_EXHAUSTED', { cause })
    this.attempts = attempts
    this.reason = reason
  }
}

class RetryBudgetExhaustedError extends SeawallError {
  constructor (message, attempts, cause) {
    super(message || 'retry budget exhausted', 'SEAWALL_RETRY_BUDGET_EXHAUSTED', cause === undefined ? undefined : { cause })
    this.attempts = attempts === undefined ? 0 : attempts
  }
}

class InjectedFaultError extends SeawallError {
  constructor (message) {
    super(message || 'injected fault', 'SEAWALL_INJECTED_FAULT')
  }
}

// Names on the prototypes: set once, not per error.
for (const C of [SeawallError, CircuitOpenError, RateLimitedError, BulkheadFullError, TimeoutError,
  RetryExhaustedError, RetryBudgetExhaustedError, InjectedFaultError]) {
  Object.defineProperty(C.prototype, 'name', { value: C.name, writable: true, configurable: true })
}

function fmtMs (ms) {
  return `${Math.round(ms * 1000) / 1000} ms`
}

const CODE = {
  invalid_config: 'SEAWALL_INVALID_CONFIG',
  invalid_argument: 'SEAWALL_INVALID_ARGUMENT',
  shared_region: 'SEAWALL_SHARED_REGION'
}

// Native code throws real errors (src/error.rs): an Error, TypeError or
// RangeError whose `code` is core's SEAWALL_<KIND> and whose structured
// fields are properties (`field`, `retryAfterMs`, `attempts`, `reason`).
// The choice: native throws built-in errors with the code, and this switch
// (the one place, no message parsing) makes the public classes, whose
// constructors stay in JS; a config or argument error is already the right
// TypeError / RangeError and only gets its offending `value` here, from
// `values` (the options object or an object of arguments), which only the
// caller knows. Anything else (a user's error, an error already mapped,
// napi's own argument errors) is returned unchanged.
function mapNativeError (err, values) {
  if (!isNativeError(err)) return err
  switch (err.code) {
    case CODE.invalid_config:
    case CODE.invalid_argument:
      if (values && typeof values === 'object' && typeof err.field === 'string' && err.field in values &&
        !Object.prototype.hasOwnProperty.call(err, 'value')) err.value = values[err.field]
      return err
    case 'SEAWALL_CIRCUIT_OPEN': return new CircuitOpenError(err.retryAfterMs)
    case 'SEAWALL_RATE_LIMITED': return new RateLimitedError(err.retryAfterMs)
    case 'SEAWALL_BULKHEAD_FULL': return new BulkheadFullError()
    case 'SEAWALL_TIMEOUT': return new TimeoutError(NaN, 'timed out')
    case 'SEAWALL_RETRY_BUDGET_EXHAUSTED': return new RetryBudgetExhaustedError(undefined, err.attempts)
    case 'SEAWALL_RETRY_EXHAUSTED': return new RetryExhaustedError(err.attempts === undefined ? 0 : err.attempts, undefined, undefined, err.reason)
    case 'SEAWALL_INJECTED_FAULT': return new InjectedFaultError()
    default: return new SeawallError(err.message, err.code) // shared_region, and kinds added later
  }
}

// An error the native layer made: a built-in class (not one of ours) with a
// seawall code.
function isNativeError (err) {
  if (err === null || typeof err !== 'object' || typeof err.code !== 'string' || !err.code.startsWith('SEAWALL_')) return false
  const p = Object.getPrototypeOf(err)
  return p === Error.prototype || p === TypeError.prototype || p === RangeError.prototype
}

// Validation of arguments done in JS (not config): one helper so the words
// match the native ones.
function argTypeError (field, expected, value) {
  const e = new TypeError(`${field} must be ${expected}, got ${describe(value)}`)
  e.code = CODE.invalid_argument
  e.field = field
  e.value = value
  return e
}

// A measured duration passed to a call (ms): a finite number >= 0. NaN,
// negative or infinite durations are refused, never recorded as 0.
function checkArgDurationMs (field, value) {
  if (typeof value !== 'number') throw argTypeError(field, 'a number of milliseconds', value)
  if (!(value >= 0) || value === Infinity) {
    const e = new RangeError(`${field} must be a finite number of milliseconds >= 0, got ${describe(value)}`)
    e.code = CODE.invalid_argument
    e.field = field
    e.value = value
    throw e
  }
  return value + 0
}

function configTypeError (field, expected, value) {
  const e = new TypeError(`${field} must be ${expected}, got ${describe(value)}`)
  e.code = CODE.invalid_config
  e.field = field
  e.value = value
  return e
}

// What postMessage makes of a seawall object: a plain object with the
// instance's own fields (its native half is an empty object).
function isDeadCopy (v) {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype &&
    (Object.prototype.hasOwnProperty.call(v, '_n') || Object.prototype.hasOwnProperty.call(v, '_native'))
}
const DEAD_COPY = 'a plain copy of a seawall object (objects posted to a worker thread arrive as dead copies: ' +
  'post x.share() and use Class.fromShared(handle) in the worker, or make the object in the worker)'

function describe (v) {
  if (v === null) return 'null'
  if (isDeadCopy(v)) return DEAD_COPY
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
  if (typeof v === 'function') return 'a function'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`
}

module.exports = {
  SeawallError,
  CircuitOpenError,
  RateLimitedError,
  BulkheadFullError,
  TimeoutError,
  RetryExhaustedError,
  RetryBudgetExhaustedError,
  InjectedFaultError,
  mapNativeError,
  argTypeError,
  checkArgDurationMs,
  configTypeError,
  describe,
  isDeadCopy
}
