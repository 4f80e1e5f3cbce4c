use super::*;
use crate::clock::{Clock, ManualClock};
use crate::error::ErrorKind;
use crate::token_bucket::{TokenBucket, TokenBucketConfig};
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::AtomicUsize;

fn must<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => unreachable!("{e}"),
    }
}

/// A fresh region path in /dev/shm, removed on drop.
struct TempRegion(String);

impl TempRegion {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = format!("{DEFAULT_DIR}/seawall-unit-{}-{n}", std::process::id());
        let _ = std::fs::remove_file(&p);
        TempRegion(p)
    }
}

impl Drop for TempRegion {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tb_cfg(burst: u64, rate: f64) -> TokenBucketConfig {
    TokenBucketConfig {
        burst,
        rate_per_sec: rate,
        initial_tokens: None,
    }
}

fn problem(r: Result<SharedRegion>) -> RegionProblem {
    match r {
        Ok(_) => unreachable!("opened a bad region"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::SharedRegion, "{e}");
            match e.region_problem() {
                Some(p) => p,
                None => unreachable!("{e}"),
            }
        }
    }
}

#[test]
fn names_map_to_dev_shm_and_paths_stay_paths() {
    assert_eq!(
        must(region_path("/payments")),
        Path::new("/dev/shm/payments")
    );
    assert_eq!(
        must(region_path("payments")),
        Path::new("/dev/shm/payments")
    );
    assert_eq!(must(region_path("/tmp/x")), Path::new("/tmp/x"));
    let e = region_path("/").err();
    assert_eq!(e.and_then(|e| e.field()), Some("name"));
}

#[test]
fn two_opens_share_one_bucket() {
    let t = TempRegion::new();
    let clock = ManualClock::new();
    let a = must(SharedRegion::open(&t.0));
    let b = must(SharedRegion::open(&t.0));
    let ta = must(TokenBucket::in_region_with_clock(
        tb_cfg(3, 1.0),
        &clock,
        &a,
        "api",
    ));
    let tb = must(TokenBucket::in_region_with_clock(
        tb_cfg(3, 1.0),
        &clock,
        &b,
        "api",
    ));
    assert!(ta.is_shared() && tb.is_shared());
    assert!(must(ta.try_acquire(2)).allowed);
    // The other attachment sees the tokens the first one took.
    let d = must(tb.try_acquire(2));
    assert!(!d.allowed);
    assert_eq!(d.remaining, 1);
    assert!(must(tb.try_acquire(1)).allowed);
    assert_eq!(ta.metrics().allowed, 2);
    assert_eq!(ta.metrics().denied, 1);
    assert_eq!(a.slots_used(), (1, DEFAULT_SLOTS as usize));
}

#[test]
fn the_file_is_mode_0600_with_a_valid_header() {
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let meta = must(std::fs::metadata(&t.0));
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), DEFAULT_SIZE);
    assert_eq!(r.inner.header.magic.load(Ordering::Relaxed), MAGIC);
    assert_eq!(
        r.inner.header.version.load(Ordering::Relaxed),
        LAYOUT_VERSION
    );
    assert_eq!(
        r.inner.header.creator_pid.load(Ordering::Relaxed),
        u64::from(std::process::id())
    );
}

#[test]
fn another_config_is_refused_naming_the_field() {
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let _a = must(TokenBucket::in_region(tb_cfg(10, 5.0), &r, "api"));
    let e = TokenBucket::in_region(tb_cfg(10, 6.0), &r, "api").err();
    let Some(e) = e else {
        unreachable!("attached with another rate")
    };
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert_eq!(e.field(), Some("rate_per_sec"));
    assert!(e.to_string().contains("5.0 in the region, 6.0 here"), "{e}");
    let e = TokenBucket::in_region(tb_cfg(11, 5.0), &r, "api").err();
    assert_eq!(e.and_then(|e| e.field()), Some("burst"));
    // The same config attaches.
    assert!(TokenBucket::in_region(tb_cfg(10, 5.0), &r, "api").is_ok());
}

#[test]
fn bad_names_are_refused() {
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    for name in ["", "a\0b", &"x".repeat(MAX_NAME_BYTES + 1)] {
        let e = TokenBucket::in_region(tb_cfg(1, 1.0), &r, name).err();
        assert_eq!(e.and_then(|e| e.field()), Some("name"), "{name:?}");
    }
    assert!(TokenBucket::in_region(tb_cfg(1, 1.0), &r, &"x".repeat(MAX_NAME_BYTES)).is_ok());
}

