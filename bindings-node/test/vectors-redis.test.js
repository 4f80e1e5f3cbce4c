'use strict'
// The token-bucket and sliding-window vectors against a real redis-server
// through the public JS API (mirrors tests/tests/redis_vectors.rs): the
// scripts run with the test-only time override (_testOnlyDecideAt,
// spec/redis.md), so the scenario's clock is theirs. The scenarios the
// Redis limiters do not take are skipped, and listed: initial_tokens (a
// Redis key starts full) and the waiting ops (in-memory only).
const test = require('node:test')
const assert = require('node:assert')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { RedisBackend, RedisTokenBucket, RedisSlidingWindow } = require('seawall')
const { vectorsDir, parseJson, matches, show, toOptions, errorValue, msToNs } = require('./vectors')

function redisBinary () {
  for (const dir of (process.env.PATH || '').split(':').concat(['/usr/bin', '/usr/local/bin'])) {
    const p = path.join(dir, 'redis-server')
    if (fs.existsSync(p)) return p
  }
  return null
}
const BIN = redisBinary()
const skip = BIN === null && process.env.SEAWALL_REQUIRE_REDIS !== '1'
  ? 'no redis-server binary on PATH; `make test` installs it (scripts/deps-debian.sh redis-server)'
  : false

function freePort () {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function startRedis () {
  if (BIN === null) throw new Error('SEAWALL_REQUIRE_REDIS=1 but no redis-server binary on PATH')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seawall-redis-'))
  const port = await freePort()
  const proc = spawn(BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  const stop = () => { proc.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }) }
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true) })
      c.on('error', () => resolve(false))
    })
    if (ok) return { url: `redis://127.0.0.1:${port}/0`, stop }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  stop()
  throw new Error('redis-server did not start')
}

const OPS = new Set(['try_acquire', 'peek', 'refund', 'metrics', 'advance', 'set_time'])
const FILES = [
  ['token_bucket', 'token_bucket/token_bucket.json', RedisTokenBucket],
  ['sliding_window', 'sliding_window/sliding_window.json', RedisSlidingWindow]
]

function decisionValue (d) {
  return { allowed: d.allowed, remaining: d.remaining, retry_after_ns: msToNs(d.retryAfterMs), reset_after_ns: msToNs(d.resetAfterMs) }
}

function runScenario (backend, prim, Limiter, idx, sc) {
  const name = sc.name || '<unnamed>'
  const [opts, fields] = toOptions(sc.config || {})
  let lim
  try {
    lim = new Limiter({ ...opts, backend, name: `node-${prim}-v${idx}` })
  } catch (e) {
    const got = errorValue(e, fields)
    if (!sc.expect_error) throw new Error(`${name}: construction failed: ${show(got)}`)
    if (!matches(sc.expect_error, got)) throw new Error(`${name}: construction error ${show(got)} does not match ${show(sc.expect_error)}`)
    return
  }
  if (sc.expect_error) throw new Error(`${name}: expected construction error ${show(sc.expect_error)}, got success`)
  const key = `scenario-${idx}`
  let now = BigInt(sc.start_ns || 0)
  const decide = (n, op) => lim._testOnlyDecideAt(key, n, op, now)
  ;(sc.steps || []).forEach((step, i) => {
    const n = step.n === undefined ? 1 : Number(step.n)
    let out
    switch (step.op) {
      case 'advance': now += BigInt(step.ns || 0); out = {}; break
      case 'set_time': now = BigInt(step.ns || 0); out = {}; break
      case 'try_acquire':
      case 'peek':
        try {
          out = decisionValue(decide(n, step.op === 'peek' ? 'peek' : 'acquire'))
        } catch (e) {
          out = errorValue(e, fields)
        }
        break
      case 'refund': decide(n, 'refund'); out = {}; break
      default: { // metrics
        const d = decide(1, 'peek')
        const m = lim.metrics()
        const available = d.allowed ? d.remaining + 1 : d.remaining
        out = { allowed: m.allowed, denied: m.denied, available, count: lim.limit - available }
      }
    }
    if (step.expect !== undefined && !matches(step.expect, out)) {
      throw new Error(`${name}: step ${i} (${step.op}): expected ${show(step.expect)}, got ${show(out)}`)
    }
  })
}

test('the token-bucket and sliding-window vectors pass in Redis', { skip }, async (t) => {
  const server = await startRedis()
  try {
    const backend = new RedisBackend({ url: server.url, deadlineMs: 5000, onFailure: 'closed' })
    let ran = 0
    for (const [prim, file, Limiter] of FILES) {
      const doc = parseJson(fs.readFileSync(path.join(vectorsDir(), file), 'utf8'))
      for (const [idx, sc] of doc.scenarios.entries()) {
        const takes = !(sc.config && 'initial_tokens' in sc.config) && (sc.steps || []).every((s) => OPS.has(s.op))
        await t.test(`${prim}: ${sc.name}`, { skip: takes ? false : 'not a Redis op/config' }, () => {
          runScenario(backend, prim, Limiter, idx, sc)
          ran++
        })
      }
    }
    assert.ok(ran > 0, 'no vectors ran in Redis')
  } finally {
    server.stop()
  }
})
