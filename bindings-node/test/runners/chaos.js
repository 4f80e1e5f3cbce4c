'use strict'
// Mirrors tests/src/runners/{adaptive_timeout,fault}.rs through the public JS API.
const { AdaptiveTimeout, FaultInjector } = require('seawall')
const { toOptions, errorValue, msToNs, nsToMs } = require('../vectors')

function make (build) {
  let fields = {}
  return {
    build (config, clock) {
      const [opts, f] = toOptions(config)
      fields = f
      return build(opts, clock)
    },
    errorValue (e) { return errorValue(e, fields) }
  }
}

module.exports = {
  adaptive_timeout: make((opts, clock) => {
    const at = new AdaptiveTimeout({ ...opts, clock })
    return {
      step (op, args) {
        switch (op) {
          case 'record': at.record(nsToMs(args.latency_ns)); return {}
          case 'timeout': return { timeout_ns: msToNs(at.timeoutMs()) }
          case 'metrics': {
            const m = at.metrics()
            return { samples: m.samples, total: m.total, p50_ns: msToNs(m.p50Ms), p95_ns: msToNs(m.p95Ms), p99_ns: msToNs(m.p99Ms), timeout_ns: msToNs(m.timeoutMs) }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  }),
  fault_injector: make((opts, clock) => {
    const fi = new FaultInjector({ ...opts, clock })
    return {
      step (op, args) {
        switch (op) {
          case 'decide': {
            const d = fi.decide()
            return { fault: d.fault, delay_ns: msToNs(d.delayMs) }
          }
          case 'set_enabled': fi.setEnabled(args.enabled); return {}
          case 'metrics': {
            const m = fi.metrics()
            return { decisions: m.decisions, errors: m.errors, delays: m.delays, enabled: m.enabled }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  })
}
