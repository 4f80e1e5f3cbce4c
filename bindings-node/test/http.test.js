'use strict'
// fetchWith (a fetch through a policy / retry) and the Fastify plugin
// (issue 11 item 13). fetch is a stand-in returning real Response objects;
// waits run on a ManualClock.
const test = require('node:test')
const assert = require('node:assert')
const seawall = require('seawall')

// A fetch answering from a list of [status, headers] (or Errors), counting calls.
function fakeFetch (answers) {
  const f = async (input, init) => {
    f.calls.push({ input, init })
    const a = answers[Math.min(f.calls.length - 1, answers.length - 1)]
    if (a instanceof Error) throw a
    const res = new Response(`body ${f.calls.length}`, { status: a[0], headers: a[1] || {} })
    f.responses.push(res)
    return res
  }
  f.calls = []
  f.responses = []
  return f
}

test('a retryable status is retried after its Retry-After, then the success returned', async () => {
  const clock = new seawall.ManualClock()
  const fetch = fakeFetch([[503, { 'retry-after': '2' }], [200]])
  const f = seawall.fetchWith({ fetch, retry: { maxAttempts: 3, baseMs: 10 }, clock })
  // The retry's sleep on a ManualClock moves the clock by exactly the
  // Retry-After (spec/README.md, "Time").
  const res = await f('https://example.test/a', { method: 'GET' })
  assert.strictEqual(clock.nowMs(), 2000)
  assert.strictEqual(res.status, 200)
  assert.strictEqual(await res.text(), 'body 2')
  assert.strictEqual(fetch.calls.length, 2)
  assert.strictEqual(fetch.calls[0].init.method, 'GET')
  assert.strictEqual(fetch.responses[0].bodyUsed || fetch.responses[0].body.locked, true, 'the 503 body was not released')
})

test('other statuses are answers: a 404 is returned at once', async () => {
  const fetch = fakeFetch([[404]])
  const res = await seawall.fetchWith({ fetch, retry: { maxAttempts: 5, baseMs: 1 } })('u')
  assert.strictEqual(res.status, 404)
  assert.strictEqual(fetch.calls.length, 1)
})

test('when every attempt gets a retryable status, the last response is returned', async () => {
  const clock = new seawall.ManualClock()
  const fetch = fakeFetch([[502], [503], [504]])
  const p = seawall.fetchWith({ fetch, retry: { maxAttempts: 3, baseMs: 100, jitter: 'none' }, clock })('u')
  await clock.tickAsync(1000)
  const res = await p
  assert.strictEqual(res.status, 504)
  assert.strictEqual(fetch.calls.length, 3)
})

test('network errors are classified by core (ECONNRESET in the cause) and retried', async () => {
  const clock = new seawall.ManualClock()
  const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) })
  const fetch = fakeFetch([reset, [200]])
  const p = seawall.fetchWith({ fetch, retry: { maxAttempts: 2, baseMs: 50, jitter: 'none' }, clock })('u')
  await clock.tickAsync(50)
  assert.strictEqual((await p).status, 200)
  const bad = new TypeError('invalid URL')
  const once = fakeFetch([bad, [200]])
  await assert.rejects(seawall.fetchWith({ fetch: once, retry: { maxAttempts: 3 }, clock })('u'), (e) => e === bad)
  assert.strictEqual(once.calls.length, 1)
})

test('through a policy, 5xx responses trip the breaker and then calls are rejected without fetching', async () => {
  const clock = new seawall.ManualClock()
  const breaker = new seawall.CircuitBreaker({ failureCountThreshold: 2, openDurationMs: 60_000, clock })
  const policy = new seawall.Policy({ circuitBreaker: breaker, clock })
  const fetch = fakeFetch([[500]])
  const f = seawall.fetchWith({ fetch, policy })
  assert.strictEqual((await f('u')).status, 500)
  assert.strictEqual((await f('u')).status, 500)
  assert.strictEqual(breaker.state, 'open')
  await assert.rejects(f('u'), seawall.CircuitOpenError)
  assert.strictEqual(fetch.calls.length, 2)
})

test("a policy's own retry sees the status and Retry-After too", async () => {
  const clock = new seawall.ManualClock()
  const policy = new seawall.Policy({ retry: { maxAttempts: 3, baseMs: 10, jitter: 'none' }, clock })
  const fetch = fakeFetch([[429, { 'retry-after': '3' }], [200]])
  assert.strictEqual((await seawall.fetchWith({ fetch, policy })('u')).status, 200)
  assert.strictEqual(fetch.calls.length, 2)
  assert.strictEqual(clock.nowMs(), 3000, 'slept exactly the Retry-After on the manual clock')
})

