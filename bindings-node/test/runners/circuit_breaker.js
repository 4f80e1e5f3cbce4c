'use strict'
// Mirrors tests/src/runners/circuit_breaker.rs through the public JS API.
const { CircuitBreaker } = require('seawall')
const { toOptions, errorValue, msToNs, inRegion } = require('../vectors')

let fields = {}

module.exports = {
  build (config, clock) {
    const [opts, f] = toOptions(config)
    fields = f
    const cb = new CircuitBreaker({ ...opts, clock, ...inRegion() })
    const transitions = []
    cb.on('stateChange', (t) => transitions.push(`${t.from}->${t.to}`))
    const permits = new Map()
    const permit = (args) => {
      const p = permits.get(args.id)
      if (!p) throw new Error(`unknown permit id ${args.id}`)
      return p
    }
    return {
      step (op, args) {
        switch (op) {
          case 'try_acquire': {
            const p = cb.tryAcquire()
            if (p) {
              if (args.id !== undefined) permits.set(args.id, p)
              return { allowed: true, retry_after_ns: 0, probe: p.isProbe, state: cb.state }
            }
            return { allowed: false, retry_after_ns: msToNs(cb.retryAfterMs()), probe: false, state: cb.state }
          }
          case 'record': {
            const p = permit(args)
            const d = args.duration_ns === undefined ? 0 : Number(args.duration_ns) / 1e6
            if (args.outcome === 'success') p.success(d)
            else if (args.outcome === 'failure') p.failure(d)
            else if (args.outcome === 'ignored') p.ignore()
            else throw new Error(`bad outcome ${args.outcome}`)
            return { state: cb.state }
          }
          case 'release': permit(args).release(); return { state: cb.state }
          case 'state': return { state: cb.state }
          case 'force_open': cb.forceOpen(); return { state: cb.state }
          case 'disable': cb.disable(); return { state: cb.state }
          case 'metrics_only': cb.metricsOnly(); return { state: cb.state }
          case 'reset': cb.reset(); return { state: cb.state }
          case 'transitions': return { transitions: transitions.slice() }
          case 'metrics': {
            const m = cb.metrics()
            return {
              state: m.state,
              calls: m.calls,
              successes: m.successes,
              failures: m.failures,
              slow: m.slow,
              ignored: m.ignored,
              rejected: m.rejected,
              transitions: m.transitions,
              buffered_calls: m.bufferedCalls,
              buffered_failures: m.bufferedFailures,
              buffered_slow: m.bufferedSlow,
              failure_rate: m.failureRate,
              slow_call_rate: m.slowCallRate,
              failure_count: m.failureCount,
              half_open_in_flight: m.halfOpenInFlight,
              half_open_successes: m.halfOpenSuccesses,
              open_duration_ns: msToNs(m.openDurationMs)
            }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
