//! The C ABI next to the core it wraps, in one run: the per-call overhead
//! of the boundary (panic guard, pointer checks, last-error bookkeeping,
//! struct conversion). Loads `target/release/libseawall.so` (build it with
//! `make lib-c`; `make bench-rust` does) and calls it through function
//! pointers, as any C caller goes through the PLT.
#![allow(clippy::disallowed_methods, missing_docs, non_camel_case_types)]

use criterion::{criterion_group, criterion_main, Criterion};
use libloading::{Library, Symbol};
use std::ffi::c_void;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

type Status = i32;

/// A config filled by the library's `_init` for this struct's size.
unsafe fn config_init<T: Default>(init: unsafe extern "C" fn(*mut T, usize) -> Status) -> T {
    let mut c = T::default();
    assert_eq!(
        init(&mut c, std::mem::size_of::<T>()),
        0,
        "config init failed"
    );
    c
}

#[repr(C)]
#[derive(Default)]
struct TokenBucketConfig {
    struct_size: u32,
    burst: u64,
    rate_per_sec: f64,
    has_initial_tokens: u8,
    initial_tokens: u64,
}

#[repr(C)]
#[derive(Default)]
struct DecisionC {
    allowed: bool,
    remaining: u64,
    retry_after_ns: u64,
    reset_after_ns: u64,
}

#[repr(C)]
#[derive(Default)]
struct BreakerConfig {
    struct_size: u32,
    has_failure_rate_threshold: u8,
    failure_rate_threshold: f64,
    has_slow_call_rate_threshold: u8,
    slow_call_rate_threshold: f64,
    slow_call_duration_threshold_ns: u64,
    window_kind: u32,
    window_size: u64,
    minimum_number_of_calls: u64,
    has_failure_count_threshold: u8,
    failure_count_threshold: u64,
    has_failure_count_period: u8,
    failure_count_period_ns: u64,
    open_duration_ns: u64,
    open_duration_multiplier: f64,
    has_max_open_duration: u8,
    max_open_duration_ns: u64,
    half_open_max_calls: u64,
    success_threshold: u64,
}

#[repr(C)]
#[derive(Default)]
struct BulkheadConfig {
    struct_size: u32,
    max_concurrent: u64,
    max_queue: u64,
    max_wait_ns: u64,
}

#[repr(C)]
#[derive(Default)]
struct BackoffConfig {
    struct_size: u32,
    kind: u32,
    base_ns: u64,
    factor: f64,
    max_delay_ns: u64,
    jitter: u32,
    max_attempts: u32,
    has_max_elapsed: u8,
    max_elapsed_ns: u64,
    has_seed: u8,
    seed: u64,
}

#[repr(C)]
#[derive(Default)]
struct ScheduleState {
    start_ns: u64,
    prev_ns: u64,
    rng: u64,
    retries: u32,
    done: u8,
}

/// `seawall_policy_guard`: caller-owned storage.
#[repr(C)]
struct PolicyGuard {
    _opaque: [u64; 12],
}

#[repr(C)]
#[derive(Default)]
struct BackoffDelay {
    give_up: bool,
    delay_ns: u64,
    retries: u32,
}

fn lib() -> Library {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/libseawall.so");
    // SAFETY: loading our own library, built from this workspace.
    unsafe { Library::new(&path) }
        .unwrap_or_else(|e| panic!("{}: {e} (run `make lib-c` first)", path.display()))
}

macro_rules! sym {
    ($lib:expr, $name:literal, $ty:ty) => {{
        // SAFETY: the signature matches include/seawall.h.
        let s: Symbol<$ty> = unsafe { $lib.get($name) }.unwrap_or_else(|e| panic!("{e}"));
        *s
    }};
}

