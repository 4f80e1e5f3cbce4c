//! Shared regions across real processes (`spec/shared_memory.md`): this
//! test binary re-runs itself as child processes (`SEAWALL_SHM_ROLE`),
//! which open the same region file and work on the same primitives.

#![cfg(unix)]

use seawall::bulkhead::{Bulkhead, BulkheadConfig};
use seawall::circuit_breaker::{CircuitBreaker, Config as BreakerConfig, State};
use seawall::keyed::{KeyTableConfig, KeyedTokenBucket, KeyedTokenBucketConfig};
use seawall::shm::{RegionOptions, SharedRegion};
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn must<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => unreachable!("{e}"),
    }
}

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_default()
}

fn env_u64(k: &str) -> u64 {
    env(k).parse().unwrap_or(0)
}

fn now_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (t.tv_sec as u64) * 1_000_000_000 + t.tv_nsec as u64
}

/// A fresh region path, removed on drop.
struct Region(String);

impl Region {
    fn new(tag: &str) -> Region {
        let p = format!("/dev/shm/seawall-mp-{tag}-{}", std::process::id());
        must(SharedRegion::remove(&p));
        Region(p)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        let _ = SharedRegion::remove(&self.0);
    }
}

/// Starts `n` children running `role` with `vars`.
fn spawn(n: usize, role: &str, vars: &[(&str, String)]) -> Vec<Child> {
    let exe = must(std::env::current_exe());
    (0..n)
        .map(|i| {
            let mut c = Command::new(&exe);
            c.args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
                .env("SEAWALL_SHM_ROLE", role)
                .env("SEAWALL_SHM_INDEX", i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            for (k, v) in vars {
                c.env(k, v);
            }
            must(c.spawn())
        })
        .collect()
}

/// Waits for every child; the `result=N` line each printed.
fn results(children: Vec<Child>) -> Vec<u64> {
    children
        .into_iter()
        .map(|c| {
            let out = must(c.wait_with_output());
            assert!(out.status.success(), "child failed: {out:?}");
            let text = String::from_utf8_lossy(&out.stdout);
            let Some(v) = text
                .lines()
                .find_map(|l| l.split_once("result=").map(|(_, v)| v))
                .and_then(|v| v.trim().parse().ok())
            else {
                unreachable!("no result line in {text:?}")
            };
            v
        })
        .collect()
}

fn bucket_cfg() -> TokenBucketConfig {
    TokenBucketConfig {
        burst: env_u64("TB_BURST"),
        rate_per_sec: env_u64("TB_RATE") as f64,
        initial_tokens: None,
    }
}

fn keyed_cfg() -> KeyedTokenBucketConfig {
    KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 3,
            rate_per_sec: 0.001,
            initial_tokens: None,
        },
        table: KeyTableConfig {
            max_keys: 100_000,
            ..Default::default()
        },
    }
}

/// Opens on one failure, half-open after 10 ms with 4 probe slots.
/// The breaker of the "opened by one process" test: open long enough that
/// no child can see it half-open, however loaded the machine.
fn long_open_cfg() -> BreakerConfig {
    BreakerConfig {
        open_duration: Duration::from_secs(600),
        ..breaker_cfg()
    }
}

fn breaker_cfg() -> BreakerConfig {
    BreakerConfig {
        failure_rate_threshold: Some(0.5),
        minimum_number_of_calls: 1,
        window_size: 1,
        open_duration: Duration::from_millis(10),
        half_open_max_calls: 4,
        success_threshold: 4,
        ..Default::default()
    }
}

fn bh_cfg(max: u64) -> BulkheadConfig {
    BulkheadConfig {
        max_concurrent: max,
        ..Default::default()
    }
}

