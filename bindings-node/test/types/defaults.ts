// A user's file checked with tsc's default target and lib (no tsconfig
// options but --strict): the types must not need a newer lib.
import { CircuitBreaker, retry, Policy, TimeoutError, RetryExhaustedError, timeout, deadline } from 'seawall'

const cb = new CircuitBreaker({ openDurationMs: 1000 })
const p = new Policy({ circuitBreaker: cb, fallback: () => 'cached' })
export async function f (): Promise<string | number> { return p.execute(async () => 1) }
export const r: Promise<number> = retry(async () => 2, { maxAttempts: 2 })
export const e = new TimeoutError(5, 'slow', { cause: new Error('x') })
export const x: unknown = new RetryExhaustedError(2, e).cause
export const t: Promise<string> = timeout(async () => 'ok', 10)
export const left: number = deadline(10).remainingMs()
