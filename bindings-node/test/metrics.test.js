'use strict'
// Names, registries and the Prometheus/health export (spec/metrics.md),
// scraped from a live HTTP server on 127.0.0.1 and parsed strictly.
const test = require('node:test')
const assert = require('node:assert')
const http = require('node:http')
const v8 = require('node:v8')
const vm = require('node:vm')
const seawall = require('seawall')
const { metrics, ManualClock } = seawall
// prom-client is a dev dependency of the source tree (NODE_PATH in the
// installed-package run), never of seawall itself.
const promClient = require('prom-client')

const FAMILIES = {
  seawall_circuit_breaker_state: 'gauge',
  seawall_circuit_breaker_calls_total: 'counter',
  seawall_circuit_breaker_slow_calls_total: 'counter',
  seawall_circuit_breaker_rejected_calls_total: 'counter',
  seawall_circuit_breaker_transitions_total: 'counter',
  seawall_circuit_breaker_failure_rate: 'gauge',
  seawall_circuit_breaker_slow_call_rate: 'gauge',
  seawall_circuit_breaker_buffered_calls: 'gauge',
  seawall_circuit_breaker_open_duration_seconds: 'gauge',
  seawall_rate_limiter_calls_total: 'counter',
  seawall_rate_limiter_available_permits: 'gauge',
  seawall_rate_limiter_limit_permits: 'gauge',
  seawall_rate_limiter_waiting_calls: 'gauge',
  seawall_rate_limiter_keys_tracked: 'gauge',
  seawall_rate_limiter_key_capacity: 'gauge',
  seawall_rate_limiter_key_evictions_total: 'counter',
  seawall_rate_limiter_key_table_full_total: 'counter',
  seawall_bulkhead_active_calls: 'gauge',
  seawall_bulkhead_queued_calls: 'gauge',
  seawall_bulkhead_max_concurrent_calls: 'gauge',
  seawall_bulkhead_max_queued_calls: 'gauge',
  seawall_bulkhead_calls_total: 'counter',
  seawall_retry_budget_tokens: 'gauge',
  seawall_retry_budget_max_tokens: 'gauge',
  seawall_retry_budget_retries_total: 'counter',
  seawall_adaptive_timeout_seconds: 'gauge',
  seawall_adaptive_timeout_latency_seconds: 'gauge',
  seawall_adaptive_timeout_samples_total: 'counter',
  seawall_fault_injector_decisions_total: 'counter',
  seawall_fault_injections_total: 'counter',
  seawall_fault_injector_enabled: 'gauge'
}

const { parse, v, get } = require('./fixtures/promtext')

function world () {
  const registry = new metrics.Registry()
  const clock = new ManualClock()
  const labels = { dependency: 'payments' }
  const o = { registry, labels, clock }
  return {
    registry,
    clock,
    cb: new seawall.CircuitBreaker({ name: 'cb', ...o, windowSize: 4, minimumNumberOfCalls: 4 }),
    tb: new seawall.TokenBucket({ name: 'tb', ...o, ratePerSec: 1, burst: 3 }),
    sw: new seawall.SlidingWindowLimiter({ name: 'sw', ...o, limit: 2, windowMs: 10_000 }),
    // a table of 4 slots: a fifth key in the same second finds none
    kb: new seawall.KeyedTokenBucket({ name: 'kb', ...o, ratePerSec: 1, burst: 1, maxKeys: 1 }),
    bh: new seawall.Bulkhead({ name: 'bh', ...o, maxConcurrent: 1 }),
    at: new seawall.AdaptiveTimeout({ name: 'at', ...o }),
    fi: new seawall.FaultInjector({ name: 'fi', ...o, errorRate: 0.5, seed: 7 }),
    rb: new seawall.RetryBudget({ name: 'rb', registry, labels, maxTokens: 10 })
  }
}