#[test]
fn a_full_region_says_so() {
    let t = TempRegion::new();
    // Two directory entries and room for exactly one bucket's bytes.
    let opts = RegionOptions {
        size: HEADER_BYTES + 2 * DIR_ENTRY_BYTES + 4096,
        slots: 2,
    };
    let r = must(SharedRegion::open_with(&t.0, &opts));
    assert!(TokenBucket::in_region(tb_cfg(1, 1.0), &r, "a").is_ok());
    let e = TokenBucket::in_region(tb_cfg(1, 1.0), &r, "b").err();
    assert_eq!(
        e.and_then(|e| e.region_problem()),
        Some(RegionProblem::Full)
    );
    // Out of directory entries.
    let t2 = TempRegion::new();
    let opts = RegionOptions {
        size: 1 << 20,
        slots: 1,
    };
    let r = must(SharedRegion::open_with(&t2.0, &opts));
    assert!(TokenBucket::in_region(tb_cfg(1, 1.0), &r, "a").is_ok());
    let e = TokenBucket::in_region(tb_cfg(1, 1.0), &r, "b").err();
    assert_eq!(
        e.and_then(|e| e.region_problem()),
        Some(RegionProblem::Full)
    );
    // An existing name still attaches.
    assert!(TokenBucket::in_region(tb_cfg(1, 1.0), &r, "a").is_ok());
}

/// Writes `word` at byte `at` of the file.
fn poke(path: &str, at: u64, word: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = must(OpenOptions::new().write(true).open(path));
    must(f.seek(SeekFrom::Start(at)));
    must(f.write_all(&word.to_le_bytes()));
}

#[test]
fn corrupt_truncated_and_other_version_files_are_typed_errors() {
    let t = TempRegion::new();
    drop(must(SharedRegion::open(&t.0)));
    poke(&t.0, 0, 0x1234);
    assert_eq!(problem(SharedRegion::open(&t.0)), RegionProblem::Corrupt);
    // The file was not reset.
    poke(&t.0, 0, MAGIC);
    assert!(SharedRegion::open(&t.0).is_ok());

    poke(&t.0, 8, LAYOUT_VERSION + 1);
    assert_eq!(problem(SharedRegion::open(&t.0)), RegionProblem::Version);
    poke(&t.0, 8, LAYOUT_VERSION);

    // A directory offset past the data area.
    poke(&t.0, 32, 1 << 40);
    assert_eq!(problem(SharedRegion::open(&t.0)), RegionProblem::Corrupt);
    poke(&t.0, 32, HEADER_BYTES);

    // A ready directory entry pointing outside the file.
    {
        let r = must(SharedRegion::open(&t.0));
        let _ = must(TokenBucket::in_region(tb_cfg(1, 1.0), &r, "a"));
    }
    poke(&t.0, HEADER_BYTES + 24, DEFAULT_SIZE);
    assert_eq!(problem(SharedRegion::open(&t.0)), RegionProblem::Corrupt);

    // Truncated: shorter than the header says, and shorter than a header.
    let f = must(OpenOptions::new().write(true).open(&t.0));
    must(f.set_len(DEFAULT_SIZE / 2));
    assert_eq!(problem(SharedRegion::open(&t.0)), RegionProblem::Truncated);
    must(f.set_len(10));
    assert_eq!(problem(SharedRegion::open(&t.0)), RegionProblem::Truncated);
}

#[test]
fn a_missing_directory_is_an_io_error() {
    assert_eq!(
        problem(SharedRegion::open("/nonexistent-seawall-dir/x")),
        RegionProblem::Io
    );
}

#[test]
fn bad_options_name_the_field() {
    let t = TempRegion::new();
    let e = SharedRegion::open_with(
        &t.0,
        &RegionOptions {
            size: 100,
            slots: 4,
        },
    )
    .err();
    assert_eq!(e.and_then(|e| e.field()), Some("size"));
    let e = SharedRegion::open_with(
        &t.0,
        &RegionOptions {
            size: 1 << 20,
            slots: 0,
        },
    )
    .err();
    assert_eq!(e.and_then(|e| e.field()), Some("slots"));
}

