'use strict'
// Floors behind bench.js, and whether each speed target can be met at all.
// node bench/floor.js            (after `make build`; peers from devDependencies)
//
// Every row is timed in the same process, interleaved (one batch of each
// row per round, 15 rounds, median ns/op), so the rows are comparable even
// on a busy machine. A target of "k× a peer" needs seawall at or below peer / k.
// Two floors per target: what any implementation must pay (even pure JS),
// and what one that takes its decisions in native code (seawall's rule:
// decisions stay in core) must pay. See BENCHMARKS.md, "Floors".

const os = require('node:os')
const { performance } = require('node:perf_hooks')
const cockatiel = require('cockatiel')
const Opossum = require('opossum')
const { TokenBucket: LimiterBucket } = require('limiter')
const seawall = require('seawall')
const n = require('../lib/native.js')

const { scratch } = n
const ok = async () => 1

function rowsSync () {
  const cb = new seawall.CircuitBreaker()
  const bh = new seawall.Bulkhead({ maxConcurrent: 10 })
  const tb = new seawall.TokenBucket({ burst: 1e9, ratePerSec: 1e9 })
  const lim = new LimiterBucket({ bucketSize: 1e9, tokensPerInterval: 1e9, interval: 'second' })
  const { __nativeNoop, __nativeClock, breakerAcquire, breakerRecordSince, bulkheadEnqueue, bulkheadRelease, limiterTryAcquireOne, version } = n
  const cbId = cb._id
  const bhId = bh._id
  const tbId = tb._id
  return {
    'raw Node-API call, no work (`__nativeNoop()`)': () => __nativeNoop(),
    'napi-rs `#[napi]` call returning a static string (`version()`)': () => version(),
    'raw call reading the fast clock (`__nativeClock()`)': () => __nativeClock(),
    '`performance.now()`': () => performance.now(),
    '`Date.now()`': () => Date.now(),
    'breaker hot pair `breakerAcquire()` + `breakerRecordSince()`': () => {
      scratch[0] = cbId
      breakerAcquire()
      const r = scratch[0]
      const start = scratch[1]
      scratch[0] = cbId
      scratch[1] = r
      scratch[2] = 0
      scratch[3] = start
      breakerRecordSince()
    },
    'bulkhead hot pair `bulkheadEnqueue()` + `bulkheadRelease()`': () => {
      scratch[0] = bhId
      bulkheadEnqueue()
      scratch[1] = 0
      bulkheadRelease()
    },
    'token bucket hot call `limiterTryAcquireOne()`': () => {
      scratch[0] = tbId
      limiterTryAcquireOne()
    },
    'seawall `TokenBucket.tryAcquire()`': () => tb.tryAcquire(),
    'limiter `TokenBucket.tryRemoveTokens(1)`': () => lim.tryRemoveTokens(1)
  }
}

function rowsAsync () {
  const cb = new seawall.CircuitBreaker()
  const ck = cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) })
  const op = new Opossum(ok, { timeout: false })
  const bh = new seawall.Bulkhead({ maxConcurrent: 10 })
  const ckb = cockatiel.bulkhead(10, 0)
  return {
    '`await` of an async function returning 1': () => ok(),
    '`await ok().then((x) => x)`': () => ok().then((x) => x),
    'seawall breaker `execute(ok)`': () => cb.execute(ok),
    'cockatiel breaker `execute(ok)`': () => ck.execute(ok),
    'opossum `fire()`': () => op.fire(),
    'seawall bulkhead `execute(ok)`': () => bh.execute(ok),
    'cockatiel bulkhead `execute(ok)`': () => ckb.execute(ok)
  }
}

async function time (rows, batch, isAsync, rounds = 15) {
  const res = {}
  for (const k of Object.keys(rows)) res[k] = []
  for (let r = -3; r < rounds; r++) {
    for (const [k, f] of Object.entries(rows)) {
      const t = performance.now()
      if (isAsync) for (let i = 0; i < batch; i++) await f()
      else for (let i = 0; i < batch; i++) f()
      if (r >= 0) res[k].push((performance.now() - t) * 1e6 / batch)
    }
  }
  const out = {}
  for (const [k, xs] of Object.entries(res)) {
    xs.sort((a, b) => a - b)
    out[k] = { med: xs[xs.length >> 1], lo: xs[0], hi: xs[xs.length - 1] }
  }
  return out
}

const f1 = (x) => x.toFixed(1)

const load = () => os.loadavg().map(f1).join(' ')

async function main () {
  const loadBefore = load()
  const s = await time(rowsSync(), 200_000, false)
  const a = await time(rowsAsync(), 20_000, true)
  const all = { ...s, ...a }
  console.log(`node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cpus, load average ${loadBefore} before, ${load()} after (this run adds ~1), ${new Date().toISOString()}\n`)
  console.log('| operation | ns/op (median) | min–max |')
  console.log('|---|---|---|')
  for (const [k, v] of Object.entries(all)) console.log(`| ${k} | ${f1(v.med)} | ${f1(v.lo)}–${f1(v.hi)} |`)

  const m = (k) => all[k].med
  const noop = m('raw Node-API call, no work (`__nativeNoop()`)')
  const awaitFloor = m('`await` of an async function returning 1')
  const thenFloor = m('`await ok().then((x) => x)`')
  const clock = m('raw call reading the fast clock (`__nativeClock()`)')
  const execFloor = thenFloor + 2 * noop
  const targets = [
    ['breaker execute(async ok) ≥1.5× cockatiel', m('cockatiel breaker `execute(ok)`') / 1.5, awaitFloor, execFloor, m('seawall breaker `execute(ok)`')],
    ['breaker execute(async ok) ≥5× opossum', m('opossum `fire()`') / 5, awaitFloor, execFloor, m('seawall breaker `execute(ok)`')],
    ['token bucket tryAcquire() ≥2× limiter', m('limiter `TokenBucket.tryRemoveTokens(1)`') / 2, 0, clock, m('seawall `TokenBucket.tryAcquire()`')],
    ['bulkhead execute(async ok) ≥2× cockatiel', m('cockatiel bulkhead `execute(ok)`') / 2, awaitFloor, execFloor, m('seawall bulkhead `execute(ok)`')]
  ]
  console.log('\nFloors: any implementation = the harness `await` of a promise (async rows);')
  console.log('decisions in native code = `await ok().then(...)` + 2 raw Node-API calls (async rows),')
  console.log('or 1 raw call reading the fast clock (tryAcquire: GCRA needs the time).\n')
  console.log('| target | needs ≤ | floor, any implementation | floor, decisions in native code | seawall | verdict |')
  console.log('|---|---|---|---|---|---|')
  for (const [name, need, anyFloor, nativeFloor, now] of targets) {
    const verdict = now <= need
      ? 'met'
      : anyFloor > need
        ? 'out of reach for any implementation'
        : nativeFloor > need ? 'out of reach through Node-API' : 'not met'
    console.log(`| ${name} | ${f1(need)} ns | ${anyFloor ? f1(anyFloor) + ' ns' : '—'} | ${f1(nativeFloor)} ns | ${f1(now)} ns | ${verdict} |`)
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
