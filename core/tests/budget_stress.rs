//! Real-thread collision test of the retry budget (fast in release).

use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
use std::sync::Arc;

#[test]
fn concurrent_withdrawals_allow_exactly_half_the_bucket() -> seawall::Result<()> {
    // 1000 tokens, threshold 500: whatever the interleaving, exactly the
    // withdrawals leaving 999..=501 tokens are allowed: 499 of them.
    let b = Arc::new(RetryBudget::new(RetryBudgetConfig {
        max_tokens: 1000,
        token_ratio: 0.1,
    })?);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let b = Arc::clone(&b);
            std::thread::spawn(move || (0..600).filter(|_| b.try_retry()).count())
        })
        .collect();
    let allowed: usize = threads
        .into_iter()
        .map(|t| t.join().unwrap_or(usize::MAX))
        .sum();
    assert_eq!(allowed, 499);
    let m = b.metrics();
    assert_eq!(
        (m.tokens_milli, m.retries_allowed, m.retries_denied),
        (0, 499, 2400 - 499)
    );
    Ok(())
}

#[test]
fn concurrent_successes_and_failures_stay_in_bounds() -> seawall::Result<()> {
    let b = Arc::new(RetryBudget::new(RetryBudgetConfig {
        max_tokens: 50,
        token_ratio: 0.7,
    })?);
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let b = Arc::clone(&b);
            std::thread::spawn(move || {
                for k in 0..20_000u32 {
                    if (k + i) % 3 == 0 {
                        b.record_failure();
                    } else {
                        b.record_success();
                    }
                    let t = b.metrics().tokens_milli;
                    assert!(t <= 50_000, "{t}");
                }
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().is_ok());
    }
    let m = b.metrics();
    assert_eq!(m.successes + m.failures, 80_000);
    Ok(())
}
