use super::*;
use crate::clock::ManualClock;

fn cfg(kind: BackoffKind, jitter: Jitter) -> BackoffConfig {
    BackoffConfig {
        kind,
        base: Duration::from_millis(100),
        factor: 2.0,
        max_delay: Duration::from_secs(1),
        jitter,
        max_attempts: 10,
        max_elapsed: None,
        seed: Some(42),
    }
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[test]
fn retries_metric_counts_every_delay_of_ended_schedules() -> Result<()> {
    for j in Jitter::ALL {
        for max_elapsed in [None, Some(ms(1_500))] {
            let b = Backoff::new(BackoffConfig {
                max_elapsed,
                ..cfg(BackoffKind::Exponential, j)
            })?;
            let mut handed_out = 0u64;
            for k in 0..30u64 {
                let mut s = b.schedule();
                let mut mine = 0u64;
                // Some schedules stop early (the call succeeded).
                for _ in 0..(k % 12) {
                    let hint = (k % 3 == 0).then(|| ms(5));
                    match s.next_delay_elapsed(ms(100 * k), hint) {
                        Some(_) => mine += 1,
                        None => break,
                    }
                }
                let live = !s.is_exhausted();
                let before = b.metrics().retries;
                // Ended by giving up: already counted; else not yet.
                let expect = if live { handed_out } else { handed_out + mine };
                assert_eq!(before, expect, "{j:?} {max_elapsed:?} k={k}");
                // ...and ended here by each of the three ways.
                match k % 3 {
                    0 => drop(s),
                    1 => s.finish(),
                    _ => {
                        s.finish();
                        s.finish(); // twice counts once
                        assert_eq!(s.next_delay(None), None, "finished gives up");
                    }
                }
                handed_out += mine;
                assert_eq!(
                    b.metrics().retries,
                    handed_out,
                    "{j:?} {max_elapsed:?} k={k}"
                );
            }
        }
    }
    Ok(())
}

#[test]
fn schedules_draw_independent_streams() -> Result<()> {
    // Interleaving two schedules gives each the delays it has alone:
    // schedule k's stream starts at seed + mix(k) whatever the others do.
    let b1 = Backoff::new(cfg(BackoffKind::Exponential, Jitter::Full))?;
    let (mut x, mut y) = (b1.schedule(), b1.schedule());
    let mut interleaved = (Vec::new(), Vec::new());
    for _ in 0..9 {
        interleaved.0.push(x.next_delay(None));
        interleaved.1.push(y.next_delay(None));
    }
    let b2 = Backoff::new(cfg(BackoffKind::Exponential, Jitter::Full))?;
    let alone0: Vec<_> = {
        let mut s = b2.schedule();
        (0..9).map(|_| s.next_delay(None)).collect()
    };
    let alone1: Vec<_> = {
        let mut s = b2.schedule();
        (0..9).map(|_| s.next_delay(None)).collect()
    };
    assert_eq!(interleaved.0, alone0);
    assert_eq!(interleaved.1, alone1);
    assert_ne!(alone0, alone1, "different schedules, different streams");
    // The plain-data form gives the same answers as a Schedule.
    let clock = ManualClock::new();
    let b3 = Backoff::with_clock(cfg(BackoffKind::Exponential, Jitter::Decorrelated), &clock)?;
    let b4 = Backoff::with_clock(cfg(BackoffKind::Exponential, Jitter::Decorrelated), &clock)?;
    let (mut st, mut s) = (b3.start(), b4.schedule());
    assert_eq!(st, s.state());
    for _ in 0..10 {
        assert_eq!(b3.next_delay(&mut st, None), s.next_delay(None));
    }
    assert_eq!(st, s.state());
    assert!(st.is_exhausted() && st.retries() == 9);
    // ...and so does the nanosecond form, hints and elapsed included.
    let b5 = Backoff::with_clock(
        BackoffConfig {
            max_elapsed: Some(ms(3_000)),
            ..cfg(BackoffKind::Exponential, Jitter::Decorrelated)
        },
        &clock,
    )?;
    let b6 = Backoff::with_clock(*b5.config(), &clock)?;
    let (mut x, mut y) = (b5.start(), b6.start());
    for i in 0..12u64 {
        let hint = (i % 4 == 1).then_some(7_000_000);
        let el = (i % 3 == 0).then_some(i * 90_000_000);
        let want = match el {
            Some(e) => b6.next_delay_elapsed(
                &mut y,
                Duration::from_nanos(e),
                hint.map(Duration::from_nanos),
            ),
            None => b6.next_delay(&mut y, hint.map(Duration::from_nanos)),
        };
        assert_eq!(
            b5.next_delay_ns(&mut x, el, hint).map(Duration::from_nanos),
            want,
            "step {i}"
        );
        clock.advance(ms(100));
    }
    assert_eq!(x, y);
    Ok(())
}

#[test]
fn unseeded_schedules_get_distinct_streams_and_are_counted() -> Result<()> {
    let b = Backoff::new(BackoffConfig {
        seed: None,
        ..cfg(BackoffKind::Exponential, Jitter::Full)
    })?;
    let here: Vec<u64> = (0..50).map(|_| b.start().rng).collect();
    let there = std::thread::scope(|sc| {
        sc.spawn(|| (0..50).map(|_| b.start().rng).collect::<Vec<u64>>())
            .join()
            .unwrap_or_default()
    });
    let mut all: Vec<u64> = here.iter().chain(there.iter()).copied().collect();
    assert_eq!(all.len(), 100);
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 100, "every schedule its own stream");
    assert_eq!(b.metrics().schedules, 100);
    Ok(())
}

