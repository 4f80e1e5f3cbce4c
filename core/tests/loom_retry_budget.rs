//! Loom models of the retry budget's token CAS.
//!
//! Run: `RUSTFLAGS="--cfg seawall_loom" cargo test -p seawall --release --test loom_retry_budget`
#![cfg(seawall_loom)]

use loom::sync::atomic::{AtomicU64, Ordering};
use loom::sync::Arc;
use loom::thread;
use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};

/// max_tokens 3 → threshold 1.5 tokens: from a full bucket exactly one
/// withdrawal leaves tokens above the threshold (2.0); the second leaves 1.0.
fn last_retry_budget() -> RetryBudget {
    match RetryBudget::new(RetryBudgetConfig {
        max_tokens: 3,
        token_ratio: 0.5,
    }) {
        Ok(b) => b,
        Err(e) => unreachable!("valid config rejected: {e}"),
    }
}

#[test]
fn two_threads_withdrawing_the_last_retry_only_one_succeeds() {
    loom::model(|| {
        let b = Arc::new(last_retry_budget());
        let b2 = Arc::clone(&b);
        let t = thread::spawn(move || b2.try_retry());
        let mine = b.try_retry();
        let theirs = t.join().unwrap_or(false);
        assert!(mine ^ theirs, "exactly one retry allowed: {mine} {theirs}");
        let m = b.metrics();
        assert_eq!(m.tokens_milli, 1000);
        assert_eq!((m.retries_allowed, m.retries_denied), (1, 1));
    });
}

#[test]
fn success_and_withdrawals_race_without_losing_updates() {
    loom::model(|| {
        let b = Arc::new(last_retry_budget());
        b.record_failure(); // 2.0 tokens
        let b2 = Arc::clone(&b);
        let t = thread::spawn(move || b2.record_success());
        b.record_failure();
        let _ = t.join();
        // 2.0 − 1 + 0.5 = 1.5 in every order (the cap of 3 is never reached)
        assert_eq!(b.metrics().tokens_milli, 1500);
    });
}

/// The algorithm with its CAS replaced by load + store: the mutant loom must catch.
struct BrokenBudget {
    tokens_milli: AtomicU64,
}

impl BrokenBudget {
    fn try_retry(&self) -> bool {
        let cur = self.tokens_milli.load(Ordering::Acquire);
        let next = cur.saturating_sub(1000);
        self.tokens_milli.store(next, Ordering::Release);
        next > 1500
    }
}

#[test]
fn loom_finds_the_load_store_mutant() {
    let found = std::panic::catch_unwind(|| {
        loom::model(|| {
            let b = Arc::new(BrokenBudget {
                tokens_milli: AtomicU64::new(3000),
            });
            let b2 = Arc::clone(&b);
            let t = thread::spawn(move || b2.try_retry());
            let mine = b.try_retry();
            let theirs = t.join().unwrap_or(false);
            assert!(mine ^ theirs, "exactly one retry allowed: {mine} {theirs}");
        });
    });
    assert!(
        found.is_err(),
        "loom should find two retries allowed from the last token"
    );
}
