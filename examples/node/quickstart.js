// Quick start: a policy around a flaky call, on a manual clock.
const { CircuitBreaker, TokenBucket, Policy, ManualClock } = require('seawall')

async function main () {
  const clock = new ManualClock()
  const breaker = new CircuitBreaker({ failureCountThreshold: 3, openDurationMs: 10_000, clock })
  breaker.on('stateChange', ({ from, to }) => console.log(`breaker: ${from} -> ${to}`))
  const policy = new Policy({
    rateLimiter: new TokenBucket({ burst: 10, ratePerSec: 5, clock }),
    circuitBreaker: breaker,
    fallback: (err) => `queued (${err.code || err.message})`,
    clock
  })
  const flaky = async () => { throw Object.assign(new Error('payment service down'), { status: 503 }) }
  for (let i = 0; i < 4; i++) console.log(await policy.execute(flaky))
  clock.advance(10_000)
  console.log(await policy.execute(async () => 'paid'), '- state:', breaker.state)
}

main()