test('a timeoutMs per attempt aborts the request signal', async () => {
  const clock = new seawall.ManualClock()
  let seen
  const fetch = (input, init) => { seen = init.signal; return new Promise(() => {}) }
  const p = seawall.fetchWith({ fetch, timeoutMs: 100, clock })('u')
  clock.advance(100)
  await assert.rejects(p, seawall.TimeoutError)
  assert.strictEqual(seen.aborted, true)
})

test('a stream body is sent once', async () => {
  const fetch = fakeFetch([[503], [200]])
  const body = new ReadableStream({ start (c) { c.enqueue(new Uint8Array([1])); c.close() } })
  const res = await seawall.fetchWith({ fetch, retry: { maxAttempts: 3, baseMs: 1 } })('u', { method: 'POST', body, duplex: 'half' })
  assert.strictEqual(res.status, 503)
  assert.strictEqual(fetch.calls.length, 1)
})

test('fetchWith checks its options', () => {
  assert.throws(() => seawall.fetchWith({ retries: 3 }), (e) => e instanceof TypeError && e.field === 'retries')
  assert.throws(() => seawall.fetchWith({ retry: { retries: 3 } }), (e) => e instanceof TypeError && /maxAttempts/.test(e.message))
  assert.throws(() => seawall.fetchWith({ policy: {} }), (e) => e instanceof TypeError && e.field === 'policy')
  assert.throws(() => seawall.fetchWith({ fetch: 5 }), (e) => e instanceof TypeError && e.field === 'fetch')
})

// ---- Fastify: a stand-in instance with the parts of the API the plugin uses.
function fakeFastify () {
  const hooks = []
  return {
    hooks,
    addHook (name, fn) { hooks.push([name, fn]) },
    async inject (request) {
      const reply = {
        statusCode: 200,
        headers: {},
        sent: undefined,
        header (k, v) { this.headers[k] = v; return this },
        code (c) { this.statusCode = c; return this },
        send (b) { this.sent = b; return this }
      }
      for (const [name, fn] of hooks) {
        assert.strictEqual(name, 'onRequest')
        const err = await new Promise((resolve) => {
          fn(request, reply, resolve)
          if (reply.sent !== undefined) resolve()
        })
        if (err) throw err
        if (reply.sent !== undefined) return reply
      }
      reply.sent = 'handler'
      return reply
    }
  }
}

test('the Fastify plugin limits per client and answers 429 with Retry-After', async () => {
  const clock = new seawall.ManualClock()
  const app = fakeFastify()
  const limiter = new seawall.KeyedTokenBucket({ burst: 2, ratePerSec: 1, clock })
  await new Promise((resolve, reject) => seawall.fastifyRateLimit(app, { limiter, key: (req) => req.user }, (e) => e ? reject(e) : resolve()))
  assert.strictEqual(seawall.fastifyRateLimit[Symbol.for('skip-override')], true)
  const a1 = await app.inject({ user: 'a' })
  assert.strictEqual(a1.sent, 'handler')
  assert.strictEqual(a1.headers['X-RateLimit-Remaining'], '1')
  assert.strictEqual(a1.headers['RateLimit-Policy'], '"default";q=2;w=2')
  await app.inject({ user: 'a' })
  const a3 = await app.inject({ user: 'a' })
  assert.strictEqual(a3.statusCode, 429)
  assert.strictEqual(a3.headers['Retry-After'], '1')
  assert.strictEqual((await app.inject({ user: 'b' })).sent, 'handler')
  clock.advance(1000)
  assert.strictEqual((await app.inject({ user: 'a' })).sent, 'handler')
})

test('the Fastify plugin refuses bad options through done(err)', async () => {
  const app = fakeFastify()
  const err = await new Promise((resolve) => seawall.fastifyRateLimit(app, { limiter: {} }, resolve))
  assert.ok(err instanceof TypeError && err.field === 'limiter')
  const err2 = await new Promise((resolve) => seawall.fastifyRateLimit(app, { limiter: new seawall.TokenBucket(), keyFn: () => 1 }, resolve))
  assert.ok(err2 instanceof TypeError && err2.field === 'keyFn')
  assert.strictEqual(app.hooks.length, 0)
})
