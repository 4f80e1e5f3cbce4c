use super::*;
use crate::backoff::{BackoffConfig, Jitter};
use crate::clock::ManualClock;
use crate::retry_budget::RetryBudgetConfig;
use crate::ErrorKind;
use std::time::Duration;

const MS: u64 = 1_000_000;

fn backoff(clock: &ManualClock, max_attempts: u32, max_elapsed: Option<u64>) -> Result<Backoff> {
    Backoff::with_clock(
        BackoffConfig {
            base: Duration::from_millis(100),
            jitter: Jitter::None,
            max_attempts,
            max_elapsed: max_elapsed.map(Duration::from_nanos),
            ..BackoffConfig::default()
        },
        clock,
    )
}

fn budget(max_tokens: u32) -> Result<Arc<RetryBudget>> {
    Ok(Arc::new(RetryBudget::new(RetryBudgetConfig {
        max_tokens,
        token_ratio: 0.1,
    })?))
}

#[test]
fn a_first_time_success_starts_no_schedule_and_reads_no_clock() -> Result<()> {
    let clock = ManualClock::new();
    let retry = Retry::new(backoff(&clock, 3, Some(10_000 * MS))?);
    let mut st = retry.start(Some(5));
    retry.on_success(&mut st);
    assert_eq!(st.status, RunStatus::Succeeded);
    assert_eq!(st.schedule, None);
    assert_eq!(st.origin_ns, 0);
    assert_eq!(retry.backoff().metrics().schedules, 0);
    Ok(())
}

#[test]
fn not_retryable_does_not_charge_the_budget() -> Result<()> {
    let clock = ManualClock::new();
    let b = budget(10)?;
    let retry = Retry::new(backoff(&clock, 3, None)?).with_budget(b.clone());
    let mut run = retry.run();
    let step = run.on_failure(Failure::not_retryable(0));
    assert_eq!(
        step,
        RetryStep::GiveUp(GiveUp {
            reason: GiveUpReason::NotRetryable,
            attempts: 1
        })
    );
    assert_eq!(b.metrics().tokens_milli, 10_000);
    assert_eq!(b.metrics().failures, 0);
    // It failed once: it is a schedule, with no retries.
    let m = retry.backoff().metrics();
    assert_eq!((m.schedules, m.retries), (1, 0));
    Ok(())
}

#[test]
fn budget_denial_is_its_own_error_kind_and_retries_count_what_was_slept() -> Result<()> {
    let clock = ManualClock::new();
    let b = budget(2)?; // 2000 - 1000 = 1000 = threshold: denied at once
    let retry = Retry::new(backoff(&clock, 5, None)?).with_budget(b.clone());
    let mut run = retry.run();
    let RetryStep::GiveUp(g) = run.on_failure(Failure::retryable(0)) else {
        return Err(Error::argument("step", "expected a give-up"));
    };
    assert_eq!(g.reason, GiveUpReason::Budget);
    let e = g.error().ok_or_else(|| Error::argument("error", "none"))?;
    assert_eq!(e.kind(), ErrorKind::RetryBudgetExhausted);
    assert_eq!(e.attempts(), Some(1));
    drop(run);
    assert_eq!(retry.backoff().metrics().retries, 0);
    assert_eq!(b.metrics().retries_denied, 1);
    Ok(())
}

#[test]
fn schedule_then_budget_exhausted_attempts_cost_one_token() -> Result<()> {
    let clock = ManualClock::new();
    let b = budget(10)?;
    let retry = Retry::new(backoff(&clock, 2, None)?).with_budget(b.clone());
    let mut run = retry.run();
    assert_eq!(
        run.on_failure(Failure::retryable(0)),
        RetryStep::Sleep(100 * MS)
    );
    let step = run.on_failure(Failure::retryable(0));
    assert!(matches!(
        step,
        RetryStep::GiveUp(GiveUp {
            reason: GiveUpReason::Attempts,
            attempts: 2
        })
    ));
    let m = b.metrics();
    assert_eq!(
        (m.tokens_milli, m.retries_allowed, m.failures),
        (8_000, 1, 2)
    );
    Ok(())
}

