'use strict'
// 'rejected' events (spec/metrics.md "Events and logs"): one per refusal
// by a breaker, a rate limiter (plain or keyed), a bulkhead or a policy
// stage; built only when someone listens; a listener that throws never
// changes the call's result and is reported once.
const test = require('node:test')
const assert = require('node:assert')
const seawall = require('seawall')
const { events, ManualClock } = seawall

function listen () {
  const seen = []
  const on = (e) => seen.push({ ...e })
  events.on('rejected', on)
  return { seen, off: () => events.off('rejected', on) }
}

test('token bucket: tryAcquire, check, acquire and reserve refusals are rejected events', async () => {
  const clock = new ManualClock()
  const tb = new seawall.TokenBucket({ burst: 1, ratePerSec: 1, clock, name: 'rej-tb' })
  const l = listen()
  try {
    assert.strictEqual(tb.tryAcquire(), true)
    assert.strictEqual(tb.tryAcquire(), false)
    assert.strictEqual(tb.tryAcquire(1), false)
    assert.strictEqual(tb.check().allowed, false)
    await assert.rejects(tb.acquire(1, { timeoutMs: 0 }), (e) => e.code === 'SEAWALL_RATE_LIMITED')
    assert.throws(() => tb.reserve(1, { maxWaitMs: 0 }), (e) => e.code === 'SEAWALL_RATE_LIMITED')
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen, Array(5).fill({ by: 'rate_limiter', name: 'rej-tb', retryAfterMs: 1000 }))
  assert.strictEqual(tb.metrics().denied, 5)
})

test('sliding window and keyed limiters: rejected events carry the name and the key', async () => {
  const clock = new ManualClock()
  const sw = new seawall.SlidingWindowLimiter({ limit: 1, windowMs: 1000, clock, name: 'rej-sw' })
  const kb = new seawall.KeyedTokenBucket({ burst: 1, ratePerSec: 2, clock })
  const l = listen()
  try {
    assert.strictEqual(sw.tryAcquire(), true)
    assert.strictEqual(sw.tryAcquire(), false)
    assert.strictEqual(kb.tryAcquire('alice'), true)
    assert.strictEqual(kb.tryAcquire('alice'), false)
    assert.strictEqual(kb.check('alice').allowed, false)
    assert.strictEqual(kb.tryAcquire('bob'), true)
  } finally {
    l.off()
  }
  assert.strictEqual(l.seen.length, 3)
  assert.strictEqual(l.seen[0].by, 'rate_limiter')
  assert.strictEqual(l.seen[0].name, 'rej-sw')
  assert.ok(l.seen[0].retryAfterMs > 0)
  assert.deepStrictEqual(l.seen.slice(1), Array(2).fill({ by: 'rate_limiter', name: undefined, retryAfterMs: 500, key: 'alice' }))
})

test('bulkhead: tryAcquire, enqueue, acquire, execute and a wait that runs out are rejected events', async () => {
  const clock = new ManualClock()
  const bh = new seawall.Bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 100, clock, name: 'rej-bh' })
  const held = bh.tryAcquire()
  assert.notStrictEqual(held, null)
  const l = listen()
  try {
    assert.strictEqual(bh.tryAcquire(), null) // 1
    const waiting = bh.acquire() // queued, not a rejection yet
    assert.strictEqual(bh.enqueue().outcome, 'rejected') // 2
    await assert.rejects(bh.acquire(), (e) => e.code === 'SEAWALL_BULKHEAD_FULL') // 3
    await assert.rejects(bh.execute(async () => 1), (e) => e.code === 'SEAWALL_BULKHEAD_FULL') // 4
    assert.strictEqual(l.seen.length, 4)
    clock.advance(100)
    await assert.rejects(waiting, (e) => e.code === 'SEAWALL_BULKHEAD_FULL') // 5: ran out
  } finally {
    l.off()
    held.release()
  }
  assert.deepStrictEqual(l.seen, Array(5).fill({ by: 'bulkhead', name: 'rej-bh', retryAfterMs: -1 }))
})

