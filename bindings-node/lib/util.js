'use strict'

// Rejections on a hot path (an open breaker, a full bulkhead, a rate limit)
// are frequent under load, and their stack would only point into seawall.
// They are real errors of their class (util.types.isNativeError, printed
// with their code when unhandled) made without capturing a stack, which
// costs ~10x the rest of the rejection. Errors of user code are never
// touched.
function quickError (Cls, a, b, c) {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  const e = new Cls(a, b, c)
  Error.stackTraceLimit = limit
  return e
}

// A promise rejected with `err` one microtask from now. Promise.reject()
// makes a promise that is rejected before the caller can attach a handler,
// which sends it through Node's unhandled-rejection bookkeeping (about a
// microsecond); rejecting after the caller's synchronous `await`/`.catch`
// skips that. Nothing else changes: a rejection nobody handles is still
// reported.
function rejectSoon (err) {
  return new Promise((resolve, reject) => queueMicrotask(() => reject(err)))
}

module.exports = { quickError, rejectSoon }
