'use strict'
// deadline(ms, { signal }) and parent.child() leave no listener on the
// long-lived signal once disposed (issue 11 item 4: 100,000 calls left
// 100,000 listeners).
const test = require('node:test')
const assert = require('node:assert')
const { getEventListeners } = require('node:events')
const seawall = require('seawall')

const N = 100_000

test('100,000 disposed deadlines with a shared signal leave no listener on it', () => {
  const ac = new AbortController()
  const clock = new seawall.ManualClock()
  for (let i = 0; i < N; i++) {
    const d = seawall.deadline(1000, { signal: ac.signal, clock })
    assert.strictEqual(d.signal.aborted, false)
    d.dispose()
  }
  assert.strictEqual(getEventListeners(ac.signal, 'abort').length, 0)
  assert.strictEqual(clock.pendingTimers, 0)
})

test('100,000 disposed children leave no listener on the parent signal', () => {
  const clock = new seawall.ManualClock()
  const parent = seawall.deadline(60_000, { clock })
  for (let i = 0; i < N; i++) {
    const c = parent.child(100)
    assert.strictEqual(c.signal.aborted, false)
    c.dispose()
  }
  assert.strictEqual(getEventListeners(parent.signal, 'abort').length, 0)
  parent.dispose()
  assert.strictEqual(clock.pendingTimers, 0)
})

test('a child whose own deadline passed stops listening to its parent', () => {
  const clock = new seawall.ManualClock()
  const parent = seawall.deadline(60_000, { clock })
  const c = parent.child(10)
  const s = c.signal
  clock.advance(10)
  assert.strictEqual(s.aborted, true)
  assert.strictEqual(getEventListeners(parent.signal, 'abort').length, 0)
})

test('disposing still lets the parent abort children that were not disposed', () => {
  const clock = new seawall.ManualClock()
  const ac = new AbortController()
  const parent = seawall.deadline(60_000, { clock, signal: ac.signal })
  const kept = parent.child(1000)
  const gone = parent.child(1000)
  const ks = kept.signal
  const gs = gone.signal
  gone.dispose()
  ac.abort(new Error('stop'))
  assert.strictEqual(ks.aborted, true)
  assert.strictEqual(ks.reason.message, 'stop')
  assert.strictEqual(gs.aborted, false)
})
