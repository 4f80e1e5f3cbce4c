'use strict'
// Events of a policy's execute() run (spec/metrics.md "Events and logs"):
// a stage's refusal is one 'rejected' event, also when the retry stage
// tries again; a sleep is 'retryScheduled'; the retry stage stopping is
// 'gaveUp' (core's reason); a cut-off attempt is 'timeout'; a fallback
// answering is 'fallbackUsed'. A listener that throws changes nothing.
const test = require('node:test')
const assert = require('node:assert')
const seawall = require('seawall')
const { events, ManualClock, Policy, TokenBucket, CircuitBreaker, Bulkhead } = seawall

const NAMES = ['rejected', 'retryScheduled', 'gaveUp', 'timeout', 'fallbackUsed']

function listen () {
  const seen = []
  const fns = NAMES.map((n) => [n, (e) => seen.push([n, e])])
  for (const [n, f] of fns) events.on(n, f)
  return { seen, off: () => { for (const [n, f] of fns) events.off(n, f) } }
}

const reset = () => Object.assign(new Error('reset'), { code: 'ECONNRESET' })

test('a limiter refusal that the retry stage retries: rejected, then retryScheduled with the refusal', async () => {
  const clock = new ManualClock()
  const rateLimiter = new TokenBucket({ burst: 1, ratePerSec: 1, clock, name: 'pe-tb' })
  const p = new Policy({ rateLimiter, retry: { maxAttempts: 3, baseMs: 10, jitter: 'none' }, clock })
  assert.strictEqual(await p.execute(async () => 'first'), 'first')
  const l = listen()
  try {
    const run = p.execute(async () => 'second')
    await clock.tickAsync(1000)
    assert.strictEqual(await run, 'second')
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen.map(([n]) => n), ['rejected', 'retryScheduled'])
  assert.deepStrictEqual(l.seen[0][1], { by: 'rate_limiter', name: 'pe-tb', retryAfterMs: 1000 })
  const s = l.seen[1][1]
  assert.strictEqual(s.attempt, 1, "the retry stage counts the refusal (as a give-up's attempts would)")
  assert.strictEqual(s.delayMs, 1000, "core's delay honours the limiter's retry-after")
  assert.strictEqual(s.error.code, 'SEAWALL_RATE_LIMITED')
  assert.strictEqual(s.error.stage, 'rate_limiter')
  assert.strictEqual(rateLimiter.metrics().denied, 1)
})

test('an open breaker in a policy: one rejected event, then gaveUp (not_retryable) and fallbackUsed', async () => {
  const clock = new ManualClock()
  const circuitBreaker = new CircuitBreaker({ clock, name: 'pe-cb' })
  circuitBreaker.forceOpen()
  const p = new Policy({ circuitBreaker, retry: { maxAttempts: 3, baseMs: 10, jitter: 'none' }, fallback: 'cached', clock })
  const l = listen()
  try {
    assert.strictEqual(await p.execute(async () => 'live'), 'cached')
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen.map(([n]) => n), ['rejected', 'gaveUp', 'fallbackUsed'])
  assert.strictEqual(l.seen[0][1].by, 'circuit_breaker')
  assert.strictEqual(l.seen[0][1].name, 'pe-cb')
  assert.ok(l.seen[0][1].retryAfterMs > 0)
  assert.strictEqual(l.seen[1][1].reason, 'not_retryable')
  assert.strictEqual(l.seen[1][1].error.code, 'SEAWALL_CIRCUIT_OPEN')
  assert.strictEqual(l.seen[2][1].error.code, 'SEAWALL_CIRCUIT_OPEN')
})

test('failures retried to the end: retryScheduled per sleep, gaveUp with attempts and the last failure', async () => {
  const clock = new ManualClock()
  const p = new Policy({ retry: { maxAttempts: 3, baseMs: 10, jitter: 'none' }, clock })
  const l = listen()
  let last
  try {
    const run = p.execute(async () => { last = reset(); throw last })
    const check = assert.rejects(run, (e) => e.code === 'SEAWALL_RETRY_EXHAUSTED')
    await clock.tickAsync(100)
    await check
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen.map(([n, e]) => [n, e.attempt ?? e.attempts, e.delayMs ?? e.reason]),
    [['retryScheduled', 1, 10], ['retryScheduled', 2, 20], ['gaveUp', 3, 'attempts']])
  assert.strictEqual(l.seen[2][1].error, last)
})

test('a cut-off attempt is a timeout event; a bulkhead wait that runs out is one rejected event', async () => {
  const clock = new ManualClock()
  const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 50, clock, name: 'pe-bh' })
  const p = new Policy({ bulkhead, timeoutMs: 100, clock })
  const l = listen()
  try {
    const hang = p.execute((signal) => new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
    const queued = p.execute(async () => 'never')
    const c1 = assert.rejects(queued, (e) => e.code === 'SEAWALL_BULKHEAD_FULL')
    const c2 = assert.rejects(hang, (e) => e.code === 'SEAWALL_TIMEOUT')
    await clock.tickAsync(100)
    await c1
    await c2
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen.map(([n]) => n), ['rejected', 'timeout'])
  assert.deepStrictEqual(l.seen[0][1], { by: 'bulkhead', name: 'pe-bh', retryAfterMs: -1 })
  assert.deepStrictEqual(l.seen[1][1], { limitMs: 100 })
})

test('a hand-driven run reports the refusal and the give-up of its steps', () => {
  const clock = new ManualClock()
  const circuitBreaker = new CircuitBreaker({ clock, name: 'pe-hand' })
  circuitBreaker.forceOpen()
  const p = new Policy({ circuitBreaker, retry: { maxAttempts: 2, baseMs: 10, jitter: 'none' }, clock })
  const l = listen()
  try {
    const step = p.start().next()
    assert.strictEqual(step.step, 'fail')
  } finally {
    l.off()
  }
  assert.deepStrictEqual(l.seen.map(([n]) => n), ['rejected', 'gaveUp'])
  assert.strictEqual(l.seen[1][1].reason, 'not_retryable')
})

test('a listener that throws does not change the run and is reported once', async () => {
  const clock = new ManualClock()
  const rateLimiter = new TokenBucket({ burst: 1, ratePerSec: 1, clock })
  const p = new Policy({ rateLimiter, fallback: 'degraded', clock })
  assert.strictEqual(await p.execute(async () => 'ok'), 'ok')
  const boom = new Error('listener bug')
  const thrower = () => { throw boom }
  const reported = []
  const onErr = (e) => reported.push(e)
  events.on('rejected', thrower)
  events.on('fallbackUsed', thrower)
  events.on('listenerError', onErr)
  try {
    assert.strictEqual(await p.execute(async () => 'ok'), 'degraded')
  } finally {
    events.off('rejected', thrower)
    events.off('fallbackUsed', thrower)
    events.off('listenerError', onErr)
  }
  assert.deepStrictEqual(reported, [boom, boom], 'one report per throwing listener call')
})
