'use strict'
// Mirrors tests/src/runners/bulkhead.rs through the public JS API.
const { Bulkhead } = require('seawall')
const { toOptions, errorValue, inRegion } = require('../vectors')

let fields = {}

module.exports = {
  build (config, clock) {
    const [opts, f] = toOptions(config)
    fields = f
    // In a region only without a queue (waits in line are per process).
    const b = new Bulkhead({ ...opts, clock, ...(opts.maxQueue ? {} : inRegion()) })
    const held = new Map()
    let anon = 0
    const counts = (out) => {
      const m = b.metrics()
      return { ...out, active: m.active, queued: m.queued }
    }
    return {
      step (op, args) {
        const id = args.id === undefined ? undefined : String(args.id)
        switch (op) {
          case 'try_acquire': {
            const p = b.tryAcquire()
            if (p) held.set(id === undefined ? `_anon${anon++}` : id, { permit: p })
            return counts({ allowed: p !== null })
          }
          case 'enqueue': {
            const a = b.enqueue()
            if (a.outcome === 'acquired') held.set(id, { permit: a.permit })
            if (a.outcome === 'queued') held.set(id, { waiter: a.waiter })
            return counts({ outcome: a.outcome })
          }
          case 'claim': {
            const h = held.get(id)
            let granted = false
            if (h && h.waiter) {
              const p = h.waiter.claim()
              if (p) { held.set(id, { permit: p }); granted = true }
            }
            return counts({ granted })
          }
          case 'release': {
            const h = held.get(id)
            held.delete(id)
            const released = h ? (h.permit ? h.permit.release() : h.waiter.cancel()) : false
            return counts({ released })
          }
          case 'metrics': {
            const m = b.metrics()
            return { active: m.active, queued: m.queued, total: m.total, rejected: m.rejected, max_concurrent: m.maxConcurrent, max_queue: m.maxQueue }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  },
  errorValue (e) { return errorValue(e, fields) }
}
