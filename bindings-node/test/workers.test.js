'use strict'
// Primitives shared with worker threads (issue 11 item 7): an object posted
// to a worker arrives as a dead plain copy; share() gives a handle that
// the worker turns into an object for the same primitive, so one limit and
// one breaker state hold for the whole process.
const test = require('node:test')
const assert = require('node:assert')
const { Worker } = require('node:worker_threads')
const seawall = require('seawall')

// Runs `body` (the source of an async function of (seawall, data)) in a
// worker and resolves with what it returns.
function inWorker (body, data) {
  const src = `
    const { parentPort, workerData } = require('node:worker_threads')
    const seawall = require('seawall')
    ;(${body})(seawall, workerData).then(
      (r) => parentPort.postMessage({ ok: true, r }),
      (e) => parentPort.postMessage({ ok: false, message: String(e && e.stack || e), code: e && e.code }))
  `
  return new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true, workerData: data })
    w.once('message', (m) => { w.terminate(); m.ok ? resolve(m.r) : reject(Object.assign(new Error(m.message), { code: m.code })) })
    w.once('error', reject)
  })
}

test('a token bucket shared with workers keeps one limit for the process', async () => {
  const bucket = new seawall.TokenBucket({ burst: 10, ratePerSec: 1e-6 })
  const h = bucket.share()
  const taken = await Promise.all([1, 2, 3].map(() => inWorker(async (s, h) => {
    const b = s.TokenBucket.fromShared(h)
    let n = 0
    while (b.tryAcquire()) n++
    return { n, limit: b.limit }
  }, h)))
  const total = taken.reduce((a, t) => a + t.n, 0)
  assert.strictEqual(total, 10)
  assert.ok(taken.every((t) => t.limit === 10))
  assert.strictEqual(bucket.tryAcquire(), false)
  assert.strictEqual(bucket.metrics().allowed, 10)
})

test('a breaker tripped in a worker is open in the main thread', async () => {
  const cb = new seawall.CircuitBreaker({ failureCountThreshold: 2, openDurationMs: 60_000, name: 'payments' })
  const events = []
  cb.on('stateChange', (e) => events.push(e.to))
  const r = await inWorker(async (s, h) => {
    const b = s.CircuitBreaker.fromShared(h)
    const seen = []
    b.on('open', () => seen.push('open'))
    for (let i = 0; i < 2; i++) await b.execute(async () => { throw new Error('down') }).catch(() => {})
    return { state: b.state, seen, name: b.name }
  }, cb.share())
  assert.deepStrictEqual(r, { state: 'open', seen: ['open'], name: 'payments' })
  assert.strictEqual(cb.state, 'open')
  const e = await cb.execute(async () => 1).catch((err) => err)
  assert.ok(e instanceof seawall.CircuitOpenError)
  assert.strictEqual(cb.metrics().failures, 2)
})

test('a retry budget and the keyed limiters can be shared too', async () => {
  const budget = new seawall.RetryBudget({ maxTokens: 4, tokenRatio: 0.1 })
  const perUser = new seawall.KeyedSlidingWindow({ limit: 3, windowMs: 60_000 })
  const r = await inWorker(async (s, { b, k }) => {
    const budget = s.RetryBudget.fromShared(b)
    const keyed = s.KeyedSlidingWindow.fromShared(k)
    let retries = 0
    while (budget.tryRetry()) retries++
    let grants = 0
    while (keyed.tryAcquire('u1')) grants++
    return { retries, grants }
  }, { b: budget.share(), k: perUser.share() })
  assert.strictEqual(budget.tryRetry(), false)
  assert.strictEqual(budget.metrics().retriesAllowed, r.retries)
  assert.strictEqual(r.grants, 3)
  assert.strictEqual(perUser.tryAcquire('u1'), false)
})

test('an object posted as is arrives dead, and seawall says so when given one', async () => {
  const r = await inWorker(async (s, copy) => {
    try {
      new s.Policy({ circuitBreaker: copy }) // eslint-disable-line no-new
      return 'accepted'
    } catch (e) {
      return e.message
    }
  }, new seawall.CircuitBreaker())
  assert.match(r, /plain copy of a seawall object/)
  assert.match(r, /share\(\)/)
})

test('a posted Backoff or ManualClock copy is named as such where it is used', async () => {
  const r = await inWorker(async (s, { backoff, clock }) => {
    const out = []
    for (const f of [() => s.retry(async () => 1, { backoff }), () => s.retry(async () => 1, { clock }), async () => new s.CircuitBreaker({ clock })]) {
      try { await f(); out.push('accepted') } catch (e) { out.push(e.message) }
    }
    return out
  }, { backoff: new seawall.Backoff(), clock: new seawall.ManualClock() })
  for (const m of r) assert.match(m, /plain copy of a seawall object/)
})

test('handles are checked', async () => {
  const bucket = new seawall.TokenBucket()
  assert.throws(() => seawall.SlidingWindowLimiter.fromShared(bucket.share()), (e) => e instanceof TypeError && e.field === 'handle' && /TokenBucket/.test(e.message))
  assert.throws(() => seawall.CircuitBreaker.fromShared({ id: 1 }), (e) => e instanceof TypeError && e.field === 'handle')
  const h = bucket.share()
  assert.strictEqual(h.id, bucket.share().id)
  assert.throws(() => seawall.CircuitBreaker.fromShared({ ...h, type: 'CircuitBreaker' }), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && /TokenBucket|token_bucket/.test(e.message))
  assert.throws(() => seawall.CircuitBreaker.fromShared({ ...h, type: 'CircuitBreaker', id: 9e15 }), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && /does not name/.test(e.message))
  assert.throws(() => new seawall.TokenBucket({ clock: new seawall.ManualClock() }).share(), (e) => e instanceof TypeError && /ManualClock/.test(e.message))
})
