// Types that say exactly what the API gives (issue 11 item 11). The lines
// marked to expect an error must be errors: tsc fails if the types are loose.
import {
  Policy, wrap, TokenBucket, SlidingWindowLimiter, KeyedTokenBucket, Backoff, RetryBudgetExhaustedError,
  TokenBucketMetrics, SlidingWindowMetrics, KeyedLimiterMetrics, SharedHandle, CircuitBreaker, RetryBudget,
  events, RejectedEvent
} from 'seawall'

export async function precise (): Promise<void> {
  // Each event's payload is typed.
  const onRejected = (e: RejectedEvent): void => {
    const by: 'circuit_breaker' | 'rate_limiter' | 'bulkhead' = e.by
    const ms: number = e.retryAfterMs
    const key: string | undefined = e.key
  }
  events.on('rejected', onRejected).off('rejected', onRejected)
  events.once('gaveUp', (e) => { const why: 'not_retryable' | 'attempts' | 'elapsed' | 'deadline' | 'budget' = e.reason })
  events.on('retryScheduled', (e) => { const d: number = e.delayMs + e.attempt })
  // @ts-expect-error a 'timeout' event has limitMs, not delayMs
  events.on('timeout', (e) => e.delayMs)
  events.on('listenerError', (err) => { const u: unknown = err })

  // A fallback's type joins the result.
  const withFallback = new Policy({ fallback: (err: unknown) => 'cached' })
  const r: number | string = await withFallback.execute(async () => 1)
  // @ts-expect-error the fallback's string is a possible result
  const onlyNumber: number = await withFallback.execute(async () => 1)
  const withValue = new Policy({ fallback: null })
  const v: number | null = await withValue.execute(async () => 1)
  const plain = new Policy({ timeoutMs: 5 })
  const n: number = await plain.execute(async () => 1)
  const wrapped = wrap({ fallback: async () => false })
  const w: (x: string) => Promise<string | boolean> = wrapped.wrap(async (x: string) => x)

  // Each limiter's metrics have every field.
  const tm: TokenBucketMetrics = new TokenBucket().metrics()
  const burst: number = tm.burst
  // @ts-expect-error a token bucket has no key table
  tm.keysTracked
  const sm: SlidingWindowMetrics = new SlidingWindowLimiter().metrics()
  const count: number = sm.count
  const km: KeyedLimiterMetrics = new KeyedTokenBucket().metrics()
  const keys: number = km.keysTracked

  // Schedules and errors.
  const delays: number[] = new Backoff().schedule().nextDelaysMs(3)
  const e = new RetryBudgetExhaustedError()
  const attempts: number = e.attempts
  const cause: unknown = e.cause
  console.log(r, onlyNumber, v, n, w, burst, count, keys, delays, attempts, cause)
}

// Sharing with worker threads.
export function sharing (): void {
  const h: SharedHandle<'TokenBucket'> = new TokenBucket().share()
  const again: TokenBucket = TokenBucket.fromShared(h)
  // @ts-expect-error a token bucket's handle is not a sliding window's
  SlidingWindowLimiter.fromShared(h)
  const cb: CircuitBreaker = CircuitBreaker.fromShared(new CircuitBreaker().share(), { isFailure: () => true })
  const rb: RetryBudget = RetryBudget.fromShared(new RetryBudget().share())
  console.log(again, cb, rb)
}
