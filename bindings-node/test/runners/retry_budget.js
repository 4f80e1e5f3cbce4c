'use strict'
// Mirrors tests/src/runners/retry_budget.rs through the public JS API.
const { RetryBudget } = require('seawall')
const { toOptions, errorValue, inRegion } = require('../vectors')

let fields = {}

module.exports = {
  build (config) {
    const [opts, f] = toOptions(config)
    fields = f
    const b = new RetryBudget({ ...opts, ...inRegion() })
    return {
      step (op) {
        switch (op) {
          case 'success': b.recordSuccess(); return { tokens_milli: b.metrics().tokensMilli }
          case 'failure': b.recordFailure(); return { tokens_milli: b.metrics().tokensMilli }
          case 'try_retry': {
            const allowed = b.tryRetry()
            return { allowed, tokens_milli: b.metrics().tokensMilli }
          }
          case 'metrics': {
            const m = b.metrics()
            return {
              tokens_milli: m.tokensMilli,
              max_tokens_milli: m.maxTokensMilli,
              retries_allowed: m.retriesAllowed,
              retries_denied: m.retriesDenied,
              successes: m.successes,
              failures: m.failures
            }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