#[test]
fn delay_table_matches_formula() -> Result<()> {
    for kind in [
        BackoffKind::Constant,
        BackoffKind::Linear,
        BackoffKind::Exponential,
    ] {
        for (factor, attempts) in [(1.0, 3), (1.5, 200), (2.0, 11), (3.7, u32::MAX)] {
            let b = Backoff::new(BackoffConfig {
                factor,
                max_attempts: attempts,
                max_delay: Duration::from_secs(3600),
                ..cfg(kind, Jitter::None)
            })?;
            for n in (0..300).chain([u32::MAX - 1, u32::MAX]) {
                assert_eq!(
                    b.shared.delay(&b.params, n),
                    delay_ns(&b.params, n),
                    "{kind:?} factor {factor} n {n}"
                );
            }
        }
    }
    Ok(())
}

#[test]
fn kinds_before_jitter() -> Result<()> {
    let c = Backoff::new(cfg(BackoffKind::Constant, Jitter::None))?;
    let l = Backoff::new(cfg(BackoffKind::Linear, Jitter::None))?;
    let e = Backoff::new(cfg(BackoffKind::Exponential, Jitter::None))?;
    for b in [&c, &l, &e] {
        assert_eq!(b.delay_for(0), Duration::ZERO);
        assert_eq!(b.delay_for(1), ms(100));
    }
    assert_eq!(c.delay_for(7), ms(100));
    assert_eq!(l.delay_for(3), ms(300));
    assert_eq!(l.delay_for(11), ms(1000));
    assert_eq!(e.delay_for(2), ms(200));
    assert_eq!(e.delay_for(4), ms(800));
    assert_eq!(e.delay_for(5), ms(1000));
    for b in [&l, &e] {
        assert_eq!(b.delay_for(u32::MAX), ms(1000));
    }
    assert_eq!(c.delay_for(u32::MAX), ms(100));
    Ok(())
}

#[test]
fn fractional_factor_floors_to_ns() -> Result<()> {
    let b = Backoff::new(BackoffConfig {
        base: Duration::from_nanos(1000),
        factor: 1.5,
        jitter: Jitter::None,
        ..cfg(BackoffKind::Exponential, Jitter::None)
    })?;
    // 1000 × 1.5^3 = 3375, 1000 × 1.5^4 = 5062.5 → 5062
    assert_eq!(b.delay_for(4), Duration::from_nanos(3375));
    assert_eq!(b.delay_for(5), Duration::from_nanos(5062));
    Ok(())
}

