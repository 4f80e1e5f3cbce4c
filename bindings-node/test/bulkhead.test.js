'use strict'
const test = require('node:test')
const assert = require('node:assert')
const { Bulkhead, BulkheadFullError, ManualClock, AdaptiveTimeout, FaultInjector, InjectedFaultError, TimeoutError } = require('seawall')

const tick = () => new Promise(resolve => setImmediate(resolve))

test('bulkhead caps concurrency and queues FIFO', async () => {
  const clock = new ManualClock()
  const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 2, maxWaitMs: 1000, clock })
  const order = []
  const gates = []
  const job = (name) => b.execute(() => new Promise((resolve) => { order.push('start ' + name); gates.push(() => { order.push('end ' + name); resolve(name) }) }))
  const runs = ['a', 'b', 'c', 'd'].map(job)
  await assert.rejects(job('e'), (e) => e instanceof BulkheadFullError && e.code === 'SEAWALL_BULKHEAD_FULL')
  await tick()
  assert.deepStrictEqual(b.metrics(), { active: 2, queued: 2, total: 2, rejected: 1, maxConcurrent: 2, maxQueue: 2 })
  gates.shift()()
  await tick()
  gates.shift()()
  await tick()
  gates.shift()()
  gates.shift()()
  assert.deepStrictEqual(await Promise.all(runs), ['a', 'b', 'c', 'd'])
  assert.deepStrictEqual(order, ['start a', 'start b', 'end a', 'start c', 'end b', 'start d', 'end c', 'end d'])
  assert.strictEqual(b.metrics().active, 0)
  assert.strictEqual(clock.pendingTimers, 0)
})

test('a queued call gives up after maxWaitMs on the bulkhead clock', async () => {
  const clock = new ManualClock()
  const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 100, clock })
  const p = b.tryAcquire()
  const waiting = b.execute(async () => 'late')
  const check = assert.rejects(waiting, (e) => e instanceof BulkheadFullError && /100 ms/.test(e.message))
  clock.advance(100)
  await check
  assert.strictEqual(b.metrics().queued, 0)
  p.release()
  assert.strictEqual(p.release(), false)
  assert.strictEqual(b.metrics().active, 0)
})

test('acquire: timeoutMs override, AbortSignal, tryAcquire fairness', async () => {
  const clock = new ManualClock()
  const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5, clock })
  const p = await b.acquire()
  await assert.rejects(b.acquire(), BulkheadFullError) // maxWaitMs 0: no wait
  const ac = new AbortController()
  const w = b.acquire({ timeoutMs: 10_000, signal: ac.signal })
  const w2 = b.acquire({ timeoutMs: 10_000 })
  assert.strictEqual(b.tryAcquire(), null)
  ac.abort(new Error('bye'))
  await assert.rejects(w, /bye/)
  p.release()
  const p2 = await w2
  assert.strictEqual(b.metrics().active, 1)
  p2.release()
  assert.deepStrictEqual([b.metrics().active, b.metrics().queued], [0, 0])
  await assert.rejects(b.acquire({ timeoutMs: -5 }), RangeError)
  await assert.rejects(b.execute(5), TypeError)
})

test('execute releases on sync throw, rejection and plain values', async () => {
  const b = new Bulkhead({ maxConcurrent: 1 })
  await assert.rejects(b.execute(() => { throw new Error('sync') }), /sync/)
  await assert.rejects(b.execute(async () => { throw new Error('async') }), /async/)
  assert.strictEqual(await b.execute(() => 7), 7)
  assert.strictEqual(b.metrics().active, 0)
})

test('adaptive timeout follows recent latencies', async () => {
  const clock = new ManualClock()
  const at = new AdaptiveTimeout({ minSamples: 5, percentile: 0.95, multiplier: 2, minTimeoutMs: 10, maxTimeoutMs: 1000, initialTimeoutMs: 500, clock })
  assert.strictEqual(at.timeoutMs(), 500)
  for (let i = 0; i < 10; i++) at.record(40)
  const t = at.timeoutMs()
  assert.ok(t >= 80 && t <= 84, String(t))
  const slow = at.execute((signal) => new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
  const check = assert.rejects(slow, (e) => e instanceof TimeoutError)
  clock.advance(t)
  await check
  assert.strictEqual(at.metrics().total, 11)
  assert.strictEqual(await at.execute(async () => 'ok'), 'ok')
})

test('fault injector: seeded errors and delays, wrap, enable switch', async () => {
  const clock = new ManualClock()
  const fi = new FaultInjector({ errorRate: 1, seed: 7, clock })
  await assert.rejects(fi.execute(async () => 1), (e) => e instanceof InjectedFaultError && e.code === 'SEAWALL_INJECTED_FAULT')
  fi.setEnabled(false)
  assert.strictEqual(await fi.execute(async () => 1), 1)
  const custom = new FaultInjector({ errorRate: 1, error: () => Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })
  await assert.rejects(custom.wrap(async (x) => x)(1), { code: 'ECONNRESET' })
  const slow = new FaultInjector({ delayRate: 1, delayMinMs: 50, delayMaxMs: 50, clock })
  // An injected delay on a ManualClock is time passing: the clock moves by it
  // (spec/README.md, "Time"), and nobody has to advance it.
  const before = clock.nowMs()
  assert.strictEqual(await slow.execute(async () => 2), 2)
  assert.strictEqual(clock.nowMs() - before, 50)
  const a = new FaultInjector({ errorRate: 0.3, delayRate: 0.3, delayMinMs: 1, delayMaxMs: 100, seed: 42 })
  const b = new FaultInjector({ errorRate: 0.3, delayRate: 0.3, delayMinMs: 1, delayMaxMs: 100, seed: 42 })
  for (let i = 0; i < 50; i++) assert.deepStrictEqual(a.decide(), b.decide())
  assert.throws(() => fi.setEnabled('yes'), TypeError)
})

test('overlapping executes settled out of order release each slot once', async () => {
  // execute() reuses its promise handlers between calls (lib/bulkhead.js):
  // more calls than it keeps (256), settled in shuffled order, half
  // failing, one more call run while they are in flight, plus a
  // non-native thenable.
  const n = 300
  const b = new Bulkhead({ maxConcurrent: n + 10, maxQueue: 0 })
  const calls = []
  for (let i = 0; i < n; i++) {
    let settle
    const p = b.execute(() => new Promise((resolve, reject) => {
      settle = () => (i % 2 === 0 ? resolve(i) : reject(new Error(`e${i}`)))
    }))
    calls.push({ i, settle, p: p.then((v) => ['ok', v], (e) => ['err', e.message]) })
  }
  assert.strictEqual(b.metrics().active, n)
  let seed = 11
  const order = calls.slice().sort(() => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5 })
  let active = n
  for (const c of order) {
    c.settle()
    await tick()
    active--
    if (active === n - 1) assert.strictEqual(await b.execute(async () => 'inner'), 'inner')
    assert.strictEqual(b.metrics().active, active)
  }
  // execute() returns what the thenable's then() returns
  const thenable = { then (resolve) { return new Promise((r) => setImmediate(() => r(resolve('t')))) } }
  assert.strictEqual(await b.execute(() => thenable), 't')
  for (const c of calls) {
    assert.deepStrictEqual(await c.p, c.i % 2 === 0 ? ['ok', c.i] : ['err', `e${c.i}`])
  }
  assert.deepStrictEqual({ active: b.metrics().active, total: b.metrics().total }, { active: 0, total: n + 2 })
})
