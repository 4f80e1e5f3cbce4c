'use strict'
// Two builds of the package in one process, every hot path timed with the
// sides interleaved (harness.measureInterleaved: one batch of each side per
// round, the order rotating, median ns/op): a change's before/after on the
// admitted and rejected paths of the breaker, limiters and bulkhead. Not a
// test. Each directory is a package root holding lib/, index.js and the
// .node file (a `make build`, or a copy of one from another commit):
//   node bench/ab.js <dir A> <dir B> [rounds] [row filter]

const os = require('node:os')
const path = require('node:path')
const { measureInterleaved, fmt } = require('./harness')

const ok = async () => 1
const swallow = () => {}

// name -> (seawall) => [fn, { async }]
const rows = {
  'breaker tryAcquire()+success(), admitted': (s) => {
    const cb = new s.CircuitBreaker()
    return [() => { cb.tryAcquire().success() }]
  },
  'breaker tryAcquire(), open: null': (s) => {
    const cb = new s.CircuitBreaker()
    cb.forceOpen()
    return [() => cb.tryAcquire()]
  },
  'breaker execute(ok), admitted': (s) => {
    const cb = new s.CircuitBreaker()
    return [() => cb.execute(ok), { async: true }]
  },
  'breaker execute(ok), open: CircuitOpenError': (s) => {
    const cb = new s.CircuitBreaker()
    cb.forceOpen()
    return [() => cb.execute(ok).catch(swallow), { async: true }]
  },
  'token bucket tryAcquire(), admitted': (s) => {
    const tb = new s.TokenBucket({ burst: 1e9, ratePerSec: 1e9 })
    return [() => tb.tryAcquire()]
  },
  'token bucket tryAcquire(), empty: false': (s) => {
    const tb = new s.TokenBucket({ burst: 1, ratePerSec: 0.001 })
    tb.tryAcquire()
    return [() => tb.tryAcquire()]
  },
  'token bucket acquire(1, { timeoutMs: 0 }), empty: RateLimitedError (a native error)': (s) => {
    const tb = new s.TokenBucket({ burst: 1, ratePerSec: 0.001 })
    tb.tryAcquire()
    return [() => tb.acquire(1, { timeoutMs: 0 }).catch(swallow), { async: true }]
  },
  'keyed token bucket tryAcquire(key), admitted': (s) => {
    const kb = new s.KeyedTokenBucket({ burst: 1e9, ratePerSec: 1e9 })
    return [() => kb.tryAcquire('user-1')]
  },
  'keyed token bucket tryAcquire(key), empty: false': (s) => {
    const kb = new s.KeyedTokenBucket({ burst: 1, ratePerSec: 0.001 })
    kb.tryAcquire('user-1')
    return [() => kb.tryAcquire('user-1')]
  },
  'bulkhead tryAcquire()+release(), admitted': (s) => {
    const bh = new s.Bulkhead({ maxConcurrent: 10 })
    return [() => { bh.tryAcquire().release() }]
  },
  'bulkhead tryAcquire(), full: null': (s) => {
    const bh = new s.Bulkhead({ maxConcurrent: 1, maxQueue: 0 })
    bh.tryAcquire()
    return [() => bh.tryAcquire()]
  },
  'bulkhead execute(ok), admitted': (s) => {
    const bh = new s.Bulkhead({ maxConcurrent: 10 })
    return [() => bh.execute(ok), { async: true }]
  },
  'policy execute(ok), admitted': (s) => {
    const p = new s.Policy({ circuitBreaker: new s.CircuitBreaker(), bulkhead: new s.Bulkhead({ maxConcurrent: 10 }) })
    return [() => p.execute(ok), { async: true }]
  },
  'policy tryAcquire(), breaker open: refusal': (s) => {
    const cb = new s.CircuitBreaker()
    cb.forceOpen()
    const p = new s.Policy({ circuitBreaker: cb })
    return [() => p.tryAcquire()]
  },
  'policy execute(ok), breaker open: CircuitOpenError': (s) => {
    const cb = new s.CircuitBreaker()
    cb.forceOpen()
    const p = new s.Policy({ circuitBreaker: cb })
    return [() => p.execute(ok).catch(swallow), { async: true }]
  },
  'bulkhead execute(ok), full: BulkheadFullError': (s) => {
    const bh = new s.Bulkhead({ maxConcurrent: 1, maxQueue: 0 })
    bh.tryAcquire()
    return [() => bh.execute(ok).catch(swallow), { async: true }]
  }
}

async function main () {
  const [a, b, rounds = '15', filter] = process.argv.slice(2)
  if (!a || !b) throw new Error('usage: node bench/ab.js <dir A> <dir B> [rounds]')
  const sides = { A: require(path.resolve(a, 'lib/index.js')), B: require(path.resolve(b, 'lib/index.js')) }
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ')
  const before = load()
  const out = []
  for (const [name, make] of Object.entries(rows)) {
    if (filter && !name.includes(filter)) continue
    const fns = {}
    let opts = {}
    for (const [k, s] of Object.entries(sides)) {
      const [fn, o] = make(s)
      fns[k] = fn
      opts = o || {}
    }
    const r = await measureInterleaved(fns, { ...opts, runs: Number(rounds) })
    out.push([name, r.A, r.B])
    console.error(`${name}: A ${fmt(r.A)} | B ${fmt(r.B)}`)
  }
  console.log(`\nnode ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cpus, load average ${before} before, ${load()} after\n`)
  console.log('| path | A | B | B / A |')
  console.log('|---|---|---|---|')
  for (const [name, x, y] of out) console.log(`| ${name} | ${fmt(x)} | ${fmt(y)} | ${(y / x).toFixed(2)} |`)
}

main().catch((e) => { console.error(e); process.exit(1) })
