'use strict'
const test = require('node:test')
const assert = require('node:assert')
const { CircuitBreaker, CircuitOpenError, ManualClock } = require('seawall')

const fail = async () => { throw new Error('boom') }
const ok = async () => 'ok'

function breaker (extra) {
  const clock = new ManualClock()
  const cb = new CircuitBreaker({ failureCountThreshold: 2, failureRateThreshold: null, openDurationMs: 1000, halfOpenMaxCalls: 1, successThreshold: 1, clock, ...extra })
  return { cb, clock }
}

test('execute passes values and errors through and trips on failures', async () => {
  const { cb, clock } = breaker()
  assert.strictEqual(await cb.execute(ok), 'ok')
  await assert.rejects(cb.execute(fail), /boom/)
  await assert.rejects(cb.execute(() => { throw new Error('sync') }), /sync/)
  assert.strictEqual(cb.state, 'open')
  await assert.rejects(cb.execute(ok), (e) => e instanceof CircuitOpenError && e.code === 'SEAWALL_CIRCUIT_OPEN' && e.retryAfterMs === 1000)
  clock.advance(400)
  await assert.rejects(cb.execute(ok), (e) => e.retryAfterMs === 600)
  clock.advance(600)
  assert.strictEqual(await cb.execute(ok), 'ok')
  assert.strictEqual(cb.state, 'closed')
  const m = cb.metrics()
  assert.strictEqual(m.rejected, 2)
  assert.strictEqual(m.failures, 2)
  assert.strictEqual(m.successes, 2)
  assert.strictEqual(m.failureRate, null)
})

test('stateChange events follow EventEmitter conventions, in order', async () => {
  const { cb, clock } = breaker()
  const seen = []
  cb.on('stateChange', (t) => seen.push(`${t.from}->${t.to}@${t.atMs}`))
  let opened = 0
  cb.once('open', () => opened++)
  await cb.execute(fail).catch(() => {})
  await cb.execute(fail).catch(() => {})
  clock.advance(1000)
  await cb.execute(ok)
  cb.forceOpen()
  cb.disable()
  cb.metricsOnly()
  cb.reset()
  assert.deepStrictEqual(seen, ['closed->open@0', 'open->half_open@1000', 'half_open->closed@1000',
    'closed->forced_open@1000', 'forced_open->disabled@1000', 'disabled->metrics_only@1000', 'metrics_only->closed@1000'])
  assert.strictEqual(opened, 1)
})

test('two-step tryAcquire: permit or null, success/failure/ignore/release', () => {
  const { cb, clock } = breaker()
  const p = cb.tryAcquire()
  assert.ok(p)
  assert.strictEqual(p.isProbe, false)
  p.failure()
  cb.tryAcquire().ignore()
  assert.strictEqual(cb.state, 'closed')
  cb.tryAcquire().failure()
  assert.strictEqual(cb.state, 'open')
  assert.strictEqual(cb.tryAcquire(), null)
  assert.strictEqual(cb.retryAfterMs(), 1000)
  clock.advance(1000)
  const probe = cb.tryAcquire()
  assert.strictEqual(probe.isProbe, true)
  assert.strictEqual(cb.tryAcquire(), null)
  probe.release()
  const again = cb.tryAcquire()
  assert.ok(again)
  again.success()
  assert.strictEqual(cb.state, 'closed')
  assert.strictEqual(cb.metrics().ignored, 1)
})

// Issue 10, defect 6: core's outcome mapping (spec/classify.md): an error
// isFailure does not count is a success, as in Resilience4j.
test('isFailure decides which errors count; the others are successes', async () => {
  const { cb } = breaker({ isFailure: (e) => e.status >= 500 })
  const e404 = Object.assign(new Error('nf'), { status: 404 })
  for (let i = 0; i < 5; i++) await cb.execute(async () => { throw e404 }).catch(() => {})
  assert.strictEqual(cb.state, 'closed')
  assert.deepStrictEqual([cb.metrics().successes, cb.metrics().ignored], [5, 0])
  await cb.execute(async () => { throw Object.assign(new Error('x'), { status: 503 }) }).catch(() => {})
  await cb.execute(async () => { throw Object.assign(new Error('x'), { status: 500 }) }).catch(() => {})
  assert.strictEqual(cb.state, 'open')
})

test('slow calls are measured on the breaker clock', async () => {
  const { cb, clock } = breaker({ failureCountThreshold: null, slowCallRateThreshold: 0.5, slowCallDurationThresholdMs: 100, windowSize: 2, minimumNumberOfCalls: 2 })
  const slow = () => new Promise((resolve) => { setImmediate(() => { clock.advance(150); resolve('slow') }) })
  await cb.execute(slow)
  await cb.execute(slow)
  assert.strictEqual(cb.metrics().slow, 2)
  assert.strictEqual(cb.state, 'open')
})

