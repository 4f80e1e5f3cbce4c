'use strict'

// Rejections on a hot path (an open breaker, a full bulkhead, a rate limit)
// are frequent under load; their stack would only point into seawall, so
// they are created without capturing one. This is what makes rejecting a
// call cheap; errors thrown by user code are never touched.
function quickError (Cls, ...args) {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new Cls(...args)
  } finally {
    Error.stackTraceLimit = limit
  }
}

module.exports = { quickError }
