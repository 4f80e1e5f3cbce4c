// Compiled with tsc --noEmit --strict against the installed package: every
// public export used with its documented types.
import * as seawall from 'seawall'
import {
  ManualClock, timeout, deadline, Deadline, fallback, fallbackChain, degrade,
  SeawallError, CircuitOpenError, RateLimitedError, BulkheadFullError, TimeoutError,
  RetryExhaustedError, RetryBudgetExhaustedError, InjectedFaultError,
  Backoff, Schedule, RetryBudget, retry, RETRYABLE_STATUSES, RETRYABLE_KINDS, CODE_KINDS,
  isRetryableStatus, isRetryableKind, kindForCode, isRetryableError, retryAfterOf, parseRetryAfter,
  RetryableKind, CircuitBreaker, BreakerPermit, BreakerState, StateChange, BreakerMetrics,
  TokenBucket, SlidingWindowLimiter, KeyedTokenBucket, KeyedSlidingWindow, RateLimitDecision,
  rateLimitHeaders, rateLimitMiddleware, LimiterMetrics,
  Bulkhead, BulkheadPermit, BulkheadWaiter, BulkheadMetrics, AdaptiveTimeout, FaultInjector, FaultDecision,
  Policy, PolicyGuard, PolicyRejection, wrap, fetchWith, HttpStatusError, fastifyRateLimit
} from 'seawall'

