'use strict'
// Naming costs nothing per call: the hot paths of an unnamed and a named
// (registered, labelled) instance, timed in alternating batches in one
// process (A B B A ...), median ns/op of each and their ratio.
//   node bench/naming.js
const seawall = require('..')

const BATCH = 200_000
const ROUNDS = 40

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

const named = () => ({ name: 'bench', labels: { dependency: 'bench' }, registry: new seawall.Registry() })

const ops = {
  'breaker.tryAcquire()+success()': (kw) => {
    const cb = new seawall.CircuitBreaker(kw)
    return (n) => {
      for (let i = 0; i < n; i++) {
        const p = cb.tryAcquire()
        if (p) p.success(1)
      }
    }
  },
  'tokenBucket.tryAcquire()': (kw) => {
    const tb = new seawall.TokenBucket({ ratePerSec: 1e9, burst: 1_000_000, ...kw })
    return (n) => { for (let i = 0; i < n; i++) tb.tryAcquire() }
  },
  'bulkhead.tryAcquire()+release()': (kw) => {
    const bh = new seawall.Bulkhead({ maxConcurrent: 64, ...kw })
    return (n) => {
      for (let i = 0; i < n; i++) {
        const p = bh.tryAcquire()
        if (p) p.release()
      }
    }
  }
}

console.log('op'.padEnd(34), 'unnamed ns'.padStart(10), 'named ns'.padStart(10), 'ratio'.padStart(6))
for (const [name, make] of Object.entries(ops)) {
  const fns = { unnamed: make({}), named: make(named()) }
  const times = { unnamed: [], named: [] }
  for (let r = 0; r < ROUNDS; r++) {
    for (const label of r % 2 === 0 ? ['unnamed', 'named'] : ['named', 'unnamed']) {
      const t0 = process.hrtime.bigint()
      fns[label](BATCH)
      times[label].push(Number(process.hrtime.bigint() - t0) / BATCH)
    }
  }
  const a = median(times.unnamed)
  const b = median(times.named)
  console.log(name.padEnd(34), a.toFixed(1).padStart(10), b.toFixed(1).padStart(10), (b / a).toFixed(2).padStart(6))
}
