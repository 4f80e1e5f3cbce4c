//! Accuracy across processes (`spec/redis.md`, "Accuracy bound"): 4
//! processes x 4 threads hammer one key of a Redis sliding window and of a
//! Redis token bucket; the grants never exceed the stated bound. As a
//! contrast, the same load through a naive read-modify-write limiter (GET,
//! then SET count+1: two round trips, the algorithm Redis limiters are
//! commonly written with) over-grants.
//!
//! The worker processes are this test binary run again with
//! `SEAWALL_ACCURACY_WORKER` set; they print `granted=N`.
//! `SEAWALL_ACCURACY_SECS` sets the run length (default 3 s).

// Real time on purpose: the run length is wall time across processes.
#![allow(clippy::disallowed_methods)]

use seawall::redis::{FailureMode, RedisBackend, RedisConfig, RedisLimiter};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use seawall_tests::redis_server::RedisServer;
use std::process::Command;
use std::time::{Duration, Instant};

const PROCS: usize = 4;
const THREADS: usize = 4;
const WINDOW_LIMIT: u64 = 100;
const WINDOW: Duration = Duration::from_millis(500);
const BURST: u64 = 50;
const RATE: f64 = 200.0;
const NAIVE_LIMIT: u64 = 100;

fn secs() -> f64 {
    std::env::var("SEAWALL_ACCURACY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0)
}

/// One worker process: THREADS threads deciding on one key until the end
/// time; prints the grants.
#[test]
fn accuracy_worker() {
    let Ok(kind) = std::env::var("SEAWALL_ACCURACY_WORKER") else {
        return; // only a worker when run by `across_processes_*`
    };
    let url = std::env::var("SEAWALL_ACCURACY_URL").unwrap_or_default();
    let run = Duration::from_secs_f64(secs());
    let granted: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..THREADS)
            .map(|_| {
                let (kind, url) = (kind.clone(), url.clone());
                s.spawn(move || worker_thread(&kind, &url, run))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    println!("granted={granted}");
}

fn worker_thread(kind: &str, url: &str, run: Duration) -> u64 {
    let t0 = Instant::now();
    let mut granted = 0;
    if kind == "naive" {
        let mut con = redis::Client::open(url)
            .and_then(|c| c.get_connection())
            .expect("connection");
        while t0.elapsed() < run {
            // The naive limiter: read the count of this window, then write
            // count + 1 if below the limit. Two round trips, no atomicity.
            let n: Option<u64> = redis::cmd("GET").arg("naive").query(&mut con).expect("GET");
            if n.unwrap_or(0) < NAIVE_LIMIT {
                let _: () = redis::cmd("SET")
                    .arg("naive")
                    .arg(n.unwrap_or(0) + 1)
                    .query(&mut con)
                    .expect("SET");
                granted += 1;
            }
        }
        return granted;
    }
    let mut cfg = RedisConfig::new(url);
    cfg.on_failure = FailureMode::Closed; // a fallback could only deny
    cfg.deadline = Duration::from_secs(2);
    let be = RedisBackend::new(cfg).expect("backend");
    let l = if kind == "window" {
        RedisLimiter::sliding_window(
            &be,
            "acc",
            SlidingWindowConfig {
                limit: WINDOW_LIMIT,
                window: WINDOW,
                buckets: 10,
            },
        )
    } else {
        RedisLimiter::token_bucket(
            &be,
            "acc",
            TokenBucketConfig {
                burst: BURST,
                rate_per_sec: RATE,
                initial_tokens: None,
            },
        )
    }
    .expect("limiter");
    while t0.elapsed() < run {
        if l.try_acquire(b"one-key", 1).expect("valid").allowed {
            granted += 1;
        }
    }
    granted
}

/// Runs PROCS worker processes of `kind`; the total grants and the wall
/// time from before the first start to after the last exit.
fn run_workers(kind: &str, url: &str) -> (u64, Duration) {
    let exe = std::env::current_exe().expect("test binary");
    let t0 = Instant::now();
    let children: Vec<_> = (0..PROCS)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "accuracy_worker",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env("SEAWALL_ACCURACY_WORKER", kind)
                .env("SEAWALL_ACCURACY_URL", url)
                .output_spawn()
        })
        .collect();
    let mut total = 0;
    for c in children {
        let out = c.wait_with_output().expect("worker");
        assert!(
            out.status.success(),
            "worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let n: u64 = text
            .split_once("granted=")
            .and_then(|(_, v)| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no granted= line in {text}"));
        total += n;
    }
    (total, t0.elapsed())
}

trait SpawnPiped {
    fn output_spawn(&mut self) -> std::process::Child;
}

impl SpawnPiped for Command {
    fn output_spawn(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn worker")
    }
}

#[test]
fn across_processes_the_redis_limiters_admit_at_most_the_bound_and_naive_over_grants() {
    if std::env::var("SEAWALL_ACCURACY_WORKER").is_ok() {
        return;
    }
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();

    // Sliding window: no interval of length `window` holds more than
    // `limit` grants, so a run of wall time D grants at most
    // limit * ceil(D / window).
    let (got, wall) = run_workers("window", &url);
    let windows = (wall.as_secs_f64() / WINDOW.as_secs_f64()).ceil() as u64;
    let bound = WINDOW_LIMIT * windows;
    eprintln!(
        "sliding window: {got} granted in {wall:?}, bound {bound} ({PROCS}x{THREADS} threads)"
    );
    assert!(got <= bound, "sliding window over-granted: {got} > {bound}");
    // And it is a limiter, not a wall: a saturated key gets most of it.
    let full = WINDOW_LIMIT * (secs() / WINDOW.as_secs_f64()).floor() as u64;
    assert!(
        got >= full / 2,
        "sliding window granted only {got} of ~{full}"
    );

    // GCRA: at most burst + D / T in any span D.
    let (got, wall) = run_workers("bucket", &url);
    // The scripts read Redis TIME in whole microseconds: one more of span.
    let bound = BURST + ((wall.as_secs_f64() + 1e-6) * RATE).floor() as u64;
    eprintln!("token bucket: {got} granted in {wall:?}, bound {bound}");
    assert!(got <= bound, "token bucket over-granted: {got} > {bound}");
    assert!(
        got as f64 >= (BURST as f64 + secs() * RATE) / 2.0,
        "token bucket granted only {got}"
    );

    // The contrast: a naive GET-then-SET counter with limit NAIVE_LIMIT
    // (a fixed window that never resets: the bound is exactly
    // NAIVE_LIMIT) admits far more under the same load.
    let (got, _) = run_workers("naive", &url);
    eprintln!("naive read-modify-write: {got} granted, bound {NAIVE_LIMIT}");
    assert!(
        got > NAIVE_LIMIT,
        "the naive limiter did not over-grant this time: {got}"
    );
}
