'use strict'
const test = require('node:test')
const assert = require('node:assert')
const {
  retry, Backoff, RetryBudget, ManualClock, RetryExhaustedError, RetryBudgetExhaustedError,
  isRetryableError, retryAfterOf, RETRYABLE_STATUSES, kindForCode, TimeoutError, CircuitOpenError,
  RateLimitedError, BulkheadFullError, InjectedFaultError, isRetryableErrorKind, classifyError, parseRetryAfter, Retry
} = require('seawall')

const netErr = (code) => Object.assign(new Error(code), { code })
const httpErr = (status, headers) => Object.assign(new Error('HTTP ' + status), { status, headers })

test('classification comes from core', () => {
  assert.deepStrictEqual([...RETRYABLE_STATUSES], [408, 429, 500, 502, 503, 504])
  for (const c of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_SOCKET']) assert.ok(isRetryableError(netErr(c)), c)
  assert.strictEqual(kindForCode('ECONNREFUSED'), 'connection_refused')
  assert.strictEqual(kindForCode('ENOENT'), null)
  assert.ok(!isRetryableError(netErr('ENOENT')))
  for (const s of [408, 429, 500, 502, 503, 504]) {
    assert.ok(isRetryableError(httpErr(s)), String(s))
    assert.ok(isRetryableError({ response: { status: s } }), 'response.status ' + s)
  }
  for (const s of [400, 401, 404, 501, 505]) assert.ok(!isRetryableError(httpErr(s)), String(s))
  assert.ok(isRetryableError(new TypeError('fetch failed', { cause: netErr('ECONNRESET') })))
  assert.ok(isRetryableError(new TimeoutError(5)))
  assert.ok(!isRetryableError(new CircuitOpenError(5)))
  assert.ok(!isRetryableError(new Error('plain')))
  assert.ok(!isRetryableError(null))
})

test('Retry-After: seconds, HTTP dates, seawall errors', () => {
  assert.strictEqual(retryAfterOf(httpErr(503, { 'retry-after': '3' })), 3000)
  assert.strictEqual(retryAfterOf({ response: { headers: new Headers({ 'Retry-After': '2' }) } }), 2000)
  const at = new Date(Date.now() + 10_000).toUTCString()
  const ms = retryAfterOf(httpErr(429, { 'retry-after': at }))
  assert.ok(ms > 8000 && ms <= 10_000, String(ms))
  assert.strictEqual(retryAfterOf(new CircuitOpenError(1234)), 1234)
  assert.strictEqual(retryAfterOf(new Error('x')), undefined)
})

test('retry succeeds after transient failures, sleeping the schedule on the manual clock', async () => {
  const clock = new ManualClock()
  let calls = 0
  const delays = []
  const p = retry(async ({ attempt }) => {
    calls++
    assert.strictEqual(attempt, calls)
    if (calls < 3) throw netErr('ECONNRESET')
    return 'ok'
  }, { maxAttempts: 5, baseMs: 100, jitter: 'none', clock, onRetry: (r) => delays.push(r.delayMs) })
  await clock.tickAsync(1000)
  assert.strictEqual(await p, 'ok')
  assert.strictEqual(calls, 3)
  assert.deepStrictEqual(delays, [100, 200])
  assert.strictEqual(clock.nowMs(), 1000)
})

test('retry gives up with SEAWALL_RETRY_EXHAUSTED carrying attempts and cause', async () => {
  const clock = new ManualClock()
  const last = netErr('ETIMEDOUT')
  const p = retry(async () => { throw last }, { maxAttempts: 3, baseMs: 10, jitter: 'none', clock })
  const check = assert.rejects(p, (e) => e instanceof RetryExhaustedError && e.code === 'SEAWALL_RETRY_EXHAUSTED' && e.attempts === 3 && e.cause === last)
  await clock.tickAsync(100)
  await check
})

test('retry does not retry what the classifier rejects', async () => {
  let calls = 0
  const e = httpErr(404)
  await assert.rejects(retry(async () => { calls++; throw e }, { maxAttempts: 5, baseMs: 0 }), (x) => x === e)
  assert.strictEqual(calls, 1)
  calls = 0
  await assert.rejects(retry(async () => { calls++; throw new Error('custom') }, { maxAttempts: 3, baseMs: 0, retryIf: () => true }), { code: 'SEAWALL_RETRY_EXHAUSTED' })
  assert.strictEqual(calls, 3)
})

test('retry honours Retry-After over the computed delay', async () => {
  const clock = new ManualClock()
  const delays = []
  let calls = 0
  const p = retry(async () => { if (++calls === 1) throw httpErr(503, { 'retry-after': '5' }); return calls },
    { maxAttempts: 3, baseMs: 10, jitter: 'none', clock, onRetry: (r) => delays.push(r.delayMs) })
  assert.strictEqual(await p, 2)
  assert.deepStrictEqual(delays, [5000])
  assert.strictEqual(clock.nowMs(), 5000, 'the sleep moved the manual clock by the Retry-After')
})

test('retry with a budget stops when the budget is exhausted', async () => {
  const budget = new RetryBudget({ maxTokens: 2, tokenRatio: 0.1 })
  let calls = 0
  await assert.rejects(retry(async () => { calls++; throw netErr('ECONNRESET') }, { maxAttempts: 10, baseMs: 0, budget }),
    (e) => e instanceof RetryBudgetExhaustedError && e.code === 'SEAWALL_RETRY_BUDGET_EXHAUSTED' && e.cause.code === 'ECONNRESET')
  assert.strictEqual(calls, 1)
  assert.strictEqual(budget.metrics().retriesDenied, 1)
})

test('retry aborts on the signal, during a wait too', async () => {
  const clock = new ManualClock()
  const ac = new AbortController()
  let calls = 0
  // Aborted as the retry is about to sleep: the sleep does not happen.
  const p = retry(async () => { calls++; throw netErr('ECONNRESET') },
    { maxAttempts: 5, baseMs: 1000, jitter: 'none', clock, signal: ac.signal, onRetry: () => ac.abort(new Error('stop')) })
  await assert.rejects(p, /stop/)
  assert.strictEqual(calls, 1)
  assert.strictEqual(clock.nowMs(), 0)
  assert.strictEqual(clock.pendingTimers, 0)
  await assert.rejects(retry(async () => 1, { signal: ac.signal }), /stop/)
})

test('retry with the real clock and a shared Backoff', async () => {
  const backoff = new Backoff({ baseMs: 1, maxAttempts: 3, jitter: 'full', seed: 7 })
  let calls = 0
  assert.strictEqual(await retry(async () => { if (++calls < 3) throw netErr('ECONNRESET'); return 'done' }, { backoff }), 'done')
  assert.strictEqual(backoff.metrics().retries, 2)
})

test('seeded schedules are reproducible', () => {
  const a = new Backoff({ seed: 42, maxAttempts: 11, jitter: 'decorrelated', baseMs: 100, maxDelayMs: 30000 })
  const b = new Backoff({ seed: 42n, maxAttempts: 11, jitter: 'decorrelated', baseMs: 100, maxDelayMs: 30000 })
  const sa = a.schedule()
  const sb = b.schedule()
  for (let i = 0; i < 10; i++) assert.strictEqual(sa.nextDelayMs(), sb.nextDelayMs())
  assert.strictEqual(sa.nextDelayMs(), null)
  assert.strictEqual(sa.exhausted, true)
  assert.strictEqual(sa.attempts, 11)
})

test('bad retry arguments reject with TypeErrors', async () => {
  await assert.rejects(retry('x'), TypeError)
  await assert.rejects(retry(async () => 1, { retryIf: 3 }), TypeError)
  await assert.rejects(retry(async () => 1, { budget: {} }), TypeError)
  await assert.rejects(retry(async () => 1, { maxAttempts: 0 }), (e) => e instanceof RangeError && e.field === 'maxAttempts')
  assert.throws(() => new Backoff().schedule().nextDelayMs({ retryAfterMs: -1 }), RangeError)
})

test('a schedule counts its retries when it ends: finish(), dispose() or retry() finishing', async () => {
  const b = new Backoff({ kind: 'constant', baseMs: 1, jitter: 'none', maxAttempts: 10 })
  const s = b.schedule()
  assert.strictEqual(s.nextDelayMs(), 1)
  assert.strictEqual(s.nextDelayMs(), 1)
  assert.strictEqual(b.metrics().retries, 0, 'still running')
  assert.strictEqual(s.elapsedMs(), null, 'no maxElapsedMs: the clock is never read')
  s.finish()
  assert.strictEqual(b.metrics().retries, 2)
  assert.ok(s.exhausted)
  assert.strictEqual(s.nextDelayMs(), null, 'a finished schedule gives up')
  s.finish()
  assert.strictEqual(b.metrics().retries, 2, 'counted once')
  const t = b.schedule()
  t.nextDelayMs()
  t.dispose()
  assert.strictEqual(b.metrics().retries, 3)
  const clock = new ManualClock()
  let calls = 0
  const r = retry(async () => { if (++calls < 3) throw netErr('ECONNRESET'); return 'ok' },
    { backoff: b, clock })
  await clock.tickAsync(10)
  assert.strictEqual(await r, 'ok')
  assert.strictEqual(b.metrics().retries, 5, 'retry() ends its schedule')
  assert.strictEqual(b.metrics().schedules, 3)
})

test('interleaved schedules (and other native calls in between) keep their own states', () => {
  const { CircuitBreaker, TokenBucket } = require('seawall')
  const opts = { baseMs: 100, maxDelayMs: 30_000, jitter: 'decorrelated', maxAttempts: 12, seed: 7 }
  const alone = (k) => {
    const b = new Backoff(opts)
    for (let i = 0; i < k; i++) b.schedule().finish() // schedule k draws stream k
    const s = b.schedule()
    const out = []
    for (let i = 0; i < 11; i++) out.push(s.nextDelayMs())
    out.push(s.nextDelayMs())
    return out
  }
  const b = new Backoff(opts)
  const s0 = b.schedule()
  const s1 = b.schedule()
  const cb = new CircuitBreaker()
  const tb = new TokenBucket({ burst: 10, ratePerSec: 1 })
  const got0 = []
  const got1 = []
  for (let i = 0; i < 12; i++) {
    got0.push(s0.nextDelayMs())
    cb.tryAcquire().success()
    tb.check(1)
    if (i % 3 === 0) got1.push(...s1.nextDelaysMs(1))
    else got1.push(s1.nextDelayMs())
    assert.strictEqual(s0.retries, Math.min(i + 1, 11))
  }
  assert.deepStrictEqual(got0, alone(0))
  assert.deepStrictEqual(got1.filter((d) => d !== null), alone(1).filter((d) => d !== null))
  assert.ok(s0.exhausted && s1.exhausted)
  assert.strictEqual(b.metrics().retries, 22)
})

// Issue 10, defect 7: a schedule is a call that failed at least once (core's
// rule); a call whose first attempt succeeds starts none.
test('retry counts a schedule only for calls that failed (Backoff.metrics().schedules)', async () => {
  const backoff = new Backoff({ baseMs: 0, maxAttempts: 3 })
  for (let i = 0; i < 3; i++) assert.strictEqual(await retry(async () => i, { backoff }), i)
  assert.strictEqual(backoff.metrics().schedules, 0)
  let calls = 0
  await retry(async () => { if (++calls === 1) throw netErr('ECONNRESET'); return calls }, { backoff })
  assert.deepStrictEqual([backoff.metrics().schedules, backoff.metrics().retries], [1, 1])
})

// Issue 10, defect 12: maxAttempts next to a Backoff object caps the call.
test('retry({ backoff, maxAttempts }) caps the attempts of a Backoff object', async () => {
  const backoff = new Backoff({ baseMs: 0, maxAttempts: 5 })
  let calls = 0
  const last = netErr('ECONNRESET')
  await assert.rejects(retry(async () => { calls++; throw last }, { backoff, maxAttempts: 2 }),
    (e) => e instanceof RetryExhaustedError && e.attempts === 2 && e.reason === 'attempts' && e.cause === last)
  assert.strictEqual(calls, 2)
  await assert.rejects(retry(async () => 1, { backoff, maxAttempts: 6 }),
    (e) => e instanceof RangeError && e.code === 'SEAWALL_INVALID_CONFIG' && e.field === 'maxAttempts' && /\[1, 5\]/.test(e.message))
  await assert.rejects(retry(async () => 1, { backoff, maxAttempts: 'x' }), (e) => e instanceof TypeError && e.field === 'maxAttempts')
})

// Issue 10, defect 4: Retry-After is parsed by core ("1.5" is 1.5 s).
test('retry honours a fractional Retry-After as core parses it', async () => {
  const clock = new ManualClock()
  const delays = []
  let calls = 0
  const p = retry(async () => { if (++calls === 1) throw httpErr(503, { 'retry-after': '1.5' }); return calls },
    { maxAttempts: 3, baseMs: 10, jitter: 'none', clock, onRetry: (r) => delays.push(r.delayMs) })
  await clock.tickAsync(1500)
  assert.strictEqual(await p, 2)
  assert.deepStrictEqual(delays, [1500])
  assert.strictEqual(parseRetryAfter('1.5.0', 0), undefined)
  assert.strictEqual(parseRetryAfter(' 1,5', 0), undefined)
})

// Issue 10, defect 3: seawall's own errors are retried as core's table says,
// down the cause chain too.
test("seawall's own errors are classified by core's table", () => {
  const errs = {
    circuit_open: new CircuitOpenError(5),
    rate_limited: new RateLimitedError(5),
    bulkhead_full: new BulkheadFullError(),
    timeout: new TimeoutError(5),
    retry_budget_exhausted: new RetryBudgetExhaustedError(),
    injected_fault: new InjectedFaultError(),
    retry_exhausted: new RetryExhaustedError(3, new Error('x'))
  }
  for (const [kind, e] of Object.entries(errs)) {
    assert.strictEqual(isRetryableError(e), isRetryableErrorKind(kind), kind)
    assert.strictEqual(isRetryableError(new Error('wrapped', { cause: e })), isRetryableErrorKind(kind), 'cause ' + kind)
  }
  assert.strictEqual(isRetryableErrorKind('circuit_open'), false)
  assert.throws(() => isRetryableErrorKind('nope'), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'kind')
  // a rate limit's hint is the retry delay
  assert.strictEqual(classifyError(new RateLimitedError(250)).retryAfterMs, 250)
})

test('a retryIf or onRetry that throws fails that call with its error, never a crash', async () => {
  const boom = new Error('predicate')
  const first = netErr('ECONNRESET')
  await assert.rejects(retry(async () => { throw first }, { baseMs: 0, retryIf: () => { throw boom } }), (e) => e === boom && e.cause === first)
  const boom2 = new Error('hook')
  await assert.rejects(retry(async () => { throw netErr('ECONNRESET') }, { baseMs: 0, onRetry: () => { throw boom2 } }), (e) => e === boom2)
})

test('Retry: core retry run driven by hand', () => {
  const r = new Retry({ backoff: new Backoff({ baseMs: 100, jitter: 'none', maxAttempts: 3 }) })
  const run = r.start()
  assert.deepStrictEqual(run.onFailure({}), { action: 'sleep', delayMs: 100, attempts: 1 })
  assert.deepStrictEqual(run.onFailure({ retryAfterMs: 7 }), { action: 'sleep', delayMs: 7, attempts: 2 })
  assert.deepStrictEqual(run.onFailure({}), { action: 'give_up', reason: 'attempts', attempts: 3, error: 'retry_exhausted' })
  assert.strictEqual(run.status, 'gave_up')
  const run2 = r.start()
  assert.deepStrictEqual(run2.onFailure({ retryable: false }), { action: 'give_up', reason: 'not_retryable', attempts: 1, error: null })
  assert.throws(() => run2.onFailure({ retryAfterMs: -1 }), (e) => e.field === 'retryAfterMs')
  assert.throws(() => run2.onFailure({ retryable: 'yes' }), (e) => e instanceof TypeError && e.field === 'retryable')
  assert.throws(() => new Retry({ maxAttempts: 0 }), (e) => e.field === 'maxAttempts')
  assert.throws(() => new Retry({ budget: {} }), (e) => e instanceof TypeError && e.field === 'budget')
})

test('retry() with options per call: each call gets its own values (the last-options cache), and bad values still throw', async () => {
  // Retry-After: 0 replaces the computed delay, so nothing sleeps.
  const fail = () => Promise.reject(httpErr(503, { 'retry-after': '0' }))
  for (const n of [2, 3, 3, 2, 4, 2]) {
    const e = await retry(fail, { baseMs: 50, maxAttempts: n }).catch((err) => err)
    assert.ok(e instanceof RetryExhaustedError, String(e))
    assert.strictEqual(e.attempts, n)
  }
  const opts = { baseMs: 50, maxAttempts: 3 }
  assert.strictEqual((await retry(fail, opts).catch((err) => err)).attempts, 3)
  opts.maxAttempts = 2 // the same object, changed: its new value counts
  assert.strictEqual((await retry(fail, opts).catch((err) => err)).attempts, 2)
  await assert.rejects(retry(fail, { baseMs: 50, maxAttempts: '3' }), (err) => err.field === 'maxAttempts')
  await assert.rejects(retry(fail, { baseMs: 50, maxAttempts: 0 }), (err) => err.field === 'maxAttempts')
  assert.strictEqual((await retry(fail, { baseMs: 50, maxAttempts: 2 }).catch((err) => err)).attempts, 2)
})
