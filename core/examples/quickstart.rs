//! Quick start: a token bucket and a circuit breaker on a manual clock.
use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome, State};
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::ManualClock;
use std::time::Duration;

fn main() -> Result<(), seawall::Error> {
    let clock = ManualClock::new();

    // 2 requests of burst, refilled at 1 per second.
    let cfg = TokenBucketConfig {
        burst: 2,
        rate_per_sec: 1.0,
        ..Default::default()
    };
    let bucket = TokenBucket::with_clock(cfg, &clock)?;
    assert!(bucket.try_acquire(1)?.allowed);
    assert!(bucket.try_acquire(1)?.allowed);
    let denied = bucket.try_acquire(1)?;
    assert!(!denied.allowed);
    println!("bucket: denied, retry after {:?}", denied.retry_after);

    // Open after 3 consecutive failures; probe again after 10 s.
    let cfg = Config {
        failure_count_threshold: Some(3),
        open_duration: Duration::from_secs(10),
        ..Config::default()
    };
    let breaker = CircuitBreaker::with_clock(cfg, &clock)?;
    for _ in 0..3 {
        let permit = breaker.try_acquire()?;
        breaker.record(permit, Outcome::Failure, Duration::from_millis(20));
    }
    assert_eq!(breaker.state(), State::Open);
    if let Err(rejected) = breaker.try_acquire() {
        println!(
            "breaker: {}, retry after {:?}",
            rejected.state.as_str(),
            rejected.retry_after
        );
    }
    clock.advance(Duration::from_secs(10));
    let probe = breaker.try_acquire()?; // half-open: this call is a probe
    breaker.record(probe, Outcome::Success, Duration::from_millis(5));
    println!("breaker: {} after one good probe", breaker.state().as_str());
    Ok(())
}