#[test]
fn factor_one_and_huge_factor() -> Result<()> {
    let one = Backoff::new(BackoffConfig {
        factor: 1.0,
        ..cfg(BackoffKind::Exponential, Jitter::None)
    })?;
    assert_eq!(one.delay_for(u32::MAX), ms(100));
    let huge = Backoff::new(BackoffConfig {
        factor: f64::MAX,
        ..cfg(BackoffKind::Exponential, Jitter::None)
    })?;
    assert_eq!(huge.delay_for(2), ms(1000));
    assert_eq!(huge.delay_for(u32::MAX), ms(1000));
    Ok(())
}

#[test]
fn zero_base_retries_immediately() -> Result<()> {
    for j in Jitter::ALL {
        let b = Backoff::new(BackoffConfig {
            base: Duration::ZERO,
            ..cfg(BackoffKind::Exponential, j)
        })?;
        let mut s = b.schedule();
        for _ in 0..5 {
            assert_eq!(s.next_delay(None), Some(Duration::ZERO), "{j:?}");
        }
    }
    Ok(())
}

#[test]
fn max_attempts_counts_the_first_call() -> Result<()> {
    let b = Backoff::new(BackoffConfig {
        max_attempts: 3,
        ..cfg(BackoffKind::Constant, Jitter::None)
    })?;
    let mut s = b.schedule();
    assert_eq!(s.next_delay(None), Some(ms(100)));
    assert_eq!(s.next_delay(None), Some(ms(100)));
    assert_eq!(s.attempts(), 3);
    assert_eq!(s.next_delay(None), None);
    assert!(s.is_exhausted());
    assert_eq!(s.next_delay(Some(ms(1))), None);
    let one = Backoff::new(BackoffConfig {
        max_attempts: 1,
        ..cfg(BackoffKind::Constant, Jitter::None)
    })?;
    assert_eq!(one.schedule().next_delay(None), None);
    let m = b.metrics();
    assert_eq!(
        (
            m.schedules,
            m.retries,
            m.exhausted_attempts,
            m.exhausted_elapsed
        ),
        (1, 2, 1, 0)
    );
    Ok(())
}

#[test]
fn max_elapsed_refuses_the_crossing_delay_on_the_clock() -> Result<()> {
    let clock = ManualClock::new();
    let b = Backoff::with_clock(
        BackoffConfig {
            max_elapsed: Some(ms(1000)),
            ..cfg(BackoffKind::Constant, Jitter::None)
        },
        &clock,
    )?;
    let mut s = b.schedule();
    clock.advance(ms(900));
    assert_eq!(s.elapsed(), Some(ms(900)));
    let untimed = Backoff::with_clock(cfg(BackoffKind::Constant, Jitter::None), &clock)?;
    assert_eq!(
        untimed.schedule().elapsed(),
        None,
        "no max_elapsed, no clock"
    );
    // 900 + 100 = 1000: exactly at the limit is allowed
    assert_eq!(s.next_delay(None), Some(ms(100)));
    clock.advance(ms(101));
    assert_eq!(s.next_delay(None), None);
    assert_eq!(b.metrics().exhausted_elapsed, 1);
    Ok(())
}

#[test]
fn retry_after_overrides_uncapped_but_not_past_max_elapsed() -> Result<()> {
    let b = Backoff::new(BackoffConfig {
        max_elapsed: Some(ms(10_000)),
        ..cfg(BackoffKind::Exponential, Jitter::None)
    })?;
    let mut s = b.schedule();
    assert_eq!(
        s.next_delay_elapsed(Duration::ZERO, Some(ms(5000))),
        Some(ms(5000))
    );
    // the hint did not change the schedule: retry 2 is 200 ms
    assert_eq!(s.next_delay_elapsed(ms(5000), None), Some(ms(200)));
    assert_eq!(s.next_delay_elapsed(ms(5200), Some(ms(4801))), None);
    Ok(())
}

#[test]
fn clock_going_back_counts_as_no_elapsed_time() -> Result<()> {
    let clock = ManualClock::starting_at_ns(1_000_000_000);
    let b = Backoff::with_clock(
        BackoffConfig {
            max_elapsed: Some(ms(100)),
            ..cfg(BackoffKind::Constant, Jitter::None)
        },
        &clock,
    )?;
    let mut s = b.schedule();
    clock.set_ns(0);
    assert_eq!(s.next_delay(None), Some(ms(100)));
    Ok(())
}

