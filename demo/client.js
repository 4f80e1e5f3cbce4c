'use strict'
// The Node client: calls the payment service through one seawall policy,
// rate limiter -> circuit breaker -> bulkhead -> adaptive timeout -> retry
// with budget -> fallback ("payment queued"), configured from the same
// policy.json as the Python and C clients. One JSON line per event on stdout;
// seawall's Prometheus export on http://127.0.0.1:METRICS_PORT/metrics (and
// /health) until stdin closes.
// Usage: node client.js PORT T0_NS DURATION POLICY_JSON METRICS_PORT

const http = require('node:http')
const fs = require('node:fs')
const path = require('node:path')
const seawall = require(process.env.SEAWALL_NODE || path.join(__dirname, '..', 'bindings-node'))

const [port, t0ns, duration, policyPath, metricsPort] = process.argv.slice(2)
const T0 = BigInt(t0ns)
const DURATION = Number(duration)
const P = JSON.parse(fs.readFileSync(policyPath, 'utf8'))
const ms = (s) => s * 1000

// process.hrtime is CLOCK_MONOTONIC, the clock every demo process shares.
const nowS = () => Number(process.hrtime.bigint() - T0) / 1e9
const emit = (ev) => process.stdout.write(JSON.stringify({ t: Math.round(nowS() * 1e4) / 1e4, ...ev }) + '\n')

class UpstreamError extends Error {
  constructor (status) { super(`upstream answered ${status}`); this.status = status }
}

function httpGet (signal) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: Number(port), path: '/pay?client=node', agent: false, signal }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new UpstreamError(res.statusCode))))
    })
    req.on('error', reject)
  })
}

// Every primitive is named; the labels say whose it is. They join seawall's
// default registry, which /metrics exports.
const labels = { dependency: 'payments', client: 'node' }
const cb = P.circuit_breaker
// The shared-state act: one breaker for the three clients, in a region
// (its name is the region slot's; labels make this process export it).
const shared = P.shared_region ? { region: new seawall.SharedRegion(P.shared_region) } : {}
const breaker = new seawall.CircuitBreaker({
  ...shared,
  name: 'payments',
  labels,
  failureRateThreshold: cb.failure_rate_threshold,
  slowCallRateThreshold: cb.slow_call_rate_threshold,
  slowCallDurationThresholdMs: ms(cb.slow_call_duration_threshold),
  windowSize: cb.window_size,
  minimumNumberOfCalls: cb.minimum_number_of_calls,
  openDurationMs: ms(cb.open_duration),
  openDurationMultiplier: cb.open_duration_multiplier,
  maxOpenDurationMs: ms(cb.max_open_duration),
  halfOpenMaxCalls: cb.half_open_max_calls,
  successThreshold: cb.success_threshold
})
const at = P.adaptive_timeout
const adaptive = new seawall.AdaptiveTimeout({
  percentile: at.percentile,
  multiplier: at.multiplier,
  minTimeoutMs: ms(at.min_timeout),
  maxTimeoutMs: ms(at.max_timeout),
  initialTimeoutMs: ms(at.initial_timeout),
  minSamples: at.min_samples,
  windowMs: ms(at.window),
  name: 'payments-timeout',
  labels
})
const r = P.retry
const backoff = new seawall.Backoff({
  maxAttempts: r.max_attempts,
  baseMs: ms(r.base),
  factor: r.factor,
  maxDelayMs: ms(r.max_delay),
  jitter: r.jitter
})
seawall.metrics.register(backoff, 'payments-retry', { labels })
const policy = new seawall.Policy({
  rateLimiter: new seawall.TokenBucket({ burst: P.rate_limiter.burst, ratePerSec: P.rate_limiter.rate_per_sec, name: 'payments-limiter', labels }),
  circuitBreaker: breaker,
  bulkhead: new seawall.Bulkhead({ maxConcurrent: P.bulkhead.max_concurrent, name: 'payments-bulkhead', labels }),
  timeout: adaptive,
  retry: {
    backoff,
    budget: new seawall.RetryBudget({ maxTokens: P.retry_budget.max_tokens, tokenRatio: P.retry_budget.token_ratio, name: 'payments-retry-budget', labels }),
    retryIf: (err) => err instanceof UpstreamError || err.code === 'SEAWALL_TIMEOUT'
  },
  fallback: (err) => ({ queued: true, reason: reasonOf(err) })
})

function reasonOf (err) {
  const e = err && err.code === 'SEAWALL_RETRY_EXHAUSTED' && err.cause ? err.cause : err
  switch (e && e.code) {
    case 'SEAWALL_CIRCUIT_OPEN': return 'circuit_open'
    case 'SEAWALL_RATE_LIMITED': return 'rate_limited'
    case 'SEAWALL_BULKHEAD_FULL': return 'bulkhead_full'
    case 'SEAWALL_TIMEOUT': return 'timeout'
    case 'SEAWALL_RETRY_BUDGET_EXHAUSTED': return 'retry_budget'
  }
  return e instanceof UpstreamError ? 'upstream_error' : String(e && (e.code || e.name))
}

// GET /metrics and /health, served from seawall's default registry.
const metricsServer = http.createServer(seawall.metricsMiddleware())
metricsServer.listen(Number(metricsPort), '127.0.0.1')

breaker.on('stateChange', ({ from, to }) => emit({ ev: 'transition', from, to }))

let inFlight = 0
async function oneCall () {
  inFlight++
  const start = process.hrtime.bigint()
  let attempts = 0
  let result
  try {
    result = await policy.execute((signal) => { attempts++; return httpGet(signal) })
  } finally {
    inFlight--
  }
  const latency = Math.round(Number(process.hrtime.bigint() - start) / 1e5) / 1e4
  if (result && result.queued) emit({ ev: 'call', outcome: 'fallback', reason: result.reason, attempts, latency })
  else emit({ ev: 'call', outcome: 'ok', reason: null, attempts, latency })
}

async function main () {
  emit({ ev: 'ready', metrics_port: Number(metricsPort) })
  const sleep = (s) => new Promise((resolve) => setTimeout(resolve, Math.max(0, s * 1000)))
  while (nowS() < 0) await sleep(0.005)
  const pending = new Set()
  let nextAt = 0
  let lastState = 0
  while (nowS() < DURATION) {
    const t = nowS()
    if (t >= nextAt) {
      const p = oneCall().catch((e) => emit({ ev: 'error', message: String(e) }))
      pending.add(p)
      p.finally(() => pending.delete(p))
      nextAt += 1 / P.rate
    }
    if (t - lastState >= 0.25) {
      // Calls the user has in flight: only the client knows (seawall's
      // state comes from /metrics).
      emit({ ev: 'state', in_flight: inFlight })
      lastState = t
    }
    await sleep(Math.min(0.01, nextAt - nowS()))
  }
  await Promise.race([Promise.allSettled([...pending]), sleep(5)])
  emit({ ev: 'done' })
  // Keep /metrics up until run.py has taken its last scrape (it closes stdin).
  process.stdin.resume()
  process.stdin.on('end', () => metricsServer.close())
  process.stdin.on('close', () => metricsServer.close())
}

main()