async function traffic (w, rounds) {
  for (let i = 0; i < rounds; i++) {
    await w.cb.execute(async () => { throw new Error('down') }).catch(() => {})
    w.tb.tryAcquire()
    w.sw.tryAcquire()
    for (let k = 0; k < 6; k++) w.kb.tryAcquire(`k${(i + k) % 6}`)
    w.clock.advance(400)
    const p = w.bh.tryAcquire()
    w.bh.tryAcquire()
    if (p) p.release()
    w.at.record(20)
    w.fi.decide()
    w.rb.tryRetry()
  }
}

function checkEqualToMetrics (w, values) {
  const lab = { dependency: 'payments' }
  const m = w.cb.metrics()
  for (const state of ['closed', 'open', 'half_open', 'disabled', 'forced_open', 'metrics_only']) {
    assert.strictEqual(v(values, 'seawall_circuit_breaker_state', { name: 'cb', state, ...lab }), m.state === state ? 1 : 0)
  }
  assert.strictEqual(v(values, 'seawall_circuit_breaker_calls_total', { name: 'cb', outcome: 'failure', ...lab }), m.failures)
  assert.strictEqual(v(values, 'seawall_circuit_breaker_rejected_calls_total', { name: 'cb', reason: 'circuit_open', ...lab }), m.rejected)
  assert.strictEqual(v(values, 'seawall_circuit_breaker_transitions_total', { name: 'cb', ...lab }), m.transitions)
  for (const name of ['tb', 'sw']) {
    const lm = w[name].metrics()
    assert.strictEqual(v(values, 'seawall_rate_limiter_calls_total', { name, outcome: 'allowed', ...lab }), lm.allowed)
    assert.strictEqual(v(values, 'seawall_rate_limiter_calls_total', { name, outcome: 'denied', ...lab }), lm.denied)
  }
  const km = w.kb.metrics()
  assert.strictEqual(v(values, 'seawall_rate_limiter_calls_total', { name: 'kb', outcome: 'allowed', ...lab }), km.allowed)
  assert.strictEqual(v(values, 'seawall_rate_limiter_calls_total', { name: 'kb', outcome: 'denied', ...lab }), km.denied)
  assert.strictEqual(v(values, 'seawall_rate_limiter_waiting_calls', { name: 'kb', ...lab }), km.waiting)
  assert.strictEqual(v(values, 'seawall_rate_limiter_keys_tracked', { name: 'kb', ...lab }), km.keysTracked)
  assert.strictEqual(v(values, 'seawall_rate_limiter_key_capacity', { name: 'kb', ...lab }), km.capacity)
  assert.strictEqual(v(values, 'seawall_rate_limiter_key_evictions_total', { name: 'kb', ...lab }), km.evictions)
  assert.strictEqual(v(values, 'seawall_rate_limiter_key_table_full_total', { name: 'kb', ...lab }), km.tableFull)
  assert.ok(km.denied > 0 && km.keysTracked > 0 && km.tableFull > 0, JSON.stringify(km))
  const b = w.bh.metrics()
  assert.strictEqual(v(values, 'seawall_bulkhead_calls_total', { name: 'bh', outcome: 'permitted', ...lab }), b.total)
  assert.strictEqual(v(values, 'seawall_bulkhead_calls_total', { name: 'bh', outcome: 'rejected', ...lab }), b.rejected)
  const a = w.at.metrics()
  assert.ok(Math.abs(v(values, 'seawall_adaptive_timeout_seconds', { name: 'at', ...lab }) - a.timeoutMs / 1000) < 1e-9)
  assert.strictEqual(v(values, 'seawall_adaptive_timeout_samples_total', { name: 'at', ...lab }), a.total)
  const f = w.fi.metrics()
  assert.strictEqual(v(values, 'seawall_fault_injections_total', { name: 'fi', kind: 'error', ...lab }), f.errors)
  assert.strictEqual(v(values, 'seawall_fault_injector_decisions_total', { name: 'fi', ...lab }), f.decisions)
  const r = w.rb.metrics()
  assert.strictEqual(v(values, 'seawall_retry_budget_retries_total', { name: 'rb', outcome: 'allowed', ...lab }), r.retriesAllowed)
}