async function main (): Promise<void> {
  const v: string = seawall.VERSION
  const clock = new ManualClock({ startNs: 0n })
  clock.advance(10)
  clock.advanceNs(5n)
  clock.setNs(1_000_000)
  const n: bigint = clock.nowNs()
  const ms: number = clock.nowMs()
  await clock.tickAsync(5)
  const pending: number = clock.pendingTimers

  const t: number = await timeout(async (signal: AbortSignal) => signal.aborted ? 0 : 1, 100, { clock })
  const d: Deadline = deadline(1000, { clock })
  const child: Deadline = d.child(100)
  const left: number = child.remainingMs()
  const r: string = await d.run(async (signal) => String(signal.aborted))
  d.dispose()

  const f: number | string = await fallback(async () => 1, 'x', { when: (e) => e instanceof TimeoutError })
  const fc: number = await fallbackChain([async () => 1, async (prev: unknown) => 2])
  const g = await degrade({
    user: async () => ({ id: 1 }),
    recs: { fn: async (signal: AbortSignal) => [1, 2], timeoutMs: 50, default: [] as number[] }
  }, { clock, onDegraded: (name: string, err: unknown) => {} })
  const id: number = g.values.user.id
  const recs: number[] = g.values.recs
  const degraded: string[] = g.degraded

  const errs: SeawallError[] = [
    new CircuitOpenError(1), new RateLimitedError(1), new BulkheadFullError(), new TimeoutError(1),
    new RetryExhaustedError(3, new Error('x')), new RetryBudgetExhaustedError(), new InjectedFaultError()
  ]
  for (const e of errs) {
    if (e instanceof CircuitOpenError) { const ra: number = e.retryAfterMs }
    if (e instanceof RetryExhaustedError) { const a: number = e.attempts }
    const code: string = e.code
  }
  const backoff = new Backoff({ kind: 'exponential', baseMs: 100, factor: 2, maxDelayMs: 1000, jitter: 'decorrelated', maxAttempts: 5, maxElapsedMs: null, seed: 42n, clock })
  const sched: Schedule = backoff.schedule()
  const nd: number | null = sched.nextDelayMs({ retryAfterMs: 10 })
  const bm: number = backoff.metrics().exhaustedAttempts + backoff.delayForMs(2) + sched.retries + sched.attempts
  const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 })
  const allowed: boolean = budget.tryRetry()
  budget.recordSuccess(); budget.recordFailure()
  const tm: number = budget.metrics().tokensMilli
  const rv: string = await retry(async ({ attempt, signal }) => `${attempt}`, {
    backoff, budget, retryIf: (e: unknown, attempt: number) => isRetryableError(e), onRetry: ({ delayMs }) => {}, signal: new AbortController().signal
  })
  await retry(() => 1, { maxAttempts: 2, baseMs: 1, jitter: 'none' })
  const st: readonly number[] = RETRYABLE_STATUSES
  const kinds: readonly RetryableKind[] = RETRYABLE_KINDS
  const k: RetryableKind | null = kindForCode('ECONNRESET')
  const c: RetryableKind | undefined = CODE_KINDS.ECONNRESET
  const flags: boolean[] = [isRetryableStatus(503), isRetryableKind('timed_out')]
  const ra: number | undefined = retryAfterOf(new Error('x')) ?? parseRetryAfter('3')
  const cb = new CircuitBreaker({
    failureRateThreshold: 0.5, slowCallRateThreshold: null, slowCallDurationThresholdMs: 1000, windowKind: 'time_based',
    windowSize: 10, minimumNumberOfCalls: 5, failureCountThreshold: 3, failureCountPeriodMs: 1000, openDurationMs: 500,
    openDurationMultiplier: 2, maxOpenDurationMs: 10_000, halfOpenMaxCalls: 2, successThreshold: 1,
    isFailure: (e: unknown) => !(e instanceof TypeError), clock, name: 'db'
  })
  cb.on('stateChange', (t: StateChange) => { const to: BreakerState = t.to; void [to, t.atMs] })
  cb.once('open', (t) => { void t.from })
  const n1: number = await cb.execute(async (signal?: AbortSignal) => 1, { signal: new AbortController().signal })
  const permit: BreakerPermit | null = cb.tryAcquire()
  if (permit) { if (permit.isProbe) permit.release(); else permit.success(3) }
  const bmx: BreakerMetrics = cb.metrics()
  const fr: number | null = bmx.failureRate
  const cbState: BreakerState = cb.state
  const ra2: number = cb.retryAfterMs()
  cb.forceOpen(); cb.disable(); cb.metricsOnly(); cb.reset()

  const tb = new TokenBucket({ burst: 10, ratePerSec: 5, initialTokens: 3, clock })
  const ok1: boolean = tb.tryAcquire() && tb.tryAcquire(2)
  const dec: RateLimitDecision = tb.check(1)
  const pk: RateLimitDecision = tb.peek()
  tb.refund(1)
  await tb.acquire(1, { timeoutMs: 100, signal: new AbortController().signal })
  const sw = new SlidingWindowLimiter({ limit: 100, windowMs: 60_000, buckets: 10 })
  const kb = new KeyedTokenBucket({ burst: 5, ratePerSec: 1, maxKeys: 1000, maxProbe: 8, onFull: 'allow', hashSeed: 1n })
  const kw = new KeyedSlidingWindow({ limit: 100, windowMs: 60_000, onFull: 'deny' })
  const kd: RateLimitDecision = kw.check('user-1', 1)
  const ok2: boolean = kb.tryAcquire('ip') && sw.tryAcquire()
  await kb.acquire('ip', 1, { timeoutMs: 10 })
  kb.refund('ip', 1)
  const lm: LimiterMetrics = kw.metrics()
  const hdrs: Record<string, string> = rateLimitHeaders(kd, kw)
  const mw = rateLimitMiddleware<{ ip: string }>({ limiter: kw, key: (req) => req.ip, cost: () => 1, headers: true, message: 'slow down', onLimited: (req, res, next, d) => next() })
  mw({ ip: '1.2.3.4' }, { statusCode: 200, setHeader () {}, end () {} }, () => {})
  const bh = new Bulkhead({ maxConcurrent: 2, maxQueue: 10, maxWaitMs: 100, clock })
  const bp: BulkheadPermit | null = bh.tryAcquire()
  bp?.release()
  const held: BulkheadPermit = await bh.acquire({ timeoutMs: 10, signal: new AbortController().signal })
  held.release()
  const bx: string = await bh.execute(async () => 'x', { timeoutMs: 5 })
  const adm = bh.enqueue()
  if (adm.outcome === 'queued') { const w: BulkheadWaiter = adm.waiter; w.claim()?.release(); w.cancel() } else if (adm.outcome === 'acquired') adm.permit.release()
  const bhm: BulkheadMetrics = bh.metrics()
  const at = new AdaptiveTimeout({ percentile: 0.99, multiplier: 2, minTimeoutMs: 10, maxTimeoutMs: 1000, initialTimeoutMs: 100, minSamples: 5, windowMs: 1000, clock })
  at.record(12)
  const atm: number = at.timeoutMs() + at.metrics().p99Ms
  const atx: number = await at.execute(async (signal: AbortSignal) => 1)
  const fi = new FaultInjector({ errorRate: 0.1, delayRate: 0.1, delayMinMs: 1, delayMaxMs: 5, seed: 1, enabled: true, error: () => new Error('chaos'), clock })
  const fd: FaultDecision = fi.decide()
  fi.setEnabled(false)
  const fx: number = await fi.execute(async () => 1)
  const wrapped: (a: number) => Promise<number> = fi.wrap(async (a: number) => a)
  const pol: Policy<number> = wrap({ rateLimiter: tb, circuitBreaker: cb, bulkhead: bh, timeoutMs: 100, retry: { maxAttempts: 2, retryIf: () => true }, fallback: 0, fallbackWhen: () => true, clock })
  const pol2 = new Policy({ timeout: at })
  const ga = pol.tryAcquire()
  if (ga.allowed) { const pg: PolicyGuard = ga; pg.complete('success', 5) } else { const rj: PolicyRejection = ga; void rj.stage; void rj.error.code }
  const pv: number = await pol.execute(async (signal?: AbortSignal, attempt?: number) => 1)
  const pw: (x: string) => Promise<string> = pol2.wrap(async (x: string) => x)
  void [bx, bhm, atm, atx, fd, fx, wrapped, pv, pw]
  void [n1, fr, cbState, ra2, ok1, dec, pk, ok2, lm, hdrs]
  void [nd, bm, allowed, tm, rv, st, kinds, k, c, flags, ra]
  void [v, n, ms, pending, t, left, r, f, fc, id, recs, degraded]
}

