'use strict'
// Keyed tryAcquire reads its key natively into a stack buffer (long keys
// whole into the heap): every key length and encoding names the same key as
// before, and the decision fields check() reports are this call's.
const test = require('node:test')
const assert = require('node:assert')
const { KeyedTokenBucket, KeyedSlidingWindow, ManualClock } = require('seawall')

const keys = [
  'a',
  'x'.repeat(239),
  'x'.repeat(247),
  'x'.repeat(248),
  'x'.repeat(255),
  'x'.repeat(1000),
  'é'.repeat(120), // 240 bytes
  'é'.repeat(124), // 248 bytes: at the stack buffer's edge
  'é'.repeat(128), // 256 bytes
  '🦀'.repeat(70), // 280 bytes, 4-byte characters
  ''
]

test('every key length and encoding is its own key', () => {
  for (const L of [KeyedTokenBucket, KeyedSlidingWindow]) {
    const clock = new ManualClock()
    const lim = L === KeyedTokenBucket
      ? new L({ burst: 1, ratePerSec: 1, clock })
      : new L({ limit: 1, windowMs: 1000, clock })
    for (const k of keys) {
      assert.strictEqual(lim.tryAcquire(k), true, `${L.name} first ${k.length}`)
      // A key that differs only in its last character is another key.
      if (k.length > 0) assert.strictEqual(lim.tryAcquire(k.slice(0, -1) + 'Z'), true, `${L.name} sibling ${k.length}`)
    }
    for (const k of keys) {
      assert.strictEqual(lim.tryAcquire(k), false, `${L.name} again ${k.length}`)
      const d = lim.check(k)
      assert.strictEqual(d.allowed, false)
      assert.strictEqual(d.remaining, 0)
      assert.ok(d.retryAfterMs > 0)
    }
    // Numbers are their decimal string, as before.
    assert.strictEqual(lim.tryAcquire(42), true)
    assert.strictEqual(lim.tryAcquire('42'), false)
  }
})

test('a bad key or n still throws a typed error naming it', () => {
  const lim = new KeyedTokenBucket({ burst: 1, ratePerSec: 1 })
  assert.throws(() => lim.tryAcquire({}), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'key')
  assert.throws(() => lim.tryAcquire('k', 0), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'n')
  assert.throws(() => lim.tryAcquire('k', 2), (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'n')
})