fn c_abi(c: &mut Criterion) {
    let lib = lib();
    let ok = |s: Status| assert_eq!(s, 0, "C call failed");

    // ---- the floor: a call that does nothing but cross (and its boundary) ----
    let version = sym!(lib, b"seawall_version", unsafe extern "C" fn() -> *const u8);
    let clock_now = sym!(
        lib,
        b"seawall_manual_clock_now",
        unsafe extern "C" fn(*const c_void, *mut u64) -> Status
    );
    let mut g = c.benchmark_group("c_abi_floor");
    g.bench_function("seawall_version", |b| {
        b.iter(|| black_box(unsafe { version() }))
    });
    g.finish();

    // ---- token bucket, denied on a frozen manual clock (no clock cost) ----
    let clock_new = sym!(
        lib,
        b"seawall_manual_clock_new",
        unsafe extern "C" fn(u64, *mut *mut c_void) -> Status
    );
    let tb_config_default = sym!(
        lib,
        b"seawall_token_bucket_config_init",
        unsafe extern "C" fn(*mut TokenBucketConfig, usize) -> Status
    );
    let tb_new = sym!(
        lib,
        b"seawall_token_bucket_new_with_clock",
        unsafe extern "C" fn(*const TokenBucketConfig, *const c_void, *mut *mut c_void) -> Status
    );
    let tb_try = sym!(
        lib,
        b"seawall_token_bucket_try_acquire",
        unsafe extern "C" fn(*const c_void, u64, *mut DecisionC) -> Status
    );
    let mut clk = std::ptr::null_mut();
    let mut tb = std::ptr::null_mut();
    unsafe {
        ok(clock_new(0, &mut clk));
        let mut cfg = config_init(tb_config_default);
        cfg.burst = 1;
        cfg.rate_per_sec = 1.0;
        cfg.has_initial_tokens = 1;
        cfg.initial_tokens = 0;
        ok(tb_new(&cfg, clk, &mut tb));
    }
    let mclock = seawall::ManualClock::new();
    let core_tb = seawall::token_bucket::TokenBucket::with_clock(
        seawall::token_bucket::TokenBucketConfig {
            burst: 1,
            rate_per_sec: 1.0,
            initial_tokens: Some(0),
        },
        &mclock,
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let mut g = c.benchmark_group("c_abi_floor");
    g.bench_function("seawall_manual_clock_now", |b| {
        b.iter(|| {
            let mut t = 0u64;
            unsafe { clock_now(clk, &mut t) };
            black_box(t)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("c_abi_token_bucket_denied");
    g.bench_function("core", |b| {
        b.iter(|| black_box(core_tb.try_acquire(1).map(|d| d.allowed).unwrap_or(true)))
    });
    g.bench_function("c_abi", |b| {
        b.iter(|| {
            let mut d = DecisionC::default();
            unsafe { tb_try(tb, 1, &mut d) };
            black_box((d.allowed, d.remaining, d.retry_after_ns, d.reset_after_ns))
        })
    });
    // The same call, the four fields read one by one. Above, LLVM copies
    // `(remaining, retry_after_ns)` into the tuple with one 16-byte load
    // spanning two 8-byte stores of the callee, which the CPU cannot
    // forward from the store buffer (BENCHMARKS.md, "C ABI overhead").
    g.bench_function("c_abi_field_reads", |b| {
        b.iter(|| {
            let mut d = DecisionC::default();
            unsafe { tb_try(tb, 1, &mut d) };
            black_box(d.allowed);
            black_box(d.remaining);
            black_box(d.retry_after_ns);
            black_box(d.reset_after_ns);
        })
    });
    g.finish();

    // ---- breaker acquire + record success ----
    let cb_default = sym!(
        lib,
        b"seawall_circuit_breaker_config_init",
        unsafe extern "C" fn(*mut BreakerConfig, usize) -> Status
    );
    let cb_new = sym!(
        lib,
        b"seawall_circuit_breaker_new",
        unsafe extern "C" fn(*const BreakerConfig, *mut *mut c_void) -> Status
    );
    let cb_try = sym!(
        lib,
        b"seawall_circuit_breaker_try_acquire",
        unsafe extern "C" fn(*const c_void, *mut u64) -> Status
    );
    let cb_record = sym!(
        lib,
        b"seawall_circuit_breaker_record",
        unsafe extern "C" fn(*const c_void, *mut u64, u32, u64) -> Status
    );
    let mut cb = std::ptr::null_mut();
    unsafe {
        let cfg = config_init(cb_default);
        ok(cb_new(&cfg, &mut cb));
    }
    let core_cb = seawall::circuit_breaker::CircuitBreaker::new(Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("c_abi_breaker_acquire_record");
    g.bench_function("core", |b| {
        b.iter(|| {
            if let Ok(p) = core_cb.try_acquire() {
                core_cb.record(
                    p,
                    seawall::circuit_breaker::Outcome::Success,
                    Duration::from_micros(5),
                );
            }
        })
    });
    g.bench_function("c_abi", |b| {
        b.iter(|| unsafe {
            let mut p = 0u64;
            if cb_try(cb, &mut p) == 0 {
                cb_record(cb, &mut p, 0, 5_000);
            }
        })
    });
    g.finish();

    // ---- bulkhead acquire + release ----
    let bh_default = sym!(
        lib,
        b"seawall_bulkhead_config_init",
        unsafe extern "C" fn(*mut BulkheadConfig, usize) -> Status
    );
    let bh_new = sym!(
        lib,
        b"seawall_bulkhead_new",
        unsafe extern "C" fn(*const BulkheadConfig, *mut *mut c_void) -> Status
    );
    let bh_try = sym!(
        lib,
        b"seawall_bulkhead_try_acquire",
        unsafe extern "C" fn(*const c_void, *mut *mut c_void) -> Status
    );
    let bh_release = sym!(
        lib,
        b"seawall_bulkhead_release",
        unsafe extern "C" fn(*mut *mut c_void) -> Status
    );
    let mut bh = std::ptr::null_mut();
    unsafe {
        let mut cfg = config_init(bh_default);
        cfg.max_concurrent = 64;
        ok(bh_new(&cfg, &mut bh));
    }
    let core_bh = seawall::bulkhead::Bulkhead::new(seawall::bulkhead::BulkheadConfig {
        max_concurrent: 64,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("c_abi_bulkhead_acquire_release");
    g.bench_function("core", |b| {
        b.iter(|| black_box(core_bh.try_acquire().is_ok()))
    });
    g.bench_function("c_abi", |b| {
        b.iter(|| unsafe {
            let mut p = std::ptr::null_mut();
            if bh_try(bh, &mut p) == 0 {
                bh_release(&mut p);
            }
        })
    });
    g.finish();

    // ---- policy guard (breaker + bulkhead) acquire + complete success ----
    #[repr(C)]
    struct PolicyConfig {
        struct_size: u32,
        token_bucket: *const c_void,
        sliding_window: *const c_void,
        circuit_breaker: *const c_void,
        bulkhead: *const c_void,
    }
    let pol_new = sym!(
        lib,
        b"seawall_policy_new_with_clock",
        unsafe extern "C" fn(*const PolicyConfig, *const c_void, *mut *mut c_void) -> Status
    );
    let pol_try = sym!(
        lib,
        b"seawall_policy_try_acquire",
        unsafe extern "C" fn(*const c_void, *mut PolicyGuard) -> Status
    );
    let guard_complete = sym!(
        lib,
        b"seawall_policy_guard_complete",
        unsafe extern "C" fn(*mut PolicyGuard, u32) -> Status
    );
    let mut pol = std::ptr::null_mut();
    unsafe {
        let pc = PolicyConfig {
            struct_size: std::mem::size_of::<PolicyConfig>() as u32,
            token_bucket: std::ptr::null(),
            sliding_window: std::ptr::null(),
            circuit_breaker: cb,
            bulkhead: bh,
        };
        ok(pol_new(&pc, clk, &mut pol));
    }
    let core_pol = std::sync::Arc::new(
        seawall::policy::Policy::with_clock(&mclock)
            .circuit_breaker(std::sync::Arc::new(
                seawall::circuit_breaker::CircuitBreaker::new(Default::default())
                    .unwrap_or_else(|e| panic!("{e}")),
            ))
            .bulkhead(std::sync::Arc::new(
                seawall::bulkhead::Bulkhead::new(seawall::bulkhead::BulkheadConfig {
                    max_concurrent: 64,
                    ..Default::default()
                })
                .unwrap_or_else(|e| panic!("{e}")),
            )),
    );
    let mut g = c.benchmark_group("c_abi_policy_guard");
    g.bench_function("core", |b| {
        b.iter(|| {
            if let Ok(guard) = black_box(&core_pol).try_acquire() {
                guard.complete(seawall::circuit_breaker::Outcome::Success);
            }
        })
    });
    g.bench_function("c_abi", |b| {
        b.iter(|| unsafe {
            let mut guard = std::mem::MaybeUninit::<PolicyGuard>::uninit();
            if pol_try(pol, guard.as_mut_ptr()) == 0 {
                guard_complete(guard.as_mut_ptr(), 0);
            }
        })
    });
    g.finish();

    // ---- backoff: a 10-step full-jitter exponential schedule ----
    let bo_default = sym!(
        lib,
        b"seawall_backoff_config_init",
        unsafe extern "C" fn(*mut BackoffConfig, usize) -> Status
    );
    let bo_new = sym!(
        lib,
        b"seawall_backoff_new",
        unsafe extern "C" fn(*const BackoffConfig, *mut *mut c_void) -> Status
    );
    let bo_start = sym!(
        lib,
        b"seawall_backoff_start",
        unsafe extern "C" fn(*const c_void, *mut ScheduleState) -> Status
    );
    let bo_next = sym!(
        lib,
        b"seawall_backoff_next_delay_elapsed",
        unsafe extern "C" fn(
            *const c_void,
            *mut ScheduleState,
            u64,
            u8,
            u64,
            *mut BackoffDelay,
        ) -> Status
    );
    let bo_finish = sym!(
        lib,
        b"seawall_backoff_finish",
        unsafe extern "C" fn(*const c_void, *mut ScheduleState) -> Status
    );
    let mut bo = std::ptr::null_mut();
    unsafe {
        let mut cfg = config_init(bo_default);
        cfg.max_attempts = 11;
        cfg.has_seed = 1;
        cfg.seed = 1;
        ok(bo_new(&cfg, &mut bo));
    }
    let core_bo = seawall::backoff::Backoff::new(seawall::backoff::BackoffConfig {
        max_attempts: 11,
        seed: Some(1),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("c_abi_backoff_10_steps");
    g.bench_function("core", |b| {
        b.iter(|| {
            let mut s = black_box(&core_bo).schedule();
            let mut total = Duration::ZERO;
            while let Some(d) = s.next_delay_elapsed(Duration::ZERO, None) {
                total += d;
            }
            black_box(total)
        })
    });
    g.bench_function("c_abi", |b| {
        b.iter(|| unsafe {
            let mut s = ScheduleState::default();
            let mut total = 0u64;
            if bo_start(bo, &mut s) == 0 {
                let mut d = BackoffDelay::default();
                while bo_next(bo, &mut s, 0, 0, 0, &mut d) == 0 && !d.give_up {
                    total += d.delay_ns;
                }
                bo_finish(bo, &mut s);
            }
            black_box(total)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = c_abi
}
criterion_main!(benches);
