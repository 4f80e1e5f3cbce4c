'use strict'
// Keyed limiters: maxKeys means what it says, and peek() reads a key's quota
// without spending it or inserting the key.
const test = require('node:test')
const assert = require('node:assert')
const { KeyedTokenBucket, KeyedSlidingWindow, ManualClock } = require('seawall')

test('10 000 fresh keys are never denied at the default size', () => {
  const clock = new ManualClock()
  const l = new KeyedTokenBucket({ ratePerSec: 1, burst: 1, hashSeed: 5, clock })
  let denied = 0
  for (let k = 0; k < 10000; k++) if (!l.tryAcquire(`user-${k}`)) denied++
  assert.strictEqual(denied, 0)
  const m = l.metrics()
  assert.strictEqual(m.tableFull, 0)
  assert.strictEqual(m.keysTracked, 10000)
  assert.strictEqual(l.tryAcquire('user-7'), false) // every one is tracked
  const w = new KeyedSlidingWindow({ limit: 1, windowMs: 60000, buckets: 4, hashSeed: 6, clock })
  for (let k = 0; k < 10000; k++) if (!w.tryAcquire(`user-${k}`)) denied++
  assert.strictEqual(denied, 0)
})

test('peek spends nothing and inserts nothing', () => {
  const clock = new ManualClock()
  const l = new KeyedTokenBucket({ ratePerSec: 1, burst: 2, hashSeed: 1, clock })
  let d = l.peek('alice')
  assert.strictEqual(d.allowed, true)
  assert.strictEqual(d.remaining, 1)
  assert.strictEqual(l.metrics().keysTracked, 0)
  assert.strictEqual(l.tryAcquire('alice', 2), true)
  for (let i = 0; i < 3; i++) {
    d = l.peek('alice')
    assert.strictEqual(d.allowed, false)
    assert.strictEqual(d.retryAfterMs, 1000)
  }
  clock.advance(1000)
  assert.strictEqual(l.peek('alice').allowed, true)
  assert.strictEqual(l.tryAcquire('alice'), true)
  assert.throws(() => l.peek('alice', 3), (e) => e instanceof RangeError && e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'n')
  const w = new KeyedSlidingWindow({ limit: 2, windowMs: 1000, hashSeed: 1, clock })
  assert.strictEqual(w.peek('bob', 2).allowed, true)
  assert.strictEqual(w.tryAcquire('bob', 2), true)
  assert.strictEqual(w.peek('bob').allowed, false)
  assert.strictEqual(w.metrics().keysTracked, 1)
})
