'use strict'
// Native errors (issue 18): the native layer throws real errors whose
// `code` is core's (SEAWALL_<KIND>, the spelling of every binding), with
// the structured fields as properties (`field`, `retryAfterMs`); no message
// carries data. lib/errors.js maps them to the public classes by `code`.
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const seawall = require('seawall')

const lib = path.dirname(require.resolve('seawall'))
const binding = require(path.join(lib, 'native.js'))
const { mapNativeError } = require(path.join(lib, 'errors.js'))

// What each kind becomes in JS. A kind core adds must be placed here.
const PUBLIC = {
  invalid_config: RangeError,
  invalid_argument: RangeError,
  circuit_open: seawall.CircuitOpenError,
  rate_limited: seawall.RateLimitedError,
  bulkhead_full: seawall.BulkheadFullError,
  timeout: seawall.TimeoutError,
  retry_budget_exhausted: seawall.RetryBudgetExhaustedError,
  injected_fault: seawall.InjectedFaultError,
  retry_exhausted: seawall.RetryExhaustedError,
  shared_region: seawall.SeawallError
}

const codeOf = (kind) => `SEAWALL_${kind.toUpperCase()}`

function thrown (f) {
  try { f() } catch (e) { return e }
  assert.fail('did not throw')
}

function checkNative (e, kind, C) {
  assert.ok(e instanceof C, `${kind}: a ${e && e.constructor && e.constructor.name}, not a ${C.name}`)
  assert.strictEqual(e.code, codeOf(kind))
  assert.ok(!e.message.startsWith('\u0001'), `${kind}: tagged message ${JSON.stringify(e.message)}`)
}

test('every core error kind has a native error with core\'s code, mapped by code to its public class', () => {
  const kinds = binding.protocol.errorKinds
  assert.deepStrictEqual([...kinds].sort(), Object.keys(PUBLIC).sort())
  for (const kind of kinds) {
    const e = binding.kindError(kind)
    checkNative(e, kind, kind.startsWith('invalid_') ? RangeError : Error)
    const m = mapNativeError(e)
    assert.ok(m instanceof PUBLIC[kind], `${kind} maps to ${m.constructor.name}`)
    assert.strictEqual(m.code, codeOf(kind), kind)
    assert.strictEqual(m.constructor, PUBLIC[kind], kind)
  }
  // The public classes' own codes are the native ones.
  assert.strictEqual(new seawall.CircuitOpenError(1).code, binding.kindError('circuit_open').code)
  assert.strictEqual(new seawall.RateLimitedError(1).code, binding.kindError('rate_limited').code)
  assert.strictEqual(new seawall.BulkheadFullError().code, binding.kindError('bulkhead_full').code)
  assert.strictEqual(new seawall.TimeoutError(1).code, binding.kindError('timeout').code)
  assert.strictEqual(new seawall.InjectedFaultError().code, binding.kindError('injected_fault').code)
  assert.strictEqual(new seawall.RetryExhaustedError(1).code, binding.kindError('retry_exhausted').code)
  assert.strictEqual(new seawall.RetryBudgetExhaustedError().code, binding.kindError('retry_budget_exhausted').code)
  const bad = thrown(() => binding.kindError('nope'))
  checkNative(bad, 'invalid_argument', RangeError)
  assert.strictEqual(bad.field, 'kind')
})

