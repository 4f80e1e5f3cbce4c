// A user's TypeScript ESM file (module: nodenext): compiled with
// tsc --strict against the installed package, then run with node.
import { CircuitBreaker, CircuitOpenError, ManualClock, Policy, TokenBucket, retry, VERSION } from 'seawall'
import seawall from 'seawall'

const clock = new ManualClock()
const cb = new CircuitBreaker({ clock, failureCountThreshold: 1 })
cb.forceOpen()
const err: unknown = await cb.execute(async () => 1).catch((e: unknown) => e)
if (!(err instanceof CircuitOpenError)) throw new Error('expected CircuitOpenError')
const retryAfter: number = err.retryAfterMs
const bucket = new TokenBucket({ burst: 2, ratePerSec: 1, clock })
const granted: boolean = bucket.tryAcquire()
const n: number = await retry(async () => 3, { maxAttempts: 2, clock })
const policy = new Policy({ fallback: (e: unknown) => 'fallback' })
const r: number | string = await policy.execute(async () => 1)
if (seawall.VERSION !== VERSION) throw new Error('default export differs')
console.log(`esm ok ${VERSION} ${retryAfter >= 0} ${granted} ${n} ${r}`)
