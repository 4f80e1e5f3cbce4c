'use strict'
// Mirrors tests/src/runners/backoff.rs through the public JS API.
const { Backoff } = require('seawall')
const { toOptions, errorValue, msToNs } = require('../vectors')

let fields = {}

module.exports = {
  build (config, clock) {
    const [opts, f] = toOptions(config)
    fields = f
    const backoff = new Backoff({ ...opts, clock })
    let schedule = backoff.schedule()
    return {
      step (op, args) {
        switch (op) {
          case 'delay_for':
            return { delay_ns: msToNs(backoff.delayForMs(Number(args.attempt))) }
          case 'new_schedule':
            schedule.finish() // the current schedule ends (its retries are counted)
            schedule = backoff.schedule()
            return {}
          case 'next_delay': {
            const hints = {}
            if (args.retry_after_ns !== undefined) hints.retryAfterMs = Number(args.retry_after_ns) / 1e6
            if (args.elapsed_ns !== undefined) hints.elapsedMs = Number(args.elapsed_ns) / 1e6
            const d = schedule.nextDelayMs(hints)
            return d === null
              ? { give_up: true, retries: schedule.retries }
              : { give_up: false, delay_ns: msToNs(d), retries: schedule.retries }
          }
          case 'metrics': {
            const m = backoff.metrics()
            return { schedules: m.schedules, retries: m.retries, exhausted_attempts: m.exhaustedAttempts, exhausted_elapsed: m.exhaustedElapsed }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