#[test]
fn the_region_clock_is_clock_monotonic() {
    let host = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let host = (host.tv_sec as u64) * 1_000_000_000 + host.tv_nsec as u64;
    let ours = region_clock().now_ns();
    // Readings of one clock moments apart; a clock with another origin
    // (per process, per boot calibration) would be far off.
    assert!(ours.abs_diff(host) < 1_000_000_000, "{ours} vs {host}");
}

#[test]
fn a_file_sized_by_a_creator_that_died_before_the_header_is_initialised() {
    let t = TempRegion::new();
    let f = must(
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&t.0),
    );
    must(f.set_len(1 << 20));
    let r = must(SharedRegion::open(&t.0));
    assert_eq!(r.size(), 1 << 20);
    assert!(TokenBucket::in_region(tb_cfg(1, 1.0), &r, "a").is_ok());
}

#[test]
fn two_attachments_share_one_bulkhead_and_count_this_process() {
    use crate::bulkhead::{Bulkhead, BulkheadConfig};
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let cfg = BulkheadConfig {
        max_concurrent: 2,
        ..Default::default()
    };
    let a = must(Bulkhead::in_region(cfg, &r, "bh"));
    let b = must(Bulkhead::in_region(cfg, &r, "bh"));
    assert!(a.is_shared());
    let p1 = must(a.try_acquire());
    let p2 = must(b.try_acquire());
    assert!(a.try_acquire().is_err());
    assert!(b.try_acquire().is_err());
    assert_eq!(b.metrics().rejected, 2);
    // This process is alive: nothing to reclaim.
    assert_eq!(a.reclaim_dead(), 0);
    drop(p1);
    assert!(b.try_acquire().is_ok());
    drop(p2);
    assert_eq!(a.metrics().active, 0);
    let e = Bulkhead::in_region(
        BulkheadConfig {
            max_concurrent: 3,
            ..Default::default()
        },
        &r,
        "bh",
    )
    .err();
    assert_eq!(e.and_then(|e| e.field()), Some("max_concurrent"));
    let e = Bulkhead::in_region(
        BulkheadConfig {
            max_concurrent: 2,
            max_queue: 1,
            ..Default::default()
        },
        &r,
        "queued",
    )
    .err();
    assert_eq!(e.and_then(|e| e.field()), Some("max_queue"));
    // A name that holds a token bucket is not a bulkhead.
    let _tb = must(TokenBucket::in_region(tb_cfg(1, 1.0), &r, "tb"));
    let e = Bulkhead::in_region(cfg, &r, "tb").err();
    assert_eq!(e.and_then(|e| e.field()), Some("name"));
}

#[test]
fn a_sliding_window_and_a_retry_budget_are_shared_too() {
    use crate::retry_budget::{RetryBudget, RetryBudgetConfig};
    use crate::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let clock = ManualClock::new();
    let cfg = SlidingWindowConfig {
        limit: 3,
        window: std::time::Duration::from_secs(60),
        ..Default::default()
    };
    let a = must(SlidingWindowLimiter::in_region_with_clock(
        cfg.clone(),
        &clock,
        &r,
        "sw",
    ));
    let b = must(SlidingWindowLimiter::in_region_with_clock(
        cfg.clone(),
        &clock,
        &r,
        "sw",
    ));
    assert!(a.is_shared());
    assert!(must(a.try_acquire(2)).allowed);
    assert!(!must(b.try_acquire(2)).allowed);
    assert!(must(b.try_acquire(1)).allowed);
    let e = SlidingWindowLimiter::in_region_with_clock(
        SlidingWindowConfig { limit: 4, ..cfg },
        &clock,
        &r,
        "sw",
    )
    .err();
    assert_eq!(e.and_then(|e| e.field()), Some("limit"));

    let bc = RetryBudgetConfig {
        max_tokens: 4,
        token_ratio: 0.5,
    };
    let x = must(RetryBudget::in_region(bc, &r, "rb"));
    let y = must(RetryBudget::in_region(bc, &r, "rb"));
    assert!(x.is_shared());
    assert!(x.try_retry()); // 4 -> 3
    assert!(!y.try_retry()); // 3 -> 2: the other attachment spent it
    let e = RetryBudget::in_region(
        RetryBudgetConfig {
            token_ratio: 0.25,
            ..bc
        },
        &r,
        "rb",
    )
    .err();
    assert_eq!(e.and_then(|e| e.field()), Some("token_ratio"));
}