/// The child side: does nothing unless started by a test below.
#[test]
fn child_entry() {
    let role = env("SEAWALL_SHM_ROLE");
    if role.is_empty() {
        return;
    }
    let region = must(SharedRegion::open(&env("SEAWALL_SHM_PATH")));
    let result = match role.as_str() {
        // Race to create the bucket, then take `TAKE` tokens one by one.
        "create_and_take" => {
            let tb = must(TokenBucket::in_region(bucket_cfg(), &region, "raced"));
            (0..env_u64("TAKE"))
                .filter(|_| must(tb.try_acquire(1)).allowed)
                .count() as u64
        }
        // Hammer one bucket from `THREADS` threads until `UNTIL_NS`.
        "hammer" => {
            let tb = must(TokenBucket::in_region(bucket_cfg(), &region, "hammered"));
            let until = env_u64("UNTIL_NS");
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..env_u64("THREADS"))
                    .map(|_| {
                        s.spawn(|| {
                            let mut granted = 0u64;
                            while now_ns() < until {
                                if must(tb.try_acquire(1)).allowed {
                                    granted += 1;
                                }
                            }
                            granted
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap_or(0)).sum()
            })
        }
        // Take and give back bulkhead permits until `UNTIL_NS`; a gauge
        // bulkhead (room for everyone) counts the callers inside: the
        // largest count seen.
        "in_flight" => {
            let bh = must(Bulkhead::in_region(
                bh_cfg(env_u64("BH_MAX")),
                &region,
                "ten",
            ));
            let gauge = must(Bulkhead::in_region(bh_cfg(1000), &region, "gauge"));
            let until = env_u64("UNTIL_NS");
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..2)
                    .map(|_| {
                        s.spawn(|| {
                            let mut most = 0u64;
                            while now_ns() < until {
                                if let Ok(p) = bh.try_acquire() {
                                    let g = gauge.try_acquire();
                                    most = most.max(gauge.metrics().active);
                                    std::thread::yield_now();
                                    drop(g);
                                    drop(p);
                                }
                            }
                            most
                        })
                    })
                    .collect();
                hs.into_iter()
                    .map(|h| h.join().unwrap_or(0))
                    .max()
                    .unwrap_or(0)
            })
        }
        // Take `TAKE` permits and a half-open probe, say so, and wait to
        // be killed.
        "hold" => {
            let bh = must(Bulkhead::in_region(
                bh_cfg(env_u64("BH_MAX")),
                &region,
                "held",
            ));
            let bh = std::sync::Arc::new(bh);
            let cb = must(CircuitBreaker::in_region(breaker_cfg(), &region, "probed"));
            // Spread the counts over threads, some below zero: one thread
            // takes them all, this one releases two of them, a third takes
            // two again (counts: +TAKE, -2, +2).
            let take = |n: u64| {
                let bh = std::sync::Arc::clone(&bh);
                must(
                    std::thread::spawn(move || {
                        (0..n)
                            .map(|_| must(bh.try_acquire_owned()))
                            .collect::<Vec<_>>()
                    })
                    .join()
                    .map_err(|_| "taker panicked"),
                )
            };
            let mut permits = take(env_u64("TAKE"));
            let n = permits.len().saturating_sub(2);
            permits.truncate(n);
            permits.extend(take(2));
            let probe = loop {
                match cb.try_acquire() {
                    Ok(p) => break p,
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            };
            assert!(probe.is_probe());
            println!("\nheld={}", permits.len());
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        // Attach to the breaker, listen, say so, wait for a line on stdin,
        // then make one call: 1 = rejected and heard "closed -> open" once.
        "one_call" => {
            let cb = must(CircuitBreaker::in_region(
                long_open_cfg(),
                &region,
                "tripped",
            ));
            let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let h = std::sync::Arc::clone(&heard);
            cb.on_transition(Box::new(move |t| {
                if let Ok(mut v) = h.lock() {
                    v.push(format!("{}->{}", t.from.as_str(), t.to.as_str()));
                }
            }));
            println!("\nready");
            let mut line = String::new();
            must(std::io::stdin().read_line(&mut line));
            let rejected = cb.try_acquire().is_err();
            let heard = heard.lock().map(|v| v.clone()).unwrap_or_default();
            eprintln!("child heard {heard:?}");
            u64::from(rejected && heard == ["closed->open"])
        }
        // One token per key for each of 100k keys (burst 3 per key).
        "keys" => {
            let k = must(KeyedTokenBucket::in_region(
                keyed_cfg(),
                &region,
                "per-user",
            ));
            (0..100_000u32)
                .filter(|i| must(k.try_acquire(format!("user-{i}").as_bytes(), 1)).allowed)
                .count() as u64
        }
        // Listen with a watcher, say so, and make no call: 1 when the
        // listener hears "closed -> open" within 5 s anyway.
        "idle_listener" => {
            let cb = std::sync::Arc::new(must(CircuitBreaker::in_region(
                breaker_cfg(),
                &region,
                "watched",
            )));
            let (tx, rx) = std::sync::mpsc::channel();
            let tx = std::sync::Mutex::new(tx);
            cb.on_transition(Box::new(move |t| {
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(format!("{}->{}", t.from.as_str(), t.to.as_str()));
                }
            }));
            let _w = must(cb.watch_transitions(Duration::from_millis(10)));
            println!("\nready");
            let heard = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
            eprintln!("idle child heard {heard:?}");
            u64::from(heard == "closed->open")
        }
        other => unreachable!("unknown role {other}"),
    };
    println!("result={result}");
}

