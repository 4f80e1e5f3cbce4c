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

module.exports = { quickError }
