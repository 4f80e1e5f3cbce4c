'use strict'
// Mirrors tests/src/runners/headers.rs through the public JS API.
const { TokenBucket, SlidingWindowLimiter, rateLimitHeaders } = require('seawall')
const { toOptions, errorValue, nsToMs } = require('../vectors')

let fields = {}

function headersValue (h) {
  return { 'Retry-After': null, ...h }
}

module.exports = {
  build (config, clock) {
    fields = {}
    const name = config.name === undefined ? 'default' : config.name
    let policy
    let limiter
    if (config.token_bucket !== undefined || config.sliding_window !== undefined) {
      const [opts, f] = toOptions(config.token_bucket || config.sliding_window)
      fields = f
      limiter = config.token_bucket !== undefined ? new TokenBucket({ ...opts, clock }) : new SlidingWindowLimiter({ ...opts, clock })
      policy = { limiter, name }
    } else {
      policy = { name, limit: config.limit === undefined ? 1 : config.limit, windowMs: nsToMs(config.window_ns === undefined ? 1e9 : config.window_ns) }
    }
    rateLimitHeaders({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, policy) // the policy's errors at build
    return {
      step (op, args) {
        switch (op) {
          case 'headers': {
            const d = {
              allowed: args.allowed,
              remaining: args.remaining === undefined ? 0 : args.remaining,
              retryAfterMs: nsToMs(args.retry_after_ns === undefined ? 0 : args.retry_after_ns),
              resetAfterMs: nsToMs(args.reset_after_ns === undefined ? 0 : args.reset_after_ns)
            }
            return headersValue(rateLimitHeaders(d, policy))
          }
          case 'try_acquire': {
            if (limiter === undefined) throw new Error('try_acquire needs a limiter')
            try {
              return headersValue(rateLimitHeaders(limiter.check(args.n === undefined ? 1 : Number(args.n)), policy))
            } catch (e) {
              return errorValue(e, fields)
            }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