#[test]
fn processes_racing_to_create_one_bucket_share_it() {
    let r = Region::new("race");
    let vars = [
        ("SEAWALL_SHM_PATH", r.0.clone()),
        ("TB_BURST", "1000".into()),
        ("TB_RATE", "1".into()),
        ("TAKE", "10".into()),
    ];
    let took: u64 = results(spawn(8, "create_and_take", &vars)).iter().sum();
    assert_eq!(took, 80);
    let region = must(SharedRegion::open(&r.0));
    assert_eq!(region.slots_used().0, 1, "one slot, not one per process");
    let cfg = TokenBucketConfig {
        burst: 1000,
        rate_per_sec: 1.0,
        initial_tokens: None,
    };
    let tb = must(TokenBucket::in_region(cfg, &region, "raced"));
    let m = tb.metrics();
    assert_eq!(m.allowed, 80);
    assert!(m.available <= 920 + 2, "{m:?}");
}

/// 8 processes x 2 threads on one bucket: the grants never exceed
/// burst + rate x elapsed (GCRA is exact; the bound has no slack term).
/// `SEAWALL_SHM_SECS` sets the run time (default 2 s; the 10 s
/// with `SEAWALL_SHM_SECS=10`).
#[test]
fn eight_processes_never_exceed_burst_plus_rate_times_elapsed() {
    let secs: u64 = std::env::var("SEAWALL_SHM_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let r = Region::new("hammer");
    let (burst, rate) = (50u64, 2000u64);
    let start = now_ns();
    let until = start + secs * 1_000_000_000;
    let vars = [
        ("SEAWALL_SHM_PATH", r.0.clone()),
        ("TB_BURST", burst.to_string()),
        ("TB_RATE", rate.to_string()),
        ("THREADS", "2".into()),
        ("UNTIL_NS", until.to_string()),
    ];
    let per_child = results(spawn(8, "hammer", &vars));
    let elapsed = now_ns() - start;
    let granted: u64 = per_child.iter().sum();
    let bound = burst + rate * elapsed / 1_000_000_000;
    eprintln!("granted {granted} in {elapsed} ns; bound {bound}; per process {per_child:?}");
    assert!(granted <= bound, "granted {granted} > bound {bound}");
    // Each process alone could have granted about the bound: they shared.
    assert!(granted >= burst, "granted {granted}");
    let region = must(SharedRegion::open(&r.0));
    let cfg = TokenBucketConfig {
        burst,
        rate_per_sec: rate as f64,
        initial_tokens: None,
    };
    let tb = must(TokenBucket::in_region(cfg, &region, "hammered"));
    assert_eq!(tb.metrics().allowed, granted, "the counters are shared too");
}

/// A bulkhead of 10 shared by 8 processes x 2 threads: never more than 10
/// callers inside at once (per-process bulkheads would let 16 in).
#[test]
fn a_bulkhead_of_ten_across_eight_processes_never_admits_eleven() {
    let r = Region::new("bh");
    let vars = [
        ("SEAWALL_SHM_PATH", r.0.clone()),
        ("BH_MAX", "10".into()),
        ("UNTIL_NS", (now_ns() + 1_000_000_000).to_string()),
    ];
    let most = results(spawn(8, "in_flight", &vars));
    eprintln!("most in flight seen per process: {most:?}");
    assert!(most.iter().all(|&m| m <= 10), "{most:?}");
    let region = must(SharedRegion::open(&r.0));
    let bh = must(Bulkhead::in_region(bh_cfg(10), &region, "ten"));
    assert_eq!(bh.metrics().active, 0, "every permit came back");
    assert!(bh.metrics().total > 0);
}

/// Starts a child holding `take` permits of the bulkhead "held"; returns
/// once it holds them.
fn holder(path: &str, max: u64, take: u64) -> Child {
    let mut c = spawn(
        1,
        "hold",
        &[
            ("SEAWALL_SHM_PATH", path.to_owned()),
            ("BH_MAX", max.to_string()),
            ("TAKE", take.to_string()),
        ],
    )
    .remove(0);
    let Some(out) = c.stdout.take() else {
        unreachable!("no stdout")
    };
    let mut lines = BufReader::new(out).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("held=") => break,
            Some(Ok(_)) => {}
            other => unreachable!("holder ended early: {other:?}"),
        }
    }
    c
}