#[test]
fn elapsed_counts_from_the_first_attempt_start() -> Result<()> {
    let clock = ManualClock::starting_at_ns(1_000 * MS);
    let retry = Retry::new(backoff(&clock, 10, Some(350 * MS))?);
    let mut run = retry.run();
    clock.advance(Duration::from_millis(100)); // the first attempt took 100 ms
    assert_eq!(
        run.on_failure(Failure::retryable(100 * MS)),
        RetryStep::Sleep(100 * MS)
    );
    clock.advance(Duration::from_millis(140)); // slept 100, attempt 40
                                               // elapsed 240 + next delay 200 > 350
    let step = run.on_failure(Failure::retryable(40 * MS));
    assert!(matches!(
        step,
        RetryStep::GiveUp(GiveUp {
            reason: GiveUpReason::Elapsed,
            attempts: 2
        })
    ));
    assert_eq!(retry.backoff().metrics().exhausted_elapsed, 1);
    Ok(())
}

#[test]
fn deadline_refuses_a_retry_that_would_start_at_it() -> Result<()> {
    let clock = ManualClock::new();
    let retry = Retry::new(backoff(&clock, 10, None)?);
    let mut run = retry.run_with_deadline(300 * MS);
    assert_eq!(
        run.on_failure(Failure::retryable(0)),
        RetryStep::Sleep(100 * MS)
    );
    clock.advance(Duration::from_millis(100));
    // now 100 + 200 = 300 = deadline: refused
    let step = run.on_failure(Failure::retryable(0));
    assert!(matches!(
        step,
        RetryStep::GiveUp(GiveUp {
            reason: GiveUpReason::Deadline,
            attempts: 2
        })
    ));
    drop(run);
    assert_eq!(retry.backoff().metrics().retries, 1);
    Ok(())
}

#[test]
fn run_cap_below_the_backoff_and_hint_replaces_delay() -> Result<()> {
    let clock = ManualClock::new();
    let retry = Retry::new(backoff(&clock, 5, None)?).with_max_attempts(2)?;
    let mut run = retry.run();
    let f = Failure::retryable(0).with_retry_after(1_500 * MS);
    assert_eq!(run.on_failure(f), RetryStep::Sleep(1_500 * MS));
    assert!(matches!(
        run.on_failure(f),
        RetryStep::GiveUp(GiveUp {
            reason: GiveUpReason::Attempts,
            attempts: 2
        })
    ));
    // sticky
    assert!(matches!(
        run.on_failure(f),
        RetryStep::GiveUp(GiveUp {
            reason: GiveUpReason::Attempts,
            attempts: 2
        })
    ));
    assert_eq!(retry.backoff().metrics().exhausted_attempts, 1);
    let e = Retry::new(backoff(&clock, 5, None)?)
        .with_max_attempts(6)
        .err();
    assert_eq!(e.as_ref().and_then(Error::field), Some("max_attempts"));
    assert!(Retry::new(backoff(&clock, 5, None)?)
        .with_max_attempts(0)
        .is_err());
    Ok(())
}

#[test]
fn abandon_ends_the_schedule_without_touching_the_budget() -> Result<()> {
    let clock = ManualClock::new();
    let b = budget(10)?;
    let retry = Retry::new(backoff(&clock, 5, None)?).with_budget(b.clone());
    {
        let mut run = retry.run();
        assert_eq!(
            run.on_failure(Failure::retryable(0)),
            RetryStep::Sleep(100 * MS)
        );
    } // dropped: abandoned
    let m = retry.backoff().metrics();
    assert_eq!((m.schedules, m.retries), (1, 1));
    assert_eq!(b.metrics().successes, 0);
    Ok(())
}
