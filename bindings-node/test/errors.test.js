'use strict'
// Errors (issue 11 item 10): rejections are real Errors, a timeout's stack
// shows the caller, codes tell configuration from call arguments, and
// messages speak the JS option names and milliseconds.
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const { isNativeError } = require('node:util').types
const { spawnSync } = require('node:child_process')
const seawall = require('seawall')

const never = () => new Promise(() => {})

async function rejection (p) {
  try { await p } catch (e) { return e }
  assert.fail('did not reject')
}

test('fast-path rejections are real Errors of their class, with code and name', async () => {
  const clock = new seawall.ManualClock()
  const open = new seawall.CircuitBreaker({ clock })
  open.forceOpen()
  const full = new seawall.Bulkhead({ maxConcurrent: 1, maxQueue: 0, clock })
  full.tryAcquire()
  const empty = new seawall.TokenBucket({ burst: 1, ratePerSec: 1, clock })
  empty.tryAcquire()
  const cases = [
    [seawall.CircuitOpenError, 'SEAWALL_CIRCUIT_OPEN', await rejection(open.execute(async () => 1))],
    [seawall.CircuitOpenError, 'SEAWALL_CIRCUIT_OPEN', await rejection(open.execute(async () => 1, { signal: new AbortController().signal }))],
    [seawall.BulkheadFullError, 'SEAWALL_BULKHEAD_FULL', await rejection(full.execute(async () => 1))],
    [seawall.BulkheadFullError, 'SEAWALL_BULKHEAD_FULL', await rejection(full.acquire())],
    [seawall.RateLimitedError, 'SEAWALL_RATE_LIMITED', await rejection(empty.acquire(1, { timeoutMs: 0 }))],
    [seawall.RateLimitedError, 'SEAWALL_RATE_LIMITED', await rejection(new seawall.Policy({ rateLimiter: empty }).execute(async () => 1))],
    [seawall.CircuitOpenError, 'SEAWALL_CIRCUIT_OPEN', await rejection(new seawall.Policy({ circuitBreaker: open }).execute(async () => 1))],
    [seawall.BulkheadFullError, 'SEAWALL_BULKHEAD_FULL', await rejection(new seawall.Policy({ bulkhead: full }).execute(async () => 1))],
    [seawall.InjectedFaultError, 'SEAWALL_INJECTED_FAULT', await rejection(new seawall.FaultInjector({ errorRate: 1, clock }).execute(async () => 1))],
    [seawall.TimeoutError, 'SEAWALL_TIMEOUT', await rejection((() => { const p = seawall.timeout(never, 5, { clock }); clock.advance(5); return p })())]
  ]
  for (const [C, code, e] of cases) {
    assert.ok(isNativeError(e), `${C.name} is not a native error`)
    assert.ok(e instanceof C && e instanceof seawall.SeawallError && e instanceof Error, C.name)
    assert.strictEqual(e.code, code)
    assert.strictEqual(e.name, C.name)
    assert.ok(typeof e.stack === 'string' && e.stack.startsWith(`${C.name}: ${e.message}`), e.stack)
    assert.strictEqual(Object.prototype.toString.call(e), '[object Error]')
  }
  const s = new seawall.Policy({ circuitBreaker: open }).tryAcquire()
  assert.ok(isNativeError(s.error) && s.error.stage === 'circuit_breaker')
})

test('an unhandled rejection prints the error with its code', () => {
  const r = spawnSync(process.execPath, ['-e', `
    const s = require('seawall')
    const cb = new s.CircuitBreaker()
    cb.forceOpen()
    cb.execute(async () => 1)
  `], { encoding: 'utf8', cwd: path.join(__dirname, '..') })
  assert.notStrictEqual(r.status, 0)
  assert.match(r.stderr, /CircuitOpenError: circuit open/)
  assert.match(r.stderr, /code: 'SEAWALL_CIRCUIT_OPEN'/)
})

