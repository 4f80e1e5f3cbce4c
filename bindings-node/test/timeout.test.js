'use strict'
const test = require('node:test')
const assert = require('node:assert')
const { timeout, deadline, Deadline, ManualClock, TimeoutError } = require('seawall')

const never = (signal) => new Promise((resolve, reject) => {
  signal.addEventListener('abort', () => reject(new Error('aborted: ' + signal.reason.code)))
})

test('timeout resolves with the value when fn is fast', async () => {
  assert.strictEqual(await timeout(async () => 42, 1000), 42)
  assert.strictEqual(await timeout(() => 7, 1000), 7)
})

test('timeout rejects with SEAWALL_TIMEOUT and aborts the signal given to fn', async () => {
  const c = new ManualClock()
  let sig
  const p = timeout((signal) => { sig = signal; return never(signal) }, 50, { clock: c })
  c.advance(49)
  assert.strictEqual(sig.aborted, false)
  c.advance(1)
  await assert.rejects(p, (e) => e instanceof TimeoutError && e.code === 'SEAWALL_TIMEOUT' && e.timeoutMs === 50)
  assert.strictEqual(sig.aborted, true)
  assert.strictEqual(c.pendingTimers, 0)
})

test('timeout with the real clock', async () => {
  await assert.rejects(timeout(never, 5), { code: 'SEAWALL_TIMEOUT' })
})

test('timeout passes through fn errors and clears its timer', async () => {
  const c = new ManualClock()
  await assert.rejects(timeout(async () => { throw new Error('x') }, 50, { clock: c }), /x/)
  await assert.rejects(timeout(() => { throw new Error('sync') }, 50, { clock: c }), /sync/)
  assert.strictEqual(c.pendingTimers, 0)
})

test('timeout honours the caller AbortSignal', async () => {
  const ac = new AbortController()
  const c = new ManualClock()
  let inner
  const p = timeout((s) => { inner = s; return never(s) }, 1000, { clock: c, signal: ac.signal })
  ac.abort(new Error('stop'))
  await assert.rejects(p, /stop/)
  assert.strictEqual(inner.aborted, true)
  await assert.rejects(timeout(never, 10, { signal: ac.signal }), /stop/)
})

test('timeout validates its arguments (and rejects, as promise-returning calls do)', async () => {
  for (const bad of [NaN, Infinity, -Infinity, -1, 0, -0, 1e308, 2 ** 53 * 1e6, 'x', {}, undefined, null]) {
    await assert.rejects(timeout(() => 1, bad), (e) => (e instanceof RangeError || e instanceof TypeError) && e.field === 'ms' && e.code === 'SEAWALL_INVALID_ARGUMENT', String(bad))
  }
  await assert.rejects(timeout('nope', 10), TypeError)
  await assert.rejects(timeout(() => 1, 10, { signal: 5 }), TypeError)
  await assert.rejects(timeout(() => 1, 10, { clock: {} }), TypeError)
})

test('deadlines cascade: children never outlive the parent', async () => {
  const c = new ManualClock()
  const d = deadline(100, { clock: c })
  assert.ok(d instanceof Deadline)
  c.advance(30)
  assert.strictEqual(d.remainingMs(), 70)
  const child = d.child(500)
  assert.strictEqual(child.remainingMs(), 70)
  const short = d.child(20)
  assert.strictEqual(short.remainingMs(), 20)
  const p = child.run(never)
  c.advance(70)
  await assert.rejects(p, (e) => e.code === 'SEAWALL_TIMEOUT')
  assert.strictEqual(d.expired, true)
  assert.strictEqual(d.signal.aborted, true)
  await assert.rejects(d.run(async () => 1), { code: 'SEAWALL_TIMEOUT' })
})

test('deadline signal aborts with a TimeoutError and the parent aborts children', () => {
  const c = new ManualClock()
  const ac = new AbortController()
  const d = deadline(100, { clock: c, signal: ac.signal })
  const child = d.child(50)
  const s = child.signal
  c.advance(50)
  assert.strictEqual(s.aborted, true)
  assert.strictEqual(s.reason.code, 'SEAWALL_TIMEOUT')
  const other = d.child()
  const s2 = other.signal
  ac.abort(new Error('outer'))
  assert.strictEqual(s2.aborted, true)
  assert.throws(() => deadline(-1), RangeError)
  assert.throws(() => deadline('1'), TypeError)
})