test('execute with an AbortSignal: pre-aborted, aborted mid-call (probe slot released)', async () => {
  const { cb, clock } = breaker()
  const ac = new AbortController()
  ac.abort(new Error('gone'))
  await assert.rejects(cb.execute(ok, { signal: ac.signal }), /gone/)
  await cb.execute(fail).catch(() => {})
  await cb.execute(fail).catch(() => {})
  clock.advance(1000)
  const ac2 = new AbortController()
  let seen
  const p = cb.execute((signal) => { seen = signal; return new Promise(() => {}) }, { signal: ac2.signal })
  assert.strictEqual(seen, ac2.signal)
  assert.strictEqual(cb.metrics().halfOpenInFlight, 1)
  ac2.abort(new Error('cancel'))
  await assert.rejects(p, /cancel/)
  assert.strictEqual(cb.metrics().halfOpenInFlight, 0)
  assert.strictEqual(await cb.execute(ok, { signal: new AbortController().signal }), 'ok')
  assert.strictEqual(cb.state, 'closed')
})

test('execute rejects a non-function', async () => {
  const { cb } = breaker()
  await assert.rejects(cb.execute('nope'), TypeError)
})

test('defaults construct and accept calls', async () => {
  const cb = new CircuitBreaker()
  assert.strictEqual(cb.state, 'closed')
  assert.strictEqual(await cb.execute(async () => 5), 5)
  assert.strictEqual(cb.metrics().openDurationMs, 60000)
})

test('overlapping executes settled out of order each record their own outcome and duration once', async () => {
  // execute() reuses its promise handlers between calls (lib/breaker.js);
  // more calls than it keeps (256), settled in shuffled order, some failing,
  // some ignored, one re-entering execute() from isFailure, plus a
  // non-native thenable.
  const clock = new ManualClock()
  const inner = []
  const cb = new CircuitBreaker({
    failureRateThreshold: null,
    failureCountThreshold: null,
    slowCallRateThreshold: null,
    slowCallDurationThresholdMs: 100,
    clock,
    isFailure: (e) => {
      if (inner.length < 3) inner.push(cb.execute(async () => 'inner'))
      return e.fail
    }
  })
  const n = 300
  const calls = []
  for (let i = 0; i < n; i++) {
    clock.advance(1)
    let settle
    const p = cb.execute(() => new Promise((resolve, reject) => {
      settle = () => (i % 3 === 0 ? resolve(i) : reject(Object.assign(new Error(`e${i}`), { fail: i % 3 === 1 })))
    }))
    calls.push({ i, start: clock.nowMs(), settle, p: p.then((v) => ['ok', v], (e) => ['err', e.message]) })
  }
  let seed = 7
  const order = calls.slice().sort(() => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5 })
  let slow = 0
  for (const c of order) {
    clock.advance(1)
    if (clock.nowMs() - c.start > 100) slow++
    c.settle()
    await new Promise(setImmediate)
  }
  // execute() returns what the thenable's then() returns
  const thenable = { then (resolve) { return new Promise((r) => setImmediate(() => r(resolve('t')))) } }
  assert.strictEqual(await cb.execute(() => thenable), 't')
  for (const c of calls) {
    assert.deepStrictEqual(await c.p, c.i % 3 === 0 ? ['ok', c.i] : ['err', `e${c.i}`])
  }
  assert.deepStrictEqual(await Promise.all(inner), ['inner', 'inner', 'inner'])
  const m = cb.metrics()
  assert.ok(slow > 0 && slow <= n, `slow ${slow}`)
  assert.deepStrictEqual(
    { successes: m.successes, failures: m.failures, ignored: m.ignored, slow: m.slow, state: m.state },
    { successes: 2 * n / 3 + 3 + 1, failures: n / 3, ignored: 0, slow, state: 'closed' })
})

test('without isFailure, seawall rejections are ignored and other errors are failures (core mapping)', async () => {
  const { cb } = breaker({})
  await cb.execute(async () => { throw new CircuitOpenError(5) }).catch(() => {})
  await cb.execute(async () => { throw new Error('wrapped', { cause: new CircuitOpenError(5) }) }).catch(() => {})
  await cb.execute(async () => { throw new Error('plain') }).catch(() => {})
  const m = cb.metrics()
  assert.deepStrictEqual([m.ignored, m.failures], [2, 1])
})

// Issue 10, defect 11: an isFailure that throws finishes the permit (as a
// failure) and the call rejects with the predicate's error.
test('a throwing isFailure finishes the call as a failure and is reported', async () => {
  const clock = new ManualClock()
  const boom = new Error('predicate')
  const cb = new CircuitBreaker({ failureCountThreshold: 1, openDurationMs: 10, halfOpenMaxCalls: 1, successThreshold: 1, clock, isFailure: () => { throw boom } })
  const first = new Error('first')
  await assert.rejects(cb.execute(async () => { throw first }), (e) => e === boom && e.cause === first)
  assert.strictEqual(cb.state, 'open')
  clock.advance(10)
  // the half-open probe: its predicate throws too; the probe is finished
  await assert.rejects(cb.execute(async () => { throw new Error('probe') }), (e) => e === boom)
  assert.strictEqual(cb.state, 'open')
  clock.advance(20)
  assert.strictEqual(await cb.execute(async () => 'ok'), 'ok')
  assert.strictEqual(cb.state, 'closed')
  // a synchronous throw and the signal path too
  await assert.rejects(cb.execute(() => { throw new Error('sync') }), (e) => e === boom)
  clock.advance(20)
  await assert.rejects(cb.execute(async () => { throw new Error('s') }, { signal: new AbortController().signal }), (e) => e === boom)
})