test("a TimeoutError's stack names the function that awaited the call", async () => {
  const clock = new seawall.ManualClock()
  async function loadUserProfile () {
    return seawall.timeout(never, 50, { clock })
  }
  async function handleRequest () {
    await loadUserProfile()
  }
  const p = handleRequest()
  clock.advance(50)
  const e = await rejection(p)
  assert.ok(e instanceof seawall.TimeoutError)
  assert.match(e.stack, /^TimeoutError: timed out after 50 ms\n/)
  assert.match(e.stack, /handleRequest/, e.stack)
  const d = seawall.deadline(10, { clock })
  async function viaDeadline () { await d.run(never) }
  const q = viaDeadline()
  clock.advance(10)
  assert.match((await rejection(q)).stack, /viaDeadline/)
})

test('a subclass of SeawallError is named after itself', () => {
  class MyError extends seawall.SeawallError {}
  assert.strictEqual(new MyError('x', 'MY_CODE').name, 'MyError')
  assert.strictEqual(new seawall.CircuitOpenError(5).name, 'CircuitOpenError')
})

// Options of a primitive are configuration (SEAWALL_INVALID_CONFIG); what a
// call is given is an argument (SEAWALL_INVALID_ARGUMENT), whichever layer
// (Rust or JS) checks it.
function codeOf (f) {
  try { f() } catch (e) { return e.code }
  return 'no error'
}
async function codeOfAsync (f) {
  try { await f() } catch (e) { return e.code }
  return 'no error'
}

test('configuration errors and call-argument errors have their own codes', async () => {
  const config = {
    'CircuitBreaker({ openDurationMs: -1 })': () => new seawall.CircuitBreaker({ openDurationMs: -1 }),
    'CircuitBreaker({ isFailure: 5 })': () => new seawall.CircuitBreaker({ isFailure: 5 }),
    'CircuitBreaker(5)': () => new seawall.CircuitBreaker(5),
    'TokenBucket({ burst: "x" })': () => new seawall.TokenBucket({ burst: 'x' }),
    'Bulkhead({ maxWaitMs: NaN })': () => new seawall.Bulkhead({ maxWaitMs: NaN }),
    'Bulkhead("x")': () => new seawall.Bulkhead('x'),
    'FaultInjector({ error: 5 })': () => new seawall.FaultInjector({ error: 5 }),
    'ManualClock({ startNs: -1 })': () => new seawall.ManualClock({ startNs: -1 }),
    'ManualClock({ startMs: -1 })': () => new seawall.ManualClock({ startMs: -1 }),
    'ManualClock(5)': () => new seawall.ManualClock(5),
    'Policy({ timeoutMs: 0 })': () => new seawall.Policy({ timeoutMs: 0 }),
    'Policy({ circuitBreaker: {} })': () => new seawall.Policy({ circuitBreaker: {} }),
    'rateLimitMiddleware({ limiter: 5 })': () => seawall.rateLimitMiddleware({ limiter: 5 }),
    'rateLimitMiddleware({ key: 5 })': () => seawall.rateLimitMiddleware({ limiter: new seawall.TokenBucket(), key: 5 }),
    'Backoff({ unknown: 1 })': () => new seawall.Backoff({ unknown: 1 })
  }
  for (const [what, f] of Object.entries(config)) assert.strictEqual(codeOf(f), 'SEAWALL_INVALID_CONFIG', what)
  const clock = new seawall.ManualClock()
  const args = {
    'clock.advance(-1)': () => clock.advance(-1),
    'clock.advance("x")': () => clock.advance('x'),
    'clock.advanceNs(-1)': () => clock.advanceNs(-1),
    'deadline(-1)': () => seawall.deadline(-1),
    'TokenBucket.tryAcquire(0)': () => new seawall.TokenBucket().tryAcquire(0),
    'TokenBucket.refund(-1)': () => new seawall.TokenBucket().refund(-1),
    'KeyedTokenBucket.tryAcquire({})': () => new seawall.KeyedTokenBucket().tryAcquire({}),
    'permit.success(NaN)': () => new seawall.CircuitBreaker().tryAcquire().success(NaN),
    'AdaptiveTimeout.record(-1)': () => new seawall.AdaptiveTimeout().record(-1),
    'Backoff.delayForMs(-1)': () => new seawall.Backoff().delayForMs(-1),
    'FaultInjector.setEnabled(1)': () => new seawall.FaultInjector().setEnabled(1)
  }
  for (const [what, f] of Object.entries(args)) assert.strictEqual(codeOf(f), 'SEAWALL_INVALID_ARGUMENT', what)
  const asyncArgs = {
    'timeout(fn, 0)': () => seawall.timeout(async () => 1, 0),
    'timeout(fn, "x")': () => seawall.timeout(async () => 1, 'x'),
    'timeout("x", 5)': () => seawall.timeout('x', 5),
    'TokenBucket.acquire(1, { timeoutMs: -1 })': () => new seawall.TokenBucket().acquire(1, { timeoutMs: -1 }),
    'Bulkhead.acquire({ timeoutMs: -1 })': () => new seawall.Bulkhead().acquire({ timeoutMs: -1 }),
    'Bulkhead.execute(fn, { timeoutMs: NaN })': () => new seawall.Bulkhead().execute(async () => 1, { timeoutMs: NaN }),
    'CircuitBreaker.execute(5)': () => new seawall.CircuitBreaker().execute(5),
    'degrade part timeoutMs -1': () => seawall.degrade({ a: { fn: async () => 1, timeoutMs: -1 } }),
    'retry(fn, { retryIf: 5 })': () => seawall.retry(async () => 1, { retryIf: 5 })
  }
  for (const [what, f] of Object.entries(asyncArgs)) assert.strictEqual(await codeOfAsync(f), 'SEAWALL_INVALID_ARGUMENT', what)
})

