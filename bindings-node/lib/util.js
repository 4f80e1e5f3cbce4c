'use strict'

// Rejections on a hot path (an open breaker, a full bulkhead, a rate limit)
// are frequent under load, and their stack would only point into seawall.
// They are made without running the Error constructor (which costs about a
// microsecond even without a stack): an object of the error class with
// `message`, `code` and data, `instanceof` its class and Error, and a
// `stack` that says no stack was captured. Errors of user code are never
// touched.
function quickError (Cls, ...args) {
  const e = Object.create(Cls.prototype)
  Cls.fill(e, ...args)
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