/// Slot creation locks a fresh open of the file: a lock held on the
/// region's own descriptor (as a forked parent shares it with its workers:
/// same open file description) still keeps a creator out until released.
#[test]
fn slot_creation_is_ordered_with_a_lock_on_the_shared_descriptor() {
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let held = must(FileLock::take(&r.inner.file, &r.inner.path));
    let (tx, rx) = std::sync::mpsc::channel();
    let r2 = r.clone();
    let creator = std::thread::spawn(move || {
        let made = TokenBucket::in_region(tb_cfg(1, 1.0), &r2, "after-the-lock").is_ok();
        let _ = tx.send(made);
    });
    // Not before the lock is let go (a lock on the shared descriptor
    // itself would not do: its holder's own lock does not exclude it).
    assert!(rx
        .recv_timeout(std::time::Duration::from_millis(200))
        .is_err());
    drop(held);
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(10)).ok(),
        Some(true)
    );
    assert!(creator.join().is_ok());
}

/// This process's summed count in a region bulkhead, and the lanes in use.
fn my_count(b: &crate::bulkhead::Bulkhead) -> (u64, usize) {
    let me = holder::current().word();
    let (t, lanes) = b.holder_counts();
    let mine = t.iter().filter(|(id, _)| *id == me).map(|(_, n)| *n).sum();
    (mine, lanes)
}

#[test]
fn permits_moved_between_threads_keep_the_process_count() {
    use crate::bulkhead::{Bulkhead, BulkheadConfig};
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let cfg = BulkheadConfig {
        max_concurrent: 10,
        ..Default::default()
    };
    let b = std::sync::Arc::new(must(Bulkhead::in_region(cfg, &r, "bh")));
    let b2 = std::sync::Arc::clone(&b);
    let held = must(
        std::thread::spawn(move || {
            (0..3)
                .map(|_| must(b2.try_acquire_owned()))
                .collect::<Vec<_>>()
        })
        .join()
        .map_err(|_| "taker panicked"),
    );
    // Counted on the taker's lane.
    assert_eq!(my_count(&b), (3, 1));
    must(
        std::thread::spawn(move || drop(held))
            .join()
            .map_err(|_| "releaser panicked"),
    );
    // The releaser's lane is at -3: the sum is 0.
    assert_eq!(my_count(&b), (0, 2));
    assert_eq!(b.metrics().active, 0);
}

#[test]
fn threads_beyond_the_lanes_count_on_the_process_entry() {
    use crate::bulkhead::{Bulkhead, BulkheadConfig};
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let n = holder::LANES + 5;
    let cfg = BulkheadConfig {
        max_concurrent: n as u64 + 10,
        ..Default::default()
    };
    let b = std::sync::Arc::new(must(Bulkhead::in_region(cfg, &r, "bh")));
    let all_hold = std::sync::Barrier::new(n + 1);
    let checked = std::sync::Barrier::new(n + 1);
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                let p = must(b.try_acquire());
                all_hold.wait();
                checked.wait();
                drop(p);
            });
        }
        all_hold.wait();
        assert_eq!(my_count(&b), (n as u64, holder::LANES));
        assert_eq!(b.metrics().active, n as u64);
        checked.wait();
    });
    assert_eq!(my_count(&b).0, 0);
    assert_eq!(b.metrics().active, 0);
}

#[test]
fn dropping_an_attachment_folds_its_lanes_into_the_process_entry() {
    use crate::bulkhead::{Bulkhead, BulkheadConfig};
    let t = TempRegion::new();
    let r = must(SharedRegion::open(&t.0));
    let cfg = BulkheadConfig {
        max_concurrent: 4,
        ..Default::default()
    };
    let keep = must(Bulkhead::in_region(cfg, &r, "bh"));
    let a = must(Bulkhead::in_region(cfg, &r, "bh"));
    // A permit leaked on the heap of this process: its slot stays taken.
    std::mem::forget(must(a.try_acquire()));
    assert_eq!(my_count(&keep), (1, 1));
    drop(a);
    // Still counted (on the entry now), and the lane is free again.
    assert_eq!(my_count(&keep), (1, 0));
    assert_eq!(keep.metrics().active, 1);
}