test('messages name the options as written in JS, with durations in ms', () => {
  const cases = [
    [() => new seawall.Backoff({ baseMs: 60000, maxDelayMs: 50 }), 'maxDelayMs must be >= baseMs (60000 ms), got 50'],
    [() => new seawall.Backoff({ maxDelayMs: 50 }), 'maxDelayMs must be >= baseMs (100 ms), got 50'],
    [() => new seawall.AdaptiveTimeout({ minTimeoutMs: 1000, maxTimeoutMs: 500 }), 'maxTimeoutMs must be >= minTimeoutMs (1000 ms), got 500'],
    [() => new seawall.CircuitBreaker({ openDurationMs: 1000, maxOpenDurationMs: 10 }), 'maxOpenDurationMs must be >= openDurationMs (1000 ms), got 10'],
    [() => new seawall.FaultInjector({ delayMinMs: 1500, delayMaxMs: 500 }), 'delayMaxMs must be >= delayMinMs (1500 ms), got 500'],
    [() => new seawall.CircuitBreaker({ failureCountPeriodMs: 1000 }), 'failureCountPeriodMs is set (1000 ms) but failureCountThreshold is not'],
    [() => new seawall.AdaptiveTimeout({ initialTimeoutMs: 1e9 }), 'initialTimeoutMs must be in [minTimeoutMs, maxTimeoutMs]']
  ]
  for (const [f, text] of cases) {
    let e
    try { f() } catch (err) { e = err }
    assert.ok(e && e.message.includes(text), `${e && e.message} does not include ${text}`)
    assert.doesNotMatch(e.message, /\b[a-z]+_[a-z_]+\b/, 'a snake_case core name')
    assert.doesNotMatch(e.message, /\d(ns|µs|s)\b/, 'a Rust duration')
  }
})

test('AdaptiveTimeout and degrade() timeouts carry the caller too', async () => {
  const clock = new seawall.ManualClock()
  const at = new seawall.AdaptiveTimeout({ clock, initialTimeoutMs: 20, minTimeoutMs: 10, maxTimeoutMs: 100 })
  async function adaptiveCaller () { await at.execute(never) }
  const p = adaptiveCaller()
  clock.advance(20)
  assert.match((await rejection(p)).stack, /adaptiveCaller/)
  async function degradeCaller () { await seawall.degrade({ a: { fn: never, timeoutMs: 5 } }, { clock }) }
  const q = degradeCaller()
  clock.advance(5)
  assert.match((await rejection(q)).stack, /degradeCaller/)
})
