'use strict'
// metricsMiddleware on a real Express app (127.0.0.1): /metrics and
// /health served, other requests passed on with next(), and the same under
// a mount path.
const test = require('node:test')
const assert = require('node:assert')
const http = require('node:http')
// express is a dev dependency of the source tree (NODE_PATH in the
// installed-package run), never of seawall itself.
const express = require('express')
const seawall = require('seawall')
const { metrics, ManualClock } = seawall
const { parse, v, get } = require('./fixtures/promtext')

async function listen (app) {
  const server = http.createServer(app)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

test('Express: /metrics and /health from the middleware, other routes untouched', async () => {
  const registry = new metrics.Registry()
  const clock = new ManualClock()
  const cb = new seawall.CircuitBreaker({ name: 'payments', registry, labels: { team: 'billing' }, failureCountThreshold: 1, clock })
  const tb = new seawall.TokenBucket({ name: 'api', registry, burst: 1, ratePerSec: 1, clock })
  const kb = new seawall.KeyedTokenBucket({ name: 'per-user', registry, burst: 1, ratePerSec: 1, clock })

  const app = express()
  app.use(metrics.metricsMiddleware({ registry }))
  app.get('/hello', (req, res) => res.json({ hi: true }))
  const ops = express.Router()
  ops.use(metrics.metricsMiddleware({ registry, metricsPath: '/prom', healthPath: '/status' }))
  app.use('/ops', ops)
  const server = await listen(app)
  const { port } = server.address()
  try {
    assert.strictEqual(tb.tryAcquire(), true)
    assert.strictEqual(tb.tryAcquire(), false)
    kb.tryAcquire('alice')
    kb.tryAcquire('alice')
    await assert.rejects(cb.execute(async () => { throw new Error('down') }), /down/)

    const r = await get(port, '/metrics')
    assert.strictEqual(r.status, 200)
    assert.strictEqual(r.ctype, 'text/plain; version=0.0.4; charset=utf-8')
    const p = parse(r.body)
    assert.strictEqual(v(p.values, 'seawall_circuit_breaker_state', { name: 'payments', team: 'billing', state: 'open' }), 1)
    assert.strictEqual(v(p.values, 'seawall_circuit_breaker_calls_total', { name: 'payments', team: 'billing', outcome: 'failure' }), cb.metrics().failures)
    assert.strictEqual(v(p.values, 'seawall_rate_limiter_calls_total', { name: 'api', outcome: 'denied' }), tb.metrics().denied)
    assert.strictEqual(v(p.values, 'seawall_rate_limiter_calls_total', { name: 'per-user', outcome: 'denied' }), kb.metrics().denied)

    const h = await get(port, '/health')
    assert.strictEqual(h.status, 200)
    assert.match(h.ctype, /^application\/json/)
    const health = JSON.parse(h.body)
    assert.deepStrictEqual(health, registry.health())
    assert.strictEqual(health.status, 'degraded')
    assert.deepStrictEqual(health.instances.map((i) => [i.name, i.healthy]), [['api', true], ['payments', false], ['per-user', true]])

    const hello = await get(port, '/hello')
    assert.strictEqual(hello.status, 200)
    assert.deepStrictEqual(JSON.parse(hello.body), { hi: true })
    assert.strictEqual((await get(port, '/nope')).status, 404) // Express's own 404, via next()

    // Mounted under /ops with its own paths (Express strips the mount path).
    const m2 = await get(port, '/ops/prom')
    assert.strictEqual(m2.status, 200)
    assert.deepStrictEqual(parse(m2.body).types, p.types)
    assert.deepStrictEqual(JSON.parse((await get(port, '/ops/status')).body), registry.health())
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})
