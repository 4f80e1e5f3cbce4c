//! `CircuitBreaker::call` and `Policy::call` measure the call themselves,
//! and read no time when no rule needs a duration.

use seawall::backoff::{Backoff, BackoffConfig};
use seawall::bulkhead::{Bulkhead, BulkheadConfig};
use seawall::circuit_breaker::{CallError, CircuitBreaker, Config, Outcome};
use seawall::clock::ManualClock;
use seawall::policy::{AttemptFailure, Policy};
use seawall::retry::Retry;
use std::sync::Arc;
use std::time::Duration;

fn no_slow_rule() -> Config {
    Config {
        slow_call_rate_threshold: None,
        ..Config::default()
    }
}

#[test]
fn breaker_call_without_slow_rule_reads_no_clock() -> seawall::Result<()> {
    let clock = ManualClock::new();
    let cb = CircuitBreaker::with_clock(no_slow_rule(), &clock)?;
    let before = clock.reads();
    for i in 0..10u32 {
        let r = cb.call(|| if i % 2 == 0 { Ok(i) } else { Err(i) });
        assert_eq!(r.is_ok(), i % 2 == 0);
    }
    assert_eq!(clock.reads(), before, "no rule needs the duration");
    let m = cb.metrics();
    assert_eq!((m.successes, m.failures), (5, 5));
    Ok(())
}

#[test]
fn breaker_call_measures_the_call_for_the_slow_rule() -> seawall::Result<()> {
    let clock = ManualClock::new();
    let cb = CircuitBreaker::with_clock(
        Config {
            slow_call_rate_threshold: Some(1.0),
            slow_call_duration_threshold: Duration::from_millis(100),
            ..Config::default()
        },
        &clock,
    )?;
    let r: Result<(), CallError<_, ()>> = cb.call(|| {
        clock.advance(Duration::from_millis(101));
        Ok(())
    });
    assert!(r.is_ok());
    let r: Result<(), CallError<_, ()>> = cb.call(|| {
        clock.advance(Duration::from_millis(100));
        Ok(())
    });
    assert!(r.is_ok());
    assert_eq!(
        cb.metrics().slow,
        1,
        "only the call strictly slower than 100 ms"
    );
    Ok(())
}

#[test]
fn breaker_call_classifies_and_survives_a_panic() -> seawall::Result<()> {
    let cb = Arc::new(CircuitBreaker::new(no_slow_rule())?);
    let r = cb.call_classified(|| Err::<(), _>("ignored"), |_| Outcome::Ignored);
    assert!(matches!(r, Err(CallError::Failed("ignored"))));
    assert_eq!(cb.metrics().ignored, 1);
    let cb2 = Arc::clone(&cb);
    let joined = std::thread::spawn(move || {
        let _ = cb2.call(|| -> Result<(), ()> { std::panic::resume_unwind(Box::new("boom")) });
    })
    .join();
    assert!(joined.is_err());
    // The permit came back without an outcome: nothing recorded.
    let m = cb.metrics();
    assert_eq!((m.successes, m.failures, m.ignored), (0, 0, 1));
    Ok(())
}

#[test]
fn policy_call_retries_and_reads_no_clock_without_time_rules() -> seawall::Result<()> {
    let clock = ManualClock::new();
    let cb = Arc::new(CircuitBreaker::with_clock(no_slow_rule(), &clock)?);
    let bh = Arc::new(Bulkhead::with_clock(
        BulkheadConfig {
            max_concurrent: 1,
            ..BulkheadConfig::default()
        },
        &clock,
    )?);
    let backoff = Backoff::with_clock(
        BackoffConfig {
            base: Duration::ZERO,
            max_attempts: 4,
            ..BackoffConfig::default()
        },
        &clock,
    )?;
    let policy = Arc::new(
        Policy::with_clock(&clock)
            .circuit_breaker(cb.clone())
            .bulkhead(bh.clone())
            .retry(Retry::new(backoff)),
    );
    let before = clock.reads();
    let mut n = 0;
    let r = policy.call(
        || {
            n += 1;
            if n < 3 {
                Err(n)
            } else {
                Ok(n)
            }
        },
        |_| AttemptFailure::retryable(),
    );
    assert_eq!(r.ok(), Some(3));
    assert_eq!(clock.reads(), before, "no rule needs a duration");
    let m = cb.metrics();
    assert_eq!((m.successes, m.failures), (1, 2));
    assert_eq!(bh.metrics().active, 0);
    // Not retryable: the closure's own error, one attempt.
    let r = policy.call(|| Err::<(), _>("bad"), |_| AttemptFailure::not_retryable());
    assert!(matches!(r, Err(CallError::Failed("bad"))));
    // Exhausted: the retry error and the last failure.
    let r = policy.call(|| Err::<(), _>("down"), |_| AttemptFailure::retryable());
    let Err(CallError::GaveUp(e, last)) = r else {
        return Err(seawall::Error::argument(
            "r",
            format!("expected GaveUp, got {r:?}"),
        ));
    };
    assert_eq!(e.kind(), seawall::ErrorKind::RetryExhausted);
    assert_eq!((e.attempts(), last), (Some(4), "down"));
    Ok(())
}