void main()

export async function http (): Promise<void> {
  const f = fetchWith({ retry: { maxAttempts: 3 }, timeoutMs: 1000, policy: new Policy({ fallback: 1 }) })
  const res: Response = await f('https://example.test')
  const e = new HttpStatusError(res)
  const s: number = e.status
  console.log(s, fastifyRateLimit)
}

// core's retry run and policy run, driven by hand; headers by core
{
  const r = new seawall.Retry({ backoff: new seawall.Backoff({ maxAttempts: 3 }), maxAttempts: 2 })
  const run = r.start()
  const step = run.onFailure({ retryable: true, retryAfterMs: 5 })
  if (step.action === 'sleep') { const d: number = step.delayMs; void d } else { const why: seawall.RetryGiveUpReason = step.reason; void why }
  const p = new seawall.Policy({ bulkhead: new seawall.Bulkhead({ maxConcurrent: 1 }) })
  const pr: seawall.PolicyRun = p.start()
  const s = pr.next()
  if (s.step === 'attempt') pr.onFailure({ outcome: 'ignored' })
  pr.cancel()
  const h: Record<string, string> = seawall.rateLimitHeaders({ allowed: true, remaining: 1, retryAfterMs: 0, resetAfterMs: 0 }, { name: 'api', limit: 2, windowMs: 1000 })
  void h
  const v = seawall.classifyError(new Error('x'))
  const ok: boolean = v.retryable && seawall.isRetryableErrorKind('rate_limited')
  const o: 'success' | 'failure' | 'ignored' = seawall.outcomeOf(new Error('x'), false)
  void ok; void o
}