/// kill -9 of processes holding 5 permits and a half-open probe slot
/// each, 100 times: every permit and every probe slot comes back, through
/// refused acquires alone, within the stated bound (a refused acquire
/// scans for dead holders at most every 100 ms).
#[test]
fn permits_and_probes_of_killed_holders_come_back() {
    let r = Region::new("kill");
    let region = must(SharedRegion::open(&r.0));
    let (max, per, procs, rounds) = (20u64, 5u64, 4usize, 25usize);
    let bh = must(Bulkhead::in_region(bh_cfg(max), &region, "held"));
    let cb = must(CircuitBreaker::in_region(breaker_cfg(), &region, "probed"));
    let mut slowest = 0u64;
    for _ in 0..rounds {
        // Open the breaker: the children's calls make it half-open and
        // take its 4 probe slots.
        if cb.state() == State::Closed {
            if let Ok(p) = cb.try_acquire() {
                cb.record_failure(p, Duration::ZERO);
            }
        }
        assert_eq!(cb.state(), State::Open);
        let mut kids: Vec<Child> = (0..procs).map(|_| holder(&r.0, max, per)).collect();
        assert_eq!(bh.metrics().active, max);
        assert!(bh.try_acquire().is_err() || bh.metrics().active <= max);
        for k in &mut kids {
            must(k.kill()); // SIGKILL
            must(k.wait());
        }
        let dead_at = now_ns();
        // Take every permit back through refused acquires only.
        let mut mine = Vec::new();
        while (mine.len() as u64) < max {
            match bh.try_acquire() {
                Ok(p) => mine.push(p),
                Err(_) => {
                    assert!(
                        now_ns() - dead_at < 2_000_000_000,
                        "permits still missing after 2 s: {}",
                        mine.len()
                    );
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        // And every probe slot, through refused calls only.
        let mut probes = Vec::new();
        while probes.len() < 4 {
            match cb.try_acquire() {
                Ok(p) => {
                    assert!(p.is_probe());
                    probes.push(p);
                }
                Err(_) => {
                    assert!(
                        now_ns() - dead_at < 2_000_000_000,
                        "probe slots still missing after 2 s: {}",
                        probes.len()
                    );
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        slowest = slowest.max(now_ns() - dead_at);
        assert!(bh.try_acquire().is_err(), "more than max after reclaim");
        assert!(cb.try_acquire().is_err(), "a fifth probe");
        drop(mine);
        assert_eq!(bh.metrics().active, 0);
        // A failed probe re-opens the breaker for the next round.
        let mut it = probes.into_iter();
        if let Some(p) = it.next() {
            cb.record_failure(p, Duration::ZERO);
        }
        for p in it {
            cb.release(p);
        }
    }
    eprintln!(
        "{} kills, 0 permits or probe slots lost; slowest recovery {} ms",
        rounds * procs,
        slowest / 1_000_000
    );
}

/// A breaker opened by one process rejects in the 7 others at their very
/// next call, and each of them hears the transition once.
#[test]
fn a_breaker_opened_by_one_process_rejects_in_all_others_at_once() {
    use std::io::Write;
    let r = Region::new("trip");
    let region = must(SharedRegion::open(&r.0));
    let cb = must(CircuitBreaker::in_region(
        long_open_cfg(),
        &region,
        "tripped",
    ));
    let exe = must(std::env::current_exe());
    let mut kids: Vec<Child> = (0..7)
        .map(|_| {
            must(
                Command::new(&exe)
                    .args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
                    .env("SEAWALL_SHM_ROLE", "one_call")
                    .env("SEAWALL_SHM_PATH", &r.0)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn(),
            )
        })
        .collect();
    let mut outs = Vec::new();
    for k in &mut kids {
        let Some(out) = k.stdout.take() else {
            unreachable!("no stdout")
        };
        let mut lines = BufReader::new(out).lines();
        loop {
            match lines.next() {
                Some(Ok(l)) if l.contains("ready") => break,
                Some(Ok(_)) => {}
                other => unreachable!("child ended early: {other:?}"),
            }
        }
        outs.push(lines);
    }
    // Trip it here.
    let Ok(p) = cb.try_acquire() else {
        unreachable!("closed breaker rejected")
    };
    cb.record_failure(p, Duration::ZERO);
    assert_eq!(cb.state(), State::Open);
    for k in &mut kids {
        if let Some(mut i) = k.stdin.take() {
            must(writeln!(i, "go"));
        }
    }
    for (k, lines) in kids.into_iter().zip(outs) {
        let text: Vec<String> = lines.map_while(|l| l.ok()).collect();
        let out = must(k.wait_with_output());
        assert!(out.status.success());
        assert!(
            text.iter().any(|l| l.contains("result=1")),
            "a child was admitted or heard the wrong transitions: {text:?}"
        );
    }
}

/// A keyed limiter with 100k keys shared by 4 processes: each process asks
/// once per key, each key has 3 tokens, so exactly 3 of the 4 asks of every
/// key are granted (4 per-process tables would grant all 400k).
#[test]
fn a_keyed_limiter_with_100k_keys_is_one_table_for_four_processes() {
    let r = Region::new("keyed");
    let region = must(SharedRegion::open_with(
        &r.0,
        &RegionOptions {
            size: 64 << 20,
            ..Default::default()
        },
    ));
    // Created here, so the children attach (its seed is the region's).
    let k = must(KeyedTokenBucket::in_region(
        keyed_cfg(),
        &region,
        "per-user",
    ));
    let vars = [("SEAWALL_SHM_PATH", r.0.clone())];
    let granted: u64 = results(spawn(4, "keys", &vars)).iter().sum();
    assert_eq!(granted, 300_000);
    let m = k.metrics();
    assert_eq!(m.keys_tracked, 100_000);
    assert_eq!(m.table_full, 0);
    assert!(!must(k.try_acquire(b"user-7", 1)).allowed);
}

/// A process that makes no calls still hears a transition another process
/// made, when it runs a transition watcher.
#[test]
fn an_idle_process_with_a_watcher_hears_transitions() {
    let r = Region::new("watch");
    let region = must(SharedRegion::open(&r.0));
    let cb = must(CircuitBreaker::in_region(breaker_cfg(), &region, "watched"));
    let mut kid = spawn(1, "idle_listener", &[("SEAWALL_SHM_PATH", r.0.clone())]).remove(0);
    let Some(out) = kid.stdout.take() else {
        unreachable!("no stdout")
    };
    let mut lines = BufReader::new(out).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("ready") => break,
            Some(Ok(_)) => {}
            other => unreachable!("child ended early: {other:?}"),
        }
    }
    let Ok(p) = cb.try_acquire() else {
        unreachable!("closed breaker rejected")
    };
    cb.record_failure(p, Duration::ZERO);
    let text: Vec<String> = lines.map_while(|l| l.ok()).collect();
    assert!(must(kid.wait()).success());
    assert!(
        text.iter().any(|l| l.contains("result=1")),
        "the idle process did not hear the transition: {text:?}"
    );
}
