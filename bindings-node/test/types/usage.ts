// Compiled with tsc --noEmit --strict against the installed package: every
// public export used with its documented types.
import * as seawall from 'seawall'
import {
  ManualClock, timeout, deadline, Deadline, fallback, fallbackChain, degrade,
  SeawallError, CircuitOpenError, RateLimitedError, BulkheadFullError, TimeoutError,
  RetryExhaustedError, RetryBudgetExhaustedError, InjectedFaultError
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
  void [v, n, ms, pending, t, left, r, f, fc, id, recs, degraded]
}

void main()
