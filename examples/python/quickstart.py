"""Quick start: a policy around a flaky call, on a manual clock."""
import seawall

clock = seawall.ManualClock()
breaker = seawall.CircuitBreaker(failure_count_threshold=3, open_duration=10.0, clock=clock)
breaker.on_state_change(lambda old, new: print(f"breaker: {old} -> {new}"))
policy = seawall.Policy(
    rate_limiter=seawall.TokenBucket(burst=10, rate_per_sec=5.0, clock=clock),
    circuit_breaker=breaker,
    fallback=seawall.Fallback(handler=lambda e: f"queued ({type(e).__name__})"),
)


@policy
def pay():
    raise ConnectionResetError("payment service down")


for _ in range(4):
    print(pay())
clock.advance(10.0)
print(policy.call(lambda: "paid"), "- state:", breaker.state)
