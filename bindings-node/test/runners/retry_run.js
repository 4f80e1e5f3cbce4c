'use strict'
// Mirrors tests/src/runners/retry_run.rs through the public JS API.
const { Backoff, RetryBudget, Retry } = require('seawall')
const { toOptions, errorValue, msToNs, nsToMs } = require('../vectors')

let fields = {}

module.exports = {
  build (config, clock) {
    fields = { maxAttempts: 'max_attempts' }
    const [bopts, bf] = toOptions(config.backoff || {})
    Object.assign(fields, bf)
    const backoff = new Backoff({ ...bopts, clock })
    let budget
    if (config.budget !== undefined) {
      const [o, f] = toOptions(config.budget)
      Object.assign(fields, f)
      budget = new RetryBudget(o)
    }
    const opts = { backoff }
    if (budget !== undefined) opts.budget = budget
    if (config.max_attempts !== undefined) opts.maxAttempts = config.max_attempts
    const retry = new Retry(opts)
    let run = retry.start()
    const done = () => ({ status: run.status, attempts: run.attempts })
    return {
      step (op, args) {
        switch (op) {
          case 'start':
            run.abandon()
            run = retry.start(args.deadline_ns === undefined ? undefined : { deadlineMs: nsToMs(args.deadline_ns) })
            return {}
          case 'success': run.onSuccess(); return done()
          case 'abandon': run.abandon(); return done()
          case 'failure': {
            const f = {}
            if (args.retryable !== undefined) f.retryable = args.retryable
            if (args.retry_after_ns !== undefined) f.retryAfterMs = nsToMs(args.retry_after_ns)
            if (args.duration_ns !== undefined) f.durationMs = nsToMs(args.duration_ns)
            const s = run.onFailure(f)
            return s.action === 'sleep'
              ? { action: 'sleep', delay_ns: msToNs(s.delayMs), attempts: s.attempts }
              : { action: 'give_up', reason: s.reason, attempts: s.attempts, error: s.error }
          }
          case 'metrics': {
            const m = backoff.metrics()
            const out = { schedules: m.schedules, retries: m.retries, exhausted_attempts: m.exhaustedAttempts, exhausted_elapsed: m.exhaustedElapsed }
            if (budget !== undefined) {
              const b = budget.metrics()
              Object.assign(out, {
                budget_tokens_milli: b.tokensMilli,
                budget_retries_allowed: b.retriesAllowed,
                budget_retries_denied: b.retriesDenied,
                budget_successes: b.successes,
                budget_failures: b.failures
              })
            }
            return out
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
