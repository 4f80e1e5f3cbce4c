//! Issue 13 item 2: a bulkhead whose queue held waiters of other threads
//! at `fork()`. In the child only the forking thread exists; the child's
//! copy forgets the other threads' waiters (and gives back slots handed to
//! them), so a slot released in the child serves the child. Simulated
//! in-process: `rng::after_fork()` is what the C and Python child handlers
//! call, run here by the thread that plays the forking thread; the waiters
//! of the other (finished) threads play the parent's threads. Its own test
//! binary: the fork epoch is process-wide.

use seawall::bulkhead::{Admission, Bulkhead, BulkheadConfig, OwnedWaiter};
use std::sync::Arc;

fn bulkhead() -> Arc<Bulkhead> {
    let cfg = BulkheadConfig {
        max_concurrent: 1,
        max_queue: 4,
        ..Default::default()
    };
    Arc::new(Bulkhead::new(cfg).unwrap_or_else(|e| unreachable!("{e}")))
}

/// A waiter queued by another thread (which then ends, as the parent's
/// threads do for the child).
fn queued_by_another_thread(bh: &Arc<Bulkhead>) -> OwnedWaiter {
    let b = Arc::clone(bh);
    let w = std::thread::spawn(move || b.enqueue_owned())
        .join()
        .unwrap_or_else(|_| unreachable!());
    match w {
        Ok(Admission::Queued(w)) => w,
        _ => unreachable!("the bulkhead is full: the other thread queues"),
    }
}

#[test]
fn a_slot_released_after_fork_goes_to_the_forking_threads_waiter_or_the_pool() {
    // Queued by another thread, then by this one; then the "fork".
    let bh = bulkhead();
    let mine = bh
        .try_acquire_owned()
        .unwrap_or_else(|e| unreachable!("{e}"));
    let theirs = queued_by_another_thread(&bh);
    let own = match bh.enqueue_owned() {
        Ok(Admission::Queued(w)) => w,
        _ => unreachable!(),
    };
    assert_eq!(bh.metrics().queued, 2);
    seawall::rng::after_fork();
    drop(mine);
    // Before: the slot went to the oldest waiter, a thread of the parent.
    let claimed = own.try_claim();
    assert!(
        claimed.is_ok(),
        "the forking thread's waiter did not get the released slot"
    );
    assert!(theirs.try_claim().is_err());
    let m = bh.metrics();
    assert_eq!((m.active, m.queued), (1, 0));
    drop(claimed);
    assert!(bh.try_acquire().is_ok());

    // A slot already handed to another thread's waiter (not claimed) at
    // the fork comes back to the pool in the child.
    let bh = bulkhead();
    let mine = bh
        .try_acquire_owned()
        .unwrap_or_else(|e| unreachable!("{e}"));
    let theirs = queued_by_another_thread(&bh);
    drop(mine); // handed to `theirs`, which never claims it
    assert_eq!(bh.metrics().active, 1);
    seawall::rng::after_fork();
    // The first use of the queue in the child gives it back.
    let own = bh.enqueue_owned();
    assert!(
        matches!(own, Ok(Admission::Acquired(_))),
        "the slot handed to a thread of the parent was not given back"
    );
    assert_eq!(bh.metrics().active, 1);
    drop(own);
    drop(theirs); // its ticket is gone: nothing to cancel, nothing counted twice
    let m = bh.metrics();
    assert_eq!((m.active, m.queued), (0, 0));
}
