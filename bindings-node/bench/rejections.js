'use strict'
// The refusal paths (and the admitted ones beside them) of this package
// and, when given, another build of it, timed in alternating batches in one
// process (A B B A ...): median ns/op of each and their ratio. Nobody
// listens for events, as in production without a subscriber.
//   node bench/rejections.js [path/to/other/bindings-node]
// (ROUNDS=n: rounds, default 30; ONLY=text: only the ops whose name has it)
const path = require('node:path')

const BATCH = 100_000
const ROUNDS = Number(process.env.ROUNDS || 30)

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

// Each op: (seawall) => a function running n calls (sync), or an async one.
const ops = {
  'breaker.tryAcquire(), open': (sw) => {
    const cb = new sw.CircuitBreaker()
    cb.forceOpen()
    return (n) => { for (let i = 0; i < n; i++) cb.tryAcquire() }
  },
  'breaker.tryAcquire()+success(), closed': (sw) => {
    const cb = new sw.CircuitBreaker()
    return (n) => { for (let i = 0; i < n; i++) { const p = cb.tryAcquire(); if (p) p.success() } }
  },
  'tokenBucket.tryAcquire(), denied': (sw) => {
    const tb = new sw.TokenBucket({ burst: 1, ratePerSec: 1e-6 })
    tb.tryAcquire()
    return (n) => { for (let i = 0; i < n; i++) tb.tryAcquire() }
  },
  'keyedTokenBucket.tryAcquire(k), denied': (sw) => {
    const kb = new sw.KeyedTokenBucket({ burst: 1, ratePerSec: 1e-6 })
    kb.tryAcquire('k')
    return (n) => { for (let i = 0; i < n; i++) kb.tryAcquire('k') }
  },
  'bulkhead.tryAcquire(), full': (sw) => {
    const bh = new sw.Bulkhead({ maxConcurrent: 1 })
    bh.tryAcquire()
    return (n) => { for (let i = 0; i < n; i++) bh.tryAcquire() }
  },
  'await breaker.execute(), open, caught': (sw) => {
    const cb = new sw.CircuitBreaker()
    cb.forceOpen()
    const f = async () => 1
    return async (n) => { for (let i = 0; i < n; i++) { try { await cb.execute(f) } catch {} } }
  },
  'await bulkhead.execute(), full, caught': (sw) => {
    const bh = new sw.Bulkhead({ maxConcurrent: 1 })
    bh.tryAcquire()
    const f = async () => 1
    return async (n) => { for (let i = 0; i < n; i++) { try { await bh.execute(f) } catch {} } }
  },
  'await policy.execute(), breaker open, caught': (sw) => {
    const cb = new sw.CircuitBreaker()
    cb.forceOpen()
    const p = new sw.Policy({ circuitBreaker: cb })
    const f = async () => 1
    return async (n) => { for (let i = 0; i < n; i++) { try { await p.execute(f) } catch {} } }
  },
  'await policy.execute(), admitted': (sw) => {
    const p = new sw.Policy({ circuitBreaker: new sw.CircuitBreaker() })
    const f = async () => 1
    return async (n) => { for (let i = 0; i < n; i++) await p.execute(f) }
  }
}

async function time (run, n) {
  const t0 = process.hrtime.bigint()
  await run(n)
  return Number(process.hrtime.bigint() - t0) / n
}

async function main () {
  const here = require('..')
  const other = process.argv[2] ? require(path.resolve(process.argv[2])) : undefined
  const rows = []
  const only = process.env.ONLY
  for (const [name, make] of Object.entries(ops)) {
    if (only && !name.includes(only)) continue
    const a = make(here)
    const b = other ? make(other) : undefined
    const ta = []
    const tb = []
    await time(a, BATCH) // warm-up
    if (b) await time(b, BATCH)
    for (let r = 0; r < ROUNDS; r++) {
      const first = r % 2 === 0
      if (first || !b) ta.push(await time(a, BATCH))
      if (b) tb.push(await time(b, BATCH))
      if (!first && b) ta.push(await time(a, BATCH))
    }
    rows.push([name, median(ta), b ? median(tb) : undefined])
  }
  console.log(other ? '| op | this (ns) | other (ns) | this / other |' : '| op | ns |')
  console.log(other ? '|---|---|---|---|' : '|---|---|')
  for (const [name, a, b] of rows) {
    console.log(b === undefined ? `| ${name} | ${a.toFixed(1)} |` : `| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} |`)
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
