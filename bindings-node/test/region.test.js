'use strict'
// Shared-memory regions (spec/shared_memory.md): 4 cluster workers share
// one token bucket and one breaker through a SharedRegion.
const test = require('node:test')
const assert = require('node:assert')
const cluster = require('node:cluster')
const fs = require('node:fs')
const path = require('node:path')
const seawall = require('seawall')

const linux = process.platform === 'linux'

function regionName (tag) {
  const name = `/dev/shm/seawall-node-${tag}-${process.pid}`
  seawall.SharedRegion.remove(name)
  return name
}

test('two objects share one bucket; the file is private; another config is refused', { skip: !linux }, () => {
  const name = regionName('one')
  try {
    const region = new seawall.SharedRegion(name)
    assert.strictEqual(region.path, name)
    assert.strictEqual(fs.statSync(name).mode & 0o777, 0o600)
    const a = new seawall.TokenBucket({ burst: 3, ratePerSec: 0.001, region, name: 'api' })
    const b = new seawall.TokenBucket({ burst: 3, ratePerSec: 0.001, region: new seawall.SharedRegion(name), name: 'api' })
    assert.ok(a.tryAcquire(2))
    assert.ok(!b.tryAcquire(2))
    assert.ok(b.tryAcquire(1))
    assert.throws(() => new seawall.TokenBucket({ burst: 4, ratePerSec: 0.001, region, name: 'api' }),
      (e) => e.code === 'SEAWALL_INVALID_CONFIG' && e.field === 'burst')
    assert.throws(() => new seawall.TokenBucket({ burst: 4, ratePerSec: 0.001, region }),
      (e) => e.code === 'SEAWALL_INVALID_CONFIG' && e.field === 'name')
    // A name alone is not silently ignored: it names the instance in the
    // default registry (spec/metrics.md), where it must be unique.
    const alone = new seawall.TokenBucket({ burst: 4, ratePerSec: 0.001, name: 'api-alone' })
    assert.throws(() => new seawall.TokenBucket({ burst: 4, ratePerSec: 0.001, name: 'api-alone' }),
      (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'name')
    assert.ok(alone.tryAcquire(1))
    assert.strictEqual(new seawall.CircuitBreaker({ name: 'mine' }).name, 'mine')
    assert.throws(() => new seawall.Bulkhead({ maxConcurrent: 2, maxQueue: 1, region, name: 'bh' }),
      (e) => e.code === 'SEAWALL_INVALID_CONFIG' && e.field === 'maxQueue')
  } finally {
    seawall.SharedRegion.remove(name)
  }
})

test('a corrupted file is a typed error', { skip: !linux }, () => {
  const name = regionName('bad')
  try {
    fs.writeFileSync(name, Buffer.alloc(100000, 7))
    assert.throws(() => new seawall.SharedRegion(name), (e) => e.code === 'SEAWALL_SHARED_REGION' && /not a seawall region/.test(e.message))
  } finally {
    seawall.SharedRegion.remove(name)
  }
})

function ask (w, msg, key) {
  return new Promise((resolve) => {
    const on = (m) => { if (m && m[key] !== undefined) { w.off('message', on); resolve(m) } }
    w.on('message', on)
    w.send(msg)
  })
}

test('4 cluster workers share one limit and one breaker', { skip: !linux, timeout: 60000 }, async () => {
  const name = regionName('cluster')
  const region = new seawall.SharedRegion(name)
  const breaker = new seawall.CircuitBreaker({ failureRateThreshold: 0.5, minimumNumberOfCalls: 1, windowSize: 1, region, name: 'dep' })
  cluster.setupPrimary({ exec: path.join(__dirname, 'fixtures', 'region-worker.js'), silent: false })
  const workers = []
  try {
    for (let i = 0; i < 4; i++) {
      const w = cluster.fork({ SEAWALL_TEST_REGION: name })
      await new Promise((resolve) => w.once('message', resolve)) // ready
      workers.push(w)
    }
    const taken = await Promise.all(workers.map((w) => ask(w, 'take', 'taken')))
    // 160 asked, 100 in the bucket: one bucket for the four workers.
    assert.strictEqual(taken.reduce((s, m) => s + m.taken, 0), 100)
    // Opened here, the breaker rejects in every worker at its next call,
    // and each worker's listeners hear the transition once.
    const p = breaker.tryAcquire()
    assert.ok(p)
    p.failure()
    assert.strictEqual(breaker.state, 'open')
    const calls = await Promise.all(workers.map((w) => ask(w, 'call', 'admitted')))
    for (const c of calls) {
      assert.strictEqual(c.admitted, false)
      assert.deepStrictEqual(c.events, ['closed->open'])
    }
  } finally {
    for (const w of workers) w.kill()
    seawall.SharedRegion.remove(name)
  }
})

test('per-key and sliding-window limits live in a region too', { skip: !linux }, () => {
  const name = regionName('keyed')
  try {
    const region = new seawall.SharedRegion(name)
    const mk = () => new seawall.KeyedSlidingWindow({ limit: 2, windowMs: 60000, maxKeys: 100, region, name: 'per-user' })
    const a = mk()
    const b = mk()
    assert.ok(a.tryAcquire('alice'))
    assert.ok(b.tryAcquire('alice'))
    assert.ok(!a.tryAcquire('alice'))
    assert.ok(b.tryAcquire('bob'))
    const s1 = new seawall.SlidingWindowLimiter({ limit: 1, windowMs: 60000, region, name: 'sw' })
    const s2 = new seawall.SlidingWindowLimiter({ limit: 1, windowMs: 60000, region, name: 'sw' })
    assert.ok(s1.tryAcquire())
    assert.ok(!s2.tryAcquire())
    const k = new seawall.KeyedTokenBucket({ burst: 1, ratePerSec: 0.001, maxKeys: 10, region, name: 'kb' })
    assert.ok(k.tryAcquire('x'))
    assert.ok(!new seawall.KeyedTokenBucket({ burst: 1, ratePerSec: 0.001, maxKeys: 10, region, name: 'kb' }).tryAcquire('x'))
  } finally {
    seawall.SharedRegion.remove(name)
  }
})

test('a retry budget lives in a region too', { skip: !linux }, () => {
  const name = regionName('budget')
  try {
    const region = new seawall.SharedRegion(name)
    const a = new seawall.RetryBudget({ maxTokens: 4, tokenRatio: 0.5, region, name: 'rb' })
    const b = new seawall.RetryBudget({ maxTokens: 4, tokenRatio: 0.5, region, name: 'rb' })
    assert.ok(a.tryRetry())
    assert.ok(!b.tryRetry())
    assert.throws(() => new seawall.RetryBudget({ maxTokens: 5, tokenRatio: 0.5, region, name: 'rb' }),
      (e) => e.code === 'SEAWALL_INVALID_CONFIG' && e.field === 'maxTokens')
  } finally {
    seawall.SharedRegion.remove(name)
  }
})

test('an idle breaker object hears transitions through pollTransitions and watchTransitions', { skip: !linux }, async () => {
  const name = regionName('poll')
  try {
    const region = new seawall.SharedRegion(name)
    const opts = { failureRateThreshold: 0.5, minimumNumberOfCalls: 1, windowSize: 1, region, name: 'dep' }
    const a = new seawall.CircuitBreaker(opts)
    const b = new seawall.CircuitBreaker(opts)
    const c = new seawall.CircuitBreaker(opts)
    const heardB = []
    const heardC = []
    b.on('stateChange', (e) => heardB.push(`${e.from}->${e.to}`))
    c.on('stateChange', (e) => heardC.push(`${e.from}->${e.to}`))
    const stop = c.watchTransitions(5)
    a.tryAcquire().failure()
    assert.deepStrictEqual(heardB, [])
    b.pollTransitions()
    assert.deepStrictEqual(heardB, ['closed->open'])
    b.pollTransitions()
    assert.deepStrictEqual(heardB, ['closed->open'], 'once')
    for (let i = 0; i < 200 && heardC.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    stop()
    assert.deepStrictEqual(heardC, ['closed->open'])
  } finally {
    seawall.SharedRegion.remove(name)
  }
})
