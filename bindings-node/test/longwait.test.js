'use strict'
// Waits longer than setTimeout's limit (2^31 - 1 ms, 24.8 days) wait that
// long (issue 11 item 3): before, every one fired after 1 ms.
//
// With the real clock, each wait below is started, then the test lets a
// 5 ms timer run: timers fire in order of due time, so a wait that
// overflowed to 1 ms would have fired first. Nothing sleeps for days: a
// chunked timer with a short chunk shows the chain reaches its due time.
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const seawall = require('seawall')

// The package's internals, by file (the exports map only shows the API).
const lib = path.dirname(require.resolve('seawall'))
const { scheduleTimer, cancelTimer, MAX_TIMER_MS } = require(path.join(lib, 'clock.js'))
const { monotonicNowMs } = require(path.join(lib, 'native.js'))

const DAY = 24 * 3600 * 1000
const LONG = 30 * DAY
const never = () => new Promise(() => {})
const fiveMs = () => new Promise((resolve) => setTimeout(resolve, 5))

// Settles `p` into a state object read after the 5 ms timer.
function watch (p) {
  const s = { settled: false, error: undefined }
  p.then(() => { s.settled = true }, (e) => { s.settled = true; s.error = e })
  return s
}

test('MAX_TIMER_MS is the setTimeout limit', () => {
  assert.strictEqual(MAX_TIMER_MS, 2 ** 31 - 1)
})

test('a chunked timer fires once, at its due time, after several chunks', async () => {
  const start = monotonicNowMs()
  let fired = 0
  await new Promise((resolve) => {
    scheduleTimer(35, () => { fired++; resolve() }, false, 10)
  })
  assert.strictEqual(fired, 1)
  assert.ok(monotonicNowMs() - start >= 35, 'fired before its due time')
})

test('a cancelled chunked timer never fires', async () => {
  let fired = 0
  const t = scheduleTimer(12, () => { fired++ }, false, 5)
  await new Promise((resolve) => setTimeout(resolve, 7))
  cancelTimer(t)
  await new Promise((resolve) => setTimeout(resolve, 15))
  assert.strictEqual(fired, 0)
})

test('timeout(fn, 30 days) does not fire at once', async () => {
  const ac = new AbortController()
  const s = watch(seawall.timeout(never, LONG, { signal: ac.signal }))
  await fiveMs()
  assert.strictEqual(s.settled, false, `settled early: ${s.error}`)
  ac.abort()
})

test('a 30-day deadline signal does not abort at once', async () => {
  const d = seawall.deadline(LONG)
  const signal = d.signal
  await fiveMs()
  assert.strictEqual(signal.aborted, false)
  d.dispose()
})

test('a bulkhead wait of 30 days (maxWaitMs) does not give up at once', async () => {
  const bh = new seawall.Bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: LONG })
  const held = bh.tryAcquire()
  const ac = new AbortController()
  const s = watch(bh.acquire({ signal: ac.signal }))
  await fiveMs()
  assert.strictEqual(s.settled, false, `settled early: ${s.error}`)
  ac.abort()
  held.release()
})

test('Retry-After: 2592000 (30 days) waits, it does not retry at once', async () => {
  let attempts = 0
  const ac = new AbortController()
  const s = watch(seawall.retry(async () => {
    attempts++
    throw Object.assign(new Error('busy'), { status: 503, headers: { 'retry-after': '2592000' } })
  }, { maxAttempts: 5, signal: ac.signal, maxDelayMs: LONG * 2 }))
  await fiveMs()
  assert.strictEqual(attempts, 1)
  assert.strictEqual(s.settled, false)
  ac.abort()
})

test('a policy timeoutMs of 30 days does not fire at once', async () => {
  const p = new seawall.Policy({ timeoutMs: LONG })
  const ac = new AbortController()
  const s = watch(p.execute(never, { signal: ac.signal }))
  await fiveMs()
  assert.strictEqual(s.settled, false, `settled early: ${s.error}`)
  ac.abort()
})

test('an AdaptiveTimeout of 30 days does not fire at once', async () => {
  const at = new seawall.AdaptiveTimeout({ initialTimeoutMs: LONG, maxTimeoutMs: LONG })
  const ac = new AbortController()
  const s = watch(at.execute(never, { signal: ac.signal }))
  await fiveMs()
  assert.strictEqual(s.settled, false, `settled early: ${s.error}`)
  ac.abort()
})

test('a rate-limiter acquire() that must wait 30 days does not fire at once', async () => {
  const b = new seawall.TokenBucket({ burst: 1, ratePerSec: 1 / (LONG / 1000) })
  assert.strictEqual(b.tryAcquire(), true)
  const ac = new AbortController()
  const s = watch(b.acquire(1, { signal: ac.signal }))
  await fiveMs()
  assert.strictEqual(s.settled, false, `settled early: ${s.error}`)
  // One reservation in core's queue, due in 30 days; nothing polled since.
  assert.strictEqual(b.metrics().waiting, 1)
  assert.strictEqual(b.metrics().denied, 0)
  ac.abort()
})

test('with a ManualClock, a 30-day Retry-After waits 30 days of clock time', async () => {
  const clock = new seawall.ManualClock()
  let attempts = 0
  const p = seawall.retry(async () => {
    attempts++
    if (attempts === 1) throw Object.assign(new Error('busy'), { status: 503, headers: { 'retry-after': '2592000' } })
    return 'ok'
  }, { maxAttempts: 2, clock, maxDelayMs: LONG * 2 })
  // The retry's sleep on a ManualClock is 30 days of clock time, taken at
  // once (spec/README.md, "Time"); the real-timer case is tested above.
  assert.strictEqual(await p, 'ok')
  assert.strictEqual(attempts, 2)
  assert.strictEqual(clock.nowMs(), LONG)
})