test('breaker: tryAcquire and execute refusals are rejected events; policy stages too', async () => {
  const clock = new ManualClock()
  const cb = new seawall.CircuitBreaker({ failureCountThreshold: 1, openDurationMs: 1000, clock, name: 'rej-cb' })
  cb.forceOpen()
  const tb = new seawall.TokenBucket({ burst: 1, ratePerSec: 1, clock, name: 'rej-pol-tb' })
  const policy = new seawall.Policy({ rateLimiter: tb })
  assert.strictEqual(policy.tryAcquire().allowed, true)
  const l = listen()
  try {
    assert.strictEqual(cb.tryAcquire(), null)
    await assert.rejects(cb.execute(async () => 1), (e) => e.code === 'SEAWALL_CIRCUIT_OPEN')
    const r = policy.tryAcquire()
    assert.strictEqual(r.allowed, false)
    assert.strictEqual(r.stage, 'rate_limiter')
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen.map((e) => [e.by, e.name]), [
    ['circuit_breaker', 'rej-cb'], ['circuit_breaker', 'rej-cb'], ['rate_limiter', 'rej-pol-tb']
  ])
})

test('a rejected listener that throws: the results are unchanged and the error is reported once', async () => {
  const clock = new ManualClock()
  const tb = new seawall.TokenBucket({ burst: 1, ratePerSec: 1, clock })
  const bh = new seawall.Bulkhead({ maxConcurrent: 1, maxQueue: 0, clock })
  const bad = () => { throw new Error('listener bug') }
  events.on('rejected', bad)
  const reported = []
  const onErr = (e) => reported.push(e.message)
  events.on('listenerError', onErr)
  try {
    assert.strictEqual(tb.tryAcquire(), true)
    assert.strictEqual(tb.check().allowed, false)
    assert.strictEqual(reported.length, 1)
    const p = bh.tryAcquire()
    await assert.rejects(bh.execute(async () => 1), (e) => e.code === 'SEAWALL_BULKHEAD_FULL')
    p.release()
    assert.strictEqual(await bh.execute(async () => 'fine'), 'fine')
  } finally {
    events.off('rejected', bad)
    events.off('listenerError', onErr)
  }
  assert.deepStrictEqual(reported, ['listener bug', 'listener bug'])
  // Without a 'listenerError' listener: one process warning.
  const warnings = []
  const onWarning = (w) => { if (w.code === 'SEAWALL_LISTENER_ERROR') warnings.push(w) }
  process.on('warning', onWarning)
  events.on('rejected', bad)
  try {
    assert.strictEqual(tb.tryAcquire(), false)
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    events.off('rejected', bad)
    process.off('warning', onWarning)
  }
  assert.strictEqual(warnings.length, 1)
  assert.strictEqual(warnings[0].cause.message, 'listener bug')
})

test('listeners added and removed every way are seen: once, prepend, off, removeAllListeners', () => {
  const tb = new seawall.TokenBucket({ burst: 1, ratePerSec: 1e-6 })
  tb.tryAcquire()
  const seen = []
  const a = () => seen.push('a')
  events.once('rejected', a)
  tb.tryAcquire()
  tb.tryAcquire() // the once-listener is gone
  events.prependOnceListener('rejected', () => seen.push('p'))
  events.on('rejected', a)
  tb.tryAcquire()
  events.off('rejected', a)
  tb.tryAcquire()
  events.on('rejected', a)
  events.removeAllListeners()
  tb.tryAcquire()
  events.addListener('rejected', a) // still heard after removeAllListeners()
  tb.tryAcquire()
  events.removeAllListeners('rejected')
  tb.tryAcquire()
  assert.deepStrictEqual(seen, ['a', 'p', 'a', 'a'])
  assert.strictEqual(events.listenerCount('rejected'), 0)
})
