'use strict'
const test = require('node:test')
const assert = require('node:assert')
const { fallback, fallbackChain, degrade, ManualClock } = require('seawall')

test('fallback returns the value or the alternative', async () => {
  assert.strictEqual(await fallback(async () => 1, 2), 1)
  assert.strictEqual(await fallback(async () => { throw new Error('x') }, 2), 2)
  assert.strictEqual(await fallback(() => { throw new Error('x') }, (e) => e.message + '!'), 'x!')
  const seen = []
  await fallback(async () => { throw new Error('y') }, 0, { onFallback: (e) => seen.push(e.message) })
  assert.deepStrictEqual(seen, ['y'])
})

test('fallback only handles errors `when` accepts', async () => {
  const when = (e) => e.code === 'ECONNRESET'
  await assert.rejects(fallback(async () => { throw new Error('other') }, 1, { when }), /other/)
  const e = Object.assign(new Error('reset'), { code: 'ECONNRESET' })
  assert.strictEqual(await fallback(async () => { throw e }, 1, { when }), 1)
})

test('fallbackChain tries each in order', async () => {
  const calls = []
  const v = await fallbackChain([
    async () => { calls.push('a'); throw new Error('a') },
    async (prev) => { calls.push('b:' + prev.message); throw new Error('b') },
    async (prev) => { calls.push('c:' + prev.message); return 'ok' }
  ])
  assert.strictEqual(v, 'ok')
  assert.deepStrictEqual(calls, ['a', 'b:a', 'c:b'])
  await assert.rejects(fallbackChain([async () => { throw new Error('1') }, async () => { throw new Error('2') }]), /2/)
  await assert.rejects(() => fallbackChain([]), TypeError)
  await assert.rejects(() => fallbackChain([1]), TypeError)
})

test('degrade: optional parts degrade to defaults and are reported', async () => {
  const c = new ManualClock()
  const reported = []
  const p = degrade({
    user: async () => ({ id: 1 }),
    recs: { fn: (signal) => new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))), timeoutMs: 50, default: [] },
    ads: { fn: async () => { throw new Error('ads down') }, default: () => 'none' }
  }, { clock: c, onDegraded: (name, err) => reported.push([name, err.code || err.message]) })
  await new Promise(resolve => setImmediate(resolve))
  c.advance(50)
  const r = await p
  assert.deepStrictEqual(r.values, { user: { id: 1 }, recs: [], ads: 'none' })
  assert.deepStrictEqual(r.degraded, ['recs', 'ads'])
  assert.strictEqual(r.errors.recs.code, 'SEAWALL_TIMEOUT')
  assert.deepStrictEqual(reported.sort(), [['ads', 'ads down'], ['recs', 'SEAWALL_TIMEOUT']])
})

test('degrade: a required part failing rejects', async () => {
  await assert.rejects(degrade({ must: async () => { throw new Error('req') }, opt: { fn: async () => 1, default: 0 } }), /req/)
  await assert.rejects(() => degrade({ x: { fn: async () => 1, timeoutMs: -5, default: 0 } }), (e) => e instanceof RangeError && e.field === 'parts.x.timeoutMs')
  await assert.rejects(() => degrade(null), TypeError)
})