#[test]
fn jitter_ranges_and_determinism() -> Result<()> {
    for j in Jitter::ALL {
        let a = Backoff::new(cfg(BackoffKind::Exponential, j))?;
        let b = Backoff::new(cfg(BackoffKind::Exponential, j))?;
        let (mut sa, mut sb) = (a.schedule(), b.schedule());
        for n in 1..10u32 {
            let da = sa.next_delay(None);
            assert_eq!(da, sb.next_delay(None), "same seed, same delays");
            let d = a.delay_for(n);
            let got = da.unwrap_or_default();
            let (lo, hi) = match j {
                Jitter::None => (d, d),
                Jitter::Full => (Duration::ZERO, d),
                Jitter::Equal => (d / 2, d),
                Jitter::Proportional => (d / 2, (d * 3 / 2).min(ms(1000))),
                Jitter::Decorrelated => (ms(100), ms(1000)),
            };
            assert!(
                lo <= got && got <= hi,
                "{j:?} n={n}: {got:?} not in [{lo:?}, {hi:?}]"
            );
        }
    }
    Ok(())
}

#[test]
fn full_jitter_reference_draws() -> Result<()> {
    // seed 0: first draw 0xE220A8397B1DCDAF; (r × 100_000_001) >> 64
    let b = Backoff::new(BackoffConfig {
        seed: Some(0),
        ..cfg(BackoffKind::Constant, Jitter::Full)
    })?;
    let r: u128 = 0xE220_A839_7B1D_CDAF;
    let want = ((r * 100_000_001) >> 64) as u64;
    assert_eq!(
        b.schedule().next_delay(None),
        Some(Duration::from_nanos(want))
    );
    Ok(())
}

#[test]
fn rejects_bad_config_naming_the_field() {
    let base = cfg(BackoffKind::Exponential, Jitter::Full);
    let cases: Vec<(BackoffConfig, &str)> = vec![
        (
            BackoffConfig {
                factor: f64::NAN,
                ..base
            },
            "factor",
        ),
        (
            BackoffConfig {
                factor: f64::INFINITY,
                ..base
            },
            "factor",
        ),
        (
            BackoffConfig {
                factor: f64::NEG_INFINITY,
                ..base
            },
            "factor",
        ),
        (
            BackoffConfig {
                factor: 0.5,
                ..base
            },
            "factor",
        ),
        (
            BackoffConfig {
                factor: -2.0,
                ..base
            },
            "factor",
        ),
        (
            BackoffConfig {
                factor: 0.0,
                ..base
            },
            "factor",
        ),
        (
            BackoffConfig {
                max_delay: ms(99),
                ..base
            },
            "max_delay",
        ),
        (
            BackoffConfig {
                base: Duration::MAX,
                max_delay: Duration::MAX,
                ..base
            },
            "base",
        ),
        (
            BackoffConfig {
                max_delay: Duration::MAX,
                ..base
            },
            "max_delay",
        ),
        (
            BackoffConfig {
                max_attempts: 0,
                ..base
            },
            "max_attempts",
        ),
        (
            BackoffConfig {
                max_elapsed: Some(Duration::ZERO),
                ..base
            },
            "max_elapsed",
        ),
        (
            BackoffConfig {
                max_elapsed: Some(Duration::MAX),
                ..base
            },
            "max_elapsed",
        ),
    ];
    for (c, field) in cases {
        let e = Backoff::new(c).err();
        assert_eq!(
            e.as_ref().and_then(crate::Error::field),
            Some(field),
            "{c:?}"
        );
    }
    assert!(Backoff::new(BackoffConfig::default()).is_ok());
}

#[test]
fn wire_names_round_trip() {
    for k in BackoffKind::ALL {
        assert_eq!(BackoffKind::parse(k.as_str()).ok(), Some(k));
    }
    for j in Jitter::ALL {
        assert_eq!(Jitter::parse(j.as_str()).ok(), Some(j));
    }
    assert_eq!(
        BackoffKind::parse("Exponential")
            .err()
            .as_ref()
            .and_then(crate::Error::field),
        Some("kind")
    );
    assert_eq!(
        Jitter::parse("")
            .err()
            .as_ref()
            .and_then(crate::Error::field),
        Some("jitter")
    );
}
