'use strict'
// Redis-backed rate limiting from Node, side by side against one local
// Redis: seawall (RedisSlidingWindow, RedisTokenBucket: a socket on the
// event loop driven by the core's connection state) next to rate-limiter-flexible's
// RateLimiterRedis (ioredis). Decisions per second at concurrency 1 (one
// async loop) and 64 (64 loops), and the Redis commands a decision sends
// (MONITOR, script-internal commands excluded). Run by run.sh; prints JSON
// lines. Not a test.
const net = require('node:net')
const path = require('node:path')
const seawall = require(path.join(__dirname, '../../bindings-node'))
const Redis = require('ioredis')
const { RateLimiterRedis } = require('rate-limiter-flexible')

const url = process.argv[2]
const port = Number(url.split(':')[2].split('/')[0])
const KEYS = Array.from({ length: 1000 }, (_, i) => `user-${i}`)
const LIMIT = 100

// SEAWALL_BASELINE=/path/to/another/build/of/bindings-node[,...] adds
// those builds' limiters to the same run (before/after of a change, same
// load), labelled with the folder's name.
const baselines = (process.env.SEAWALL_BASELINE || '').split(',').filter(Boolean)
  .map((p) => [path.basename(p), require(path.resolve(p))])

function seawallWindow (sw = seawall) {
  const backend = new sw.RedisBackend({ url, deadlineMs: 1000, onFailure: 'closed' })
  const l = new sw.RedisSlidingWindow({ backend, name: 'bench-sw', limit: LIMIT, windowMs: 1000 })
  return (k) => l.tryAcquire(k)
}

function seawallBucket (sw = seawall) {
  const backend = new sw.RedisBackend({ url, deadlineMs: 1000, onFailure: 'closed' })
  const l = new sw.RedisTokenBucket({ backend, name: 'bench-tb', ratePerSec: LIMIT, burst: LIMIT })
  return (k) => l.tryAcquire(k)
}

const clients = []
function rlf () {
  const client = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false })
  clients.push(client)
  const rl = new RateLimiterRedis({ storeClient: client, points: LIMIT, duration: 1, keyPrefix: 'rlf' })
  return (k) => rl.consume(k).then(() => true, (r) => { if (r instanceof Error) throw r; return false })
}

function floor () {
  const client = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false })
  clients.push(client)
  return () => client.ping()
}

async function rate (decide, conc, secs) {
  const stop = Date.now() + secs * 1000
  let n = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: conc }, async (_, t) => {
    let i = t
    while (Date.now() < stop) {
      await decide(KEYS[i % KEYS.length])
      i += 7
      n++
    }
  }))
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

async function commandsPerDecision (decide, n = 200) {
  const mon = net.connect(port, '127.0.0.1')
  let out = ''
  mon.on('data', (d) => { out += d })
  mon.write('MONITOR\r\n')
  while (!out.includes('+OK\r\n')) await new Promise((resolve) => setTimeout(resolve, 5))
  out = out.split('+OK\r\n')[1]
  for (let i = 0; i < n; i++) await decide(KEYS[i % KEYS.length])
  // A marker after the last decision: everything before it is ours.
  const marker = net.connect(port, '127.0.0.1')
  marker.write('ECHO bench-marker\r\n')
  await new Promise((resolve) => marker.once('data', resolve))
  marker.destroy()
  while (!out.includes('bench-marker')) await new Promise((resolve) => setTimeout(resolve, 5))
  mon.destroy()
  const lines = out.split('\r\n').filter((l) => l.startsWith('+') && !l.includes('lua]') && !l.includes('bench-marker'))
  return lines.length / n
}

// Interleaved: each round gives every case one short batch in turn, so
// all cases see the same machine load; a case's figure is its median batch.
const BATCH = Number(process.env.BENCH_BATCH_SECS || 0.5)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 6)
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

async function main () {
  const cases = [
    ['seawall', 'sliding window (RedisSlidingWindow)', seawallWindow],
    ['seawall', 'token bucket (RedisTokenBucket)', seawallBucket],
    ['rate-limiter-flexible 5.0.5', 'RateLimiterRedis (ioredis 5.4.2)', rlf]
  ]
  for (const [name, sw] of baselines) {
    cases.push([`seawall (build ${name})`, 'sliding window (RedisSlidingWindow)', () => seawallWindow(sw)])
    cases.push([`seawall (build ${name})`, 'token bucket (RedisTokenBucket)', () => seawallBucket(sw)])
  }
  // BENCH_FLOOR=1: one bare round trip from Node (ioredis PING, no
  // script, no limiter): what any Redis limiter in Node pays at least.
  if (process.env.BENCH_FLOOR) cases.push(['ioredis 5.4.2 (floor)', 'PING round trip, no limiter', floor])
  const ds = []
  for (const [lib, variant, make] of cases) {
    const decide = make()
    await new Promise((resolve) => setTimeout(resolve, 200)) // ioredis connects
    for (const k of KEYS.slice(0, 50)) await decide(k)
    ds.push({ lib, variant, decide, cpd: await commandsPerDecision(decide) })
  }
  for (const conc of [1, 64]) {
    const got = ds.map(() => [])
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < ds.length; i++) got[i].push(await rate(ds[i].decide, conc, BATCH))
    }
    ds.forEach((d, i) => console.log(JSON.stringify({ lang: 'node', lib: d.lib, variant: d.variant, concurrency: conc, decisions_per_sec: Math.round(median(got[i])), commands_per_decision: Math.round(d.cpd * 100) / 100 })))
  }
  for (const c of clients) c.disconnect()
}

main().catch((e) => { console.error(e); process.exit(1) })
