'use strict'
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const seawall = require('seawall')
const { ManualClock } = seawall

test('VERSION is the core version', () => {
  assert.match(seawall.VERSION, /^\d+\.\d+\.\d+/)
})

test('a Rust panic becomes a JS Error, not an abort', () => {
  const binding = require(path.join(path.dirname(require.resolve('seawall')), 'native.js'))
  assert.throws(() => binding.__panicForTest(), (e) => e instanceof Error && /panic/.test(e.message))
  // the raw Node-API hot functions (src/ffi.rs) catch panics the same way
  assert.throws(() => binding.__rawPanicForTest(), (e) => e instanceof Error && /panic \(raw\)/.test(e.message))
  assert.strictEqual(binding.version(), seawall.VERSION) // and the addon still works
})

test('the addon loads and works in worker_threads (several at once, main thread too)', async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const s = require(${JSON.stringify(require.resolve('seawall'))})
    ;(async () => {
      const c = new s.ManualClock()
      c.advance(5)
      const tb = new s.TokenBucket({ burst: 2, ratePerSec: 1, clock: c })
      const d = [tb.check(), tb.check(), tb.check()].map((x) => x.allowed)
      const cb = new s.CircuitBreaker({ failureCountThreshold: 1, clock: c })
      await cb.execute(async () => { throw new Error('x') }).catch(() => {})
      const bh = new s.Bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 1000 })
      const r = await Promise.all([bh.execute(async () => 1), bh.execute(async () => 2)])
      const b = new s.Backoff({ seed: 42, jitter: 'full', maxAttempts: 5 }).schedule()
      parentPort.postMessage({ v: s.VERSION, now: c.nowMs(), d, state: cb.state, r, delay: b.nextDelayMs(), id: workerData })
    })().catch((e) => parentPort.postMessage({ error: String(e.stack) }))`
  const run = (id) => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: id })
    w.once('message', resolve)
    w.once('error', reject)
  })
  const main = new seawall.TokenBucket({ burst: 1, ratePerSec: 1 })
  const msgs = await Promise.all([run(1), run(2), run(3)])
  assert.strictEqual(main.tryAcquire(), true)
  const expected = new seawall.Backoff({ seed: 42, jitter: 'full', maxAttempts: 5 }).schedule().nextDelayMs()
  for (const [i, msg] of msgs.entries()) {
    assert.deepStrictEqual(msg, { v: seawall.VERSION, now: 5, d: [true, true, false], state: 'open', r: [1, 2], delay: expected, id: i + 1 })
  }
})

test('ManualClock: ns and ms, bigint and number', () => {
  const c = new ManualClock({ startNs: 10n })
  assert.strictEqual(c.nowNs(), 10n)
  c.advance(1.5)
  assert.strictEqual(c.nowNs(), 1_500_010n)
  c.advanceNs(5)
  c.setNs(2_000_000n)
  assert.strictEqual(c.nowMs(), 2)
  for (const bad of [NaN, -1, Infinity, 'x', {}, undefined]) {
    assert.throws(() => c.advance(bad), (e) => (e instanceof RangeError || e instanceof TypeError) && /ms/.test(e.message), String(bad))
  }
  assert.throws(() => c.advanceNs(-1), TypeError)
  assert.throws(() => new ManualClock({ startNs: 1.5 }), TypeError)
})

test('ManualClock.tickAsync runs chained waits in order', async () => {
  const c = new ManualClock()
  const seen = []
  const p = (async () => {
    for (let i = 0; i < 3; i++) {
      await seawall.timeout((signal) => new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason))
      }), 10, { clock: c }).catch(e => seen.push([e.code, c.nowMs()]))
    }
  })()
  await c.tickAsync(100)
  await p
  assert.deepStrictEqual(seen, [['SEAWALL_TIMEOUT', 10], ['SEAWALL_TIMEOUT', 20], ['SEAWALL_TIMEOUT', 30]])
  assert.strictEqual(c.pendingTimers, 0)
})

test('error classes carry stable codes and data', () => {
  const cause = new Error('boom')
  const cases = [
    [new seawall.CircuitOpenError(12.5), 'SEAWALL_CIRCUIT_OPEN', { retryAfterMs: 12.5 }],
    [new seawall.RateLimitedError(3), 'SEAWALL_RATE_LIMITED', { retryAfterMs: 3 }],
    [new seawall.BulkheadFullError(), 'SEAWALL_BULKHEAD_FULL', {}],
    [new seawall.TimeoutError(50), 'SEAWALL_TIMEOUT', { timeoutMs: 50 }],
    [new seawall.RetryExhaustedError(3, cause), 'SEAWALL_RETRY_EXHAUSTED', { attempts: 3, cause }],
    [new seawall.RetryBudgetExhaustedError(), 'SEAWALL_RETRY_BUDGET_EXHAUSTED', {}],
    [new seawall.InjectedFaultError(), 'SEAWALL_INJECTED_FAULT', {}]
  ]
  for (const [e, code, data] of cases) {
    assert.ok(e instanceof seawall.SeawallError)
    assert.ok(e instanceof Error)
    assert.strictEqual(e.code, code)
    assert.strictEqual(e.name, e.constructor.name)
    for (const [k, v] of Object.entries(data)) assert.strictEqual(e[k], v)
  }
})