test('a live server: every family, counters monotonic, values equal to metrics()', async () => {
  const w = world()
  await traffic(w, 2)
  const mw = metrics.metricsMiddleware({ registry: w.registry })
  const server = http.createServer((req, res) => mw(req, res))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  try {
    const r1 = await get(port, '/metrics')
    assert.strictEqual(r1.status, 200)
    assert.strictEqual(r1.ctype, 'text/plain; version=0.0.4; charset=utf-8')
    const p1 = parse(r1.body)
    assert.deepStrictEqual(p1.types, FAMILIES)
    checkEqualToMetrics(w, p1.values)

    await traffic(w, 5)
    const p2 = parse((await get(port, '/metrics?x=1')).body)
    assert.deepStrictEqual(p2.types, FAMILIES)
    checkEqualToMetrics(w, p2.values)
    let counters = 0
    let grew = 0
    for (const [k, x] of p1.values) {
      if (FAMILIES[k.slice(0, k.indexOf('['))] !== 'counter') continue
      counters++
      assert.ok(p2.values.get(k) >= x, `${k} went down`)
      if (p2.values.get(k) > x) grew++
    }
    assert.ok(counters > 10 && grew > 0, `${counters} counters, ${grew} grew`)
    assert.strictEqual(w.cb.state, 'open')

    const h = await get(port, '/health')
    assert.strictEqual(h.status, 200)
    assert.strictEqual(h.ctype, 'application/json')
    const health = JSON.parse(h.body)
    assert.deepStrictEqual(health, w.registry.health())
    assert.strictEqual(health.status, 'degraded')
    const byName = Object.fromEntries(health.instances.map((i) => [i.name, i]))
    assert.deepStrictEqual(Object.keys(byName).sort(), ['at', 'bh', 'cb', 'fi', 'kb', 'rb', 'sw', 'tb'])
    assert.strictEqual(byName.kb.kind, 'keyed_token_bucket')
    assert.strictEqual(byName.kb.metrics.denied, w.kb.metrics().denied)
    assert.strictEqual(byName.cb.healthy, false)
    assert.strictEqual(byName.tb.metrics.allowed, w.tb.metrics().allowed)
    assert.strictEqual((await get(port, '/other')).status, 404)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})

test('prom-client: seawall families join an app registry', async () => {
  const w = world()
  await traffic(w, 3)
  const reg = new promClient.Registry()
  new promClient.Counter({ name: 'app_requests_total', help: 'app', registers: [reg] }).inc(2)
  metrics.promClientCollector(reg, { registry: w.registry })
  const text = await reg.metrics()
  const p = parse(text)
  // prom-client declares every family up front, so the retry families
  // (no Backoff registered here) are present and empty.
  assert.deepStrictEqual(p.types, {
    app_requests_total: 'counter',
    ...FAMILIES,
    seawall_retry_schedules_total: 'counter',
    seawall_retry_retries_total: 'counter',
    seawall_retry_give_ups_total: 'counter'
  })
  checkEqualToMetrics(w, p.values)
  assert.strictEqual(v(p.values, 'app_requests_total', {}), 2)
})

test('duplicate names are errors; collecting an object unregisters it', async () => {
  v8.setFlagsFromString('--expose_gc')
  const gc = vm.runInNewContext('gc')
  const reg = new metrics.Registry()
  let cb = new seawall.CircuitBreaker({ name: 'db', registry: reg })
  assert.throws(() => new seawall.TokenBucket({ name: 'db', registry: reg }),
    (e) => e instanceof RangeError && e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'name' && /already registered/.test(e.message))
  assert.deepStrictEqual(reg.names(), ['db'])
  cb = null
  // Native finalizers run after the collection, on a later turn.
  for (let i = 0; i < 50 && reg.has('db'); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.strictEqual(reg.has('db'), false)
  assert.strictEqual(reg.prometheusText(), '')
  const again = new seawall.CircuitBreaker({ name: 'db', registry: reg })
  const budget = new seawall.RetryBudget()
  const h = metrics.register(budget, 'budget', { registry: reg })
  assert.deepStrictEqual(reg.names(), ['budget', 'db'])
  h.close()
  assert.deepStrictEqual(reg.names(), ['db'])
  assert.strictEqual(h.active, false)
  assert.ok(again && cb === null)
})

test('keyed limiters register like the others', async () => {
  v8.setFlagsFromString('--expose_gc')
  const gc = vm.runInNewContext('gc')
  const reg = new metrics.Registry()
  let kb = new seawall.KeyedTokenBucket({ name: 'per-user', labels: { team: 'api' }, registry: reg, burst: 1, ratePerSec: 1 })
  assert.throws(() => new seawall.KeyedSlidingWindow({ name: 'per-user', registry: reg, limit: 1, windowMs: 1000 }),
    (e) => e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === 'name')
  const ks = new seawall.KeyedSlidingWindow({ name: 'per-ip', registry: reg, limit: 1, windowMs: 1000 })
  assert.strictEqual(kb.name, 'per-user')
  assert.strictEqual(kb.tryAcquire('alice'), true)
  assert.strictEqual(kb.tryAcquire('alice'), false)
  const p = parse(reg.prometheusText())
  assert.strictEqual(p.types.seawall_rate_limiter_key_table_full_total, 'counter')
  assert.strictEqual(v(p.values, 'seawall_rate_limiter_calls_total', { name: 'per-user', team: 'api', outcome: 'denied' }), 1)
  assert.strictEqual(v(p.values, 'seawall_rate_limiter_keys_tracked', { name: 'per-user', team: 'api' }), 1)
  assert.strictEqual(v(p.values, 'seawall_rate_limiter_key_capacity', { name: 'per-ip' }), ks.metrics().capacity)
  assert.deepStrictEqual(reg.health().instances.map((i) => i.kind), ['keyed_sliding_window', 'keyed_token_bucket'])
  kb = null
  for (let i = 0; i < 50 && reg.has('per-user'); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.deepStrictEqual(reg.names(), ['per-ip'])
  assert.throws(() => new seawall.KeyedTokenBucket({ labels: { a: 'b' } }), (e) => e.field === 'labels')
})

test('bad names, labels, types and namespaces name the parameter', () => {
  const reg = new metrics.Registry()
  const cases = [
    [{ name: '' }, 'name'],
    [{ name: 'a\nb' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'ok', labels: { '1bad': 'v' } }, 'labels'],
    [{ name: 'ok', labels: { 'a-b': 'v' } }, 'labels'],
    [{ name: 'ok', labels: { __x: 'v' } }, 'labels'],
    [{ name: 'ok', labels: { name: 'v' } }, 'labels'],
    [{ name: 'ok', labels: { big: 'v'.repeat(1025) } }, 'labels'],
    [{ name: 'ok', labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => ['l' + i, 'v'])) }, 'labels']
  ]
  for (const [opts, field] of cases) {
    assert.throws(() => new seawall.CircuitBreaker({ registry: reg, ...opts }),
      (e) => e instanceof RangeError && e.code === 'SEAWALL_INVALID_ARGUMENT' && e.field === field, JSON.stringify(opts).slice(0, 80))
  }
  assert.deepStrictEqual(reg.names(), [])
  assert.throws(() => new seawall.Bulkhead({ name: 'x', labels: { a: 1 }, registry: reg }), (e) => e instanceof TypeError && e.field === 'labels')
  assert.throws(() => new seawall.Bulkhead({ name: 'x', registry: {} }), (e) => e instanceof TypeError && e.field === 'registry')
  assert.throws(() => new seawall.Bulkhead({ labels: { a: 'b' } }), (e) => e instanceof TypeError && e.field === 'labels')
  assert.throws(() => new seawall.Bulkhead({ name: 3 }), (e) => e instanceof TypeError && e.field === 'name')
  assert.throws(() => metrics.register({}, 'x', { registry: reg }), (e) => e instanceof TypeError && e.field === 'obj')
  for (const ns of ['', '1x', 'a-b']) {
    assert.throws(() => new metrics.Registry({ namespace: ns }), (e) => e instanceof RangeError && e.field === 'namespace')
  }
  const mine = new metrics.Registry({ namespace: 'myapp' })
  const keep = new seawall.Bulkhead({ name: 'b', registry: mine })
  assert.match(mine.prometheusText(), /^# TYPE myapp_bulkhead_active_calls gauge$/m)
  assert.ok(keep)
})

test('label values are escaped and parse back', () => {
  const reg = new metrics.Registry()
  const weird = 'quote " backslash \\ newline \n café'
  const keep = new seawall.CircuitBreaker({ name: 'n"1', labels: { path: weird }, registry: reg })
  const p = parse(reg.prometheusText())
  assert.strictEqual(v(p.values, 'seawall_circuit_breaker_transitions_total', { name: 'n"1', path: weird }), 0)
  assert.ok(keep)
})

test('the default registry, shared by the module functions', () => {
  const cb = new seawall.CircuitBreaker({ name: 'test-metrics-default' })
  assert.ok(seawall.defaultRegistry.has('test-metrics-default'))
  assert.match(metrics.prometheusText(), /name="test-metrics-default"/)
  assert.ok(metrics.health().instances.some((i) => i.name === 'test-metrics-default'))
  assert.strictEqual(cb.name, 'test-metrics-default')
})

test('a listener that throws: the call still settles, the error is reported once', async () => {
  const clock = new ManualClock()
  const cb = new seawall.CircuitBreaker({ failureCountThreshold: 1, clock })
  let calls = 0
  cb.on('open', () => { calls++; throw new Error('listener bug') })
  const warnings = []
  const onWarning = (w) => { if (w.code === 'SEAWALL_LISTENER_ERROR') warnings.push(w) }
  process.on('warning', onWarning)
  try {
    await assert.rejects(cb.execute(async () => { throw new Error('down') }), /down/)
    assert.strictEqual(cb.state, 'open')
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  assert.strictEqual(calls, 1)
  assert.strictEqual(warnings.length, 1)
  assert.strictEqual(warnings[0].cause.message, 'listener bug')
  // With a 'listenerError' listener, the error goes there instead.
  const seen = []
  cb.on('listenerError', (e) => seen.push(e.message))
  cb.reset()
  cb.on('closed', () => { throw new Error('closed bug') })
  await assert.rejects(cb.execute(async () => { throw new Error('down') }), /down/)
  cb.reset()
  assert.strictEqual(await cb.execute(async () => 'fine'), 'fine')
  assert.deepStrictEqual(seen, ['listener bug', 'closed bug'])
})

test('OpenTelemetry: an in-memory reader collects the same values', async () => {
  const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics')
  class MemoryReader extends MetricReader {
    async onForceFlush () {}
    async onShutdown () {}
  }
  const w = world()
  await traffic(w, 4)
  const reader = new MemoryReader()
  const provider = new MeterProvider({ readers: [reader] })
  const instruments = metrics.instrumentOpenTelemetry(provider.getMeter('test'), { registry: w.registry })
  assert.strictEqual(instruments.length, Object.keys(FAMILIES).length + 3)

  async function collected () {
    const { resourceMetrics, errors } = await reader.collect()
    assert.deepStrictEqual(errors, [])
    const out = new Map()
    for (const sm of resourceMetrics.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of m.dataPoints) {
          const key = m.descriptor.name + JSON.stringify(Object.keys(p.attributes).sort().map((k) => [k, p.attributes[k]]))
          out.set(key, p.value)
        }
      }
    }
    return out
  }
  const got = await collected()
  const text = parse(w.registry.prometheusText()).values
  const renamed = new Map([...text].map(([k, x]) => {
    const i = k.indexOf('[')
    const n = k.slice(0, i)
    return [(n.endsWith('_total') ? n.slice(0, -6) : n) + k.slice(i), x]
  }))
  assert.deepStrictEqual(got, renamed)
  const m = w.cb.metrics()
  assert.strictEqual(v(got, 'seawall_circuit_breaker_calls', { name: 'cb', outcome: 'failure', dependency: 'payments' }), m.failures)
  await traffic(w, 2)
  const again = await collected()
  assert.strictEqual(v(again, 'seawall_rate_limiter_calls', { name: 'tb', outcome: 'denied', dependency: 'payments' }), w.tb.metrics().denied)
  await provider.shutdown()
})

test('decision events reach listeners; a throwing listener never breaks the call', async () => {
  const { events } = seawall
  const seen = []
  const names = ['retryScheduled', 'gaveUp', 'fallbackUsed', 'timeout', 'faultInjected']
  const good = {}
  for (const n of names) {
    good[n] = (e) => seen.push([n, { ...e, error: e.error && e.error.message }])
    events.on(n, good[n])
  }
  const bad = () => { throw new Error('listener bug') }
  events.on('fallbackUsed', bad)
  const reported = []
  const onErr = (e) => reported.push(e.message)
  events.on('listenerError', onErr)
  try {
    const clock = new ManualClock()
    const down = async () => { const e = new Error('down'); e.code = 'ECONNRESET'; throw e }
    await assert.rejects(seawall.retry(down, { maxAttempts: 2, baseMs: 500, kind: 'constant', jitter: 'none', clock }), /down|gave up|attempt/)
    assert.strictEqual(await seawall.fallback(down, 7), 7)
    const fi = new seawall.FaultInjector({ errorRate: 1, clock })
    await assert.rejects(fi.execute(async () => 1), (e) => e.code === 'SEAWALL_INJECTED_FAULT')
  } finally {
    for (const n of names) events.off(n, good[n])
    events.off('fallbackUsed', bad)
    events.off('listenerError', onErr)
  }
  assert.deepStrictEqual(seen, [
    ['retryScheduled', { attempt: 1, delayMs: 500, error: 'down' }],
    ['gaveUp', { attempts: 2, reason: 'attempts', error: 'down' }],
    ['fallbackUsed', { error: 'down' }],
    ['faultInjected', { fault: 'error', delayMs: 0, error: undefined }]
  ])
  assert.deepStrictEqual(reported, ['listener bug'])
})

test('a breaker rejection in execute() is a rejected event', async () => {
  const { events } = seawall
  const seen = []
  const on = (e) => seen.push(e)
  events.on('rejected', on)
  try {
    const clock = new ManualClock()
    const cb = new seawall.CircuitBreaker({ failureCountThreshold: 1, openDurationMs: 1000, clock, name: 'rejects-test' })
    await assert.rejects(cb.execute(async () => { throw new Error('down') }), /down/)
    await assert.rejects(cb.execute(async () => 1), (e) => e.code === 'SEAWALL_CIRCUIT_OPEN')
  } finally {
    events.off('rejected', on)
  }
  assert.deepStrictEqual(seen, [{ by: 'circuit_breaker', name: 'rejects-test', retryAfterMs: 1000 }])
})

test('a Retry exports its schedules and give-ups by reason', async () => {
  const registry = new metrics.Registry()
  const clock = new ManualClock()
  const r = new seawall.Retry({ backoff: { maxAttempts: 2, baseMs: 500, kind: 'constant', jitter: 'none', clock } })
  const h = metrics.register(r, 'payments-retry', { registry, labels: { dependency: 'payments' } })
  const down = async () => { const e = new Error('down'); e.code = 'ECONNRESET'; throw e }
  for (let i = 0; i < 3; i++) await assert.rejects(seawall.retry(down, { backoff: r.backoff }))
  const m = r.backoff.metrics()
  const p = parse(registry.prometheusText())
  assert.deepStrictEqual(p.types, { seawall_retry_schedules_total: 'counter', seawall_retry_retries_total: 'counter', seawall_retry_give_ups_total: 'counter' })
  const lab = { name: 'payments-retry', dependency: 'payments' }
  assert.strictEqual(v(p.values, 'seawall_retry_give_ups_total', { ...lab, reason: 'max_attempts' }), m.exhaustedAttempts)
  assert.strictEqual(m.exhaustedAttempts, 3)
  assert.strictEqual(v(p.values, 'seawall_retry_schedules_total', lab), m.schedules)
  h.close()
  assert.deepStrictEqual(registry.names(), [])
})