test('errors thrown by native calls carry their code and fields as properties', () => {
  const range = thrown(() => binding.checkDurationMs('timeoutMs', -5, false))
  checkNative(range, 'invalid_config', RangeError)
  assert.strictEqual(range.field, 'timeoutMs')
  assert.match(range.message, /^timeoutMs must be .*got -5$/)

  const type = thrown(() => binding.checkDurationMs('timeoutMs', 'x', false))
  checkNative(type, 'invalid_config', TypeError)
  assert.strictEqual(type.field, 'timeoutMs')
  // The caller's value is added by the one mapping (only JS knows it).
  assert.strictEqual(mapNativeError(type, { timeoutMs: 'x' }).value, 'x')

  const l = new binding.NativeRateLimiter('token_bucket', { burst: 1, ratePerSec: 1 }, new binding.NativeManualClock())
  assert.strictEqual(l.reserve(1, 0).outcome, 'granted')
  const limited = thrown(() => l.reserve(1, 0))
  checkNative(limited, 'rate_limited', Error)
  assert.strictEqual(limited.retryAfterMs, 1000)
  const m = mapNativeError(limited)
  assert.ok(m instanceof seawall.RateLimitedError)
  assert.strictEqual(m.retryAfterMs, 1000)
  assert.strictEqual(m.message, 'rate limited; retry after 1000 ms')

  const arg = thrown(() => l.reserve(2, 0))
  checkNative(arg, 'invalid_argument', RangeError)
  assert.strictEqual(arg.field, 'n')
  assert.strictEqual(mapNativeError(arg, { n: 2 }).value, 2)

  if (process.platform !== 'win32') {
    const region = thrown(() => new binding.NativeSharedRegion(path.join(lib, 'no-such-dir', 'r')))
    checkNative(region, 'shared_region', Error)
    const r = mapNativeError(region)
    assert.ok(r instanceof seawall.SeawallError && r.code === 'SEAWALL_SHARED_REGION')
    assert.strictEqual(r.message, region.message)
  }
})

test('errors that are not native pass through the mapping unchanged', () => {
  const mine = Object.assign(new Error('mine'), { code: 'ECONNRESET' })
  assert.strictEqual(mapNativeError(mine), mine)
  const ours = new seawall.CircuitOpenError(5)
  assert.strictEqual(mapNativeError(ours), ours)
  const napi = thrown(() => binding.checkDurationMs(1, 1, false)) // napi-rs' own argument check
  assert.strictEqual(mapNativeError(napi), napi)
})

test('the public API raises the mapped errors: classes, codes, fields and values', async () => {
  const cfg = thrown(() => new seawall.CircuitBreaker({ failureRateThreshold: 2 }))
  assert.ok(cfg instanceof RangeError)
  assert.deepStrictEqual([cfg.code, cfg.field, cfg.value], ['SEAWALL_INVALID_CONFIG', 'failureRateThreshold', 2])
  assert.ok(!cfg.message.startsWith('\u0001') && cfg.message.startsWith('failureRateThreshold '))
  const clock = new seawall.ManualClock()
  const bucket = new seawall.TokenBucket({ burst: 1, ratePerSec: 1, clock })
  const arg = thrown(() => bucket.reserve(2))
  assert.ok(arg instanceof RangeError)
  assert.deepStrictEqual([arg.code, arg.field, arg.value], ['SEAWALL_INVALID_ARGUMENT', 'n', 2])
  bucket.tryAcquire()
  const limited = thrown(() => bucket.reserve(1))
  assert.ok(limited instanceof seawall.RateLimitedError)
  assert.strictEqual(limited.retryAfterMs, 1000)
})

test('a worker thread\'s native errors are made in its own environment', async () => {
  const { Worker } = require('node:worker_threads')
  const src = `
    const { parentPort } = require('node:worker_threads')
    const path = require('node:path')
    const seawall = require('seawall')
    const b = require(path.join(path.dirname(require.resolve('seawall')), 'native.js'))
    const out = []
    try { b.checkDurationMs('timeoutMs', -1, false) } catch (e) {
      out.push([e instanceof RangeError, e.code, e.field, e.message.charCodeAt(0) !== 1])
    }
    try { new seawall.TokenBucket({ burst: 0 }) } catch (e) { out.push([e instanceof RangeError, e.code, e.field, e.value]) }
    parentPort.postMessage(out)
  `
  const got = await new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true })
    w.once('message', (m) => { w.terminate(); resolve(m) })
    w.once('error', reject)
  })
  assert.deepStrictEqual(got, [
    [true, 'SEAWALL_INVALID_CONFIG', 'timeoutMs', true],
    [true, 'SEAWALL_INVALID_CONFIG', 'burst', 0]
  ])
  // The main thread's still work after the worker is gone.
  checkNative(thrown(() => binding.checkDurationMs('timeoutMs', -1, false)), 'invalid_config', RangeError)
})
