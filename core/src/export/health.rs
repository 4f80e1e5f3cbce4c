//! The health snapshot as JSON (`spec/metrics.md`):
//!
//! ```text
//! {"status":"ok"|"degraded","instances":[{"name":..,"kind":..,"labels":{..},
//!   "healthy":bool,"state":"closed"?,"metrics":{..}}]}
//! ```
//!
//! An instance is unhealthy when it is a breaker that is `open`,
//! `half_open` or `forced_open`; `status` is `degraded` when any instance
//! is unhealthy. Times are seconds (floats), counts integers.

use crate::circuit_breaker::State;
use crate::registry::{Sample, Snapshot};
use std::fmt::Write;

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

enum V {
    U(u64),
    F(f64),
    B(bool),
    S(&'static str),
    Null,
}

fn fields(s: &Sample) -> Vec<(&'static str, V)> {
    use V::*;
    let secs = |d: std::time::Duration| F(d.as_secs_f64());
    let opt = |o: Option<f64>| o.map_or(Null, F);
    match s {
        Sample::CircuitBreaker(m) => vec![
            ("state", S(m.state.as_str())),
            ("calls", U(m.calls)),
            ("successes", U(m.successes)),
            ("failures", U(m.failures)),
            ("slow", U(m.slow)),
            ("ignored", U(m.ignored)),
            ("rejected", U(m.rejected)),
            ("transitions", U(m.transitions)),
            ("buffered_calls", U(m.buffered_calls)),
            ("failure_rate", opt(m.failure_rate)),
            ("slow_call_rate", opt(m.slow_call_rate)),
            ("open_duration", secs(m.open_duration)),
        ],
        Sample::TokenBucket(m) => vec![
            ("burst", U(m.burst)),
            ("available", U(m.available)),
            ("allowed", U(m.allowed)),
            ("denied", U(m.denied)),
            ("waiting", U(m.waiting)),
        ],
        Sample::SlidingWindow(m) => vec![
            ("limit", U(m.limit)),
            ("count", U(m.count)),
            ("allowed", U(m.allowed)),
            ("denied", U(m.denied)),
            ("waiting", U(m.waiting)),
        ],
        Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m) => vec![
            ("keys_tracked", U(m.keys_tracked)),
            ("capacity", U(m.capacity)),
            ("evictions", U(m.evictions)),
            ("table_full", U(m.table_full)),
            ("allowed", U(m.allowed)),
            ("denied", U(m.denied)),
            ("waiting", U(m.waiting)),
        ],
        Sample::Bulkhead(m) => vec![
            ("active", U(m.active)),
            ("queued", U(m.queued)),
            ("total", U(m.total)),
            ("rejected", U(m.rejected)),
            ("max_concurrent", U(m.max_concurrent)),
            ("max_queue", U(m.max_queue)),
        ],
        Sample::RetryBudget(m) => vec![
            ("tokens", F(m.tokens_milli as f64 / 1000.0)),
            ("max_tokens", F(m.max_tokens_milli as f64 / 1000.0)),
            ("retries_allowed", U(m.retries_allowed)),
            ("retries_denied", U(m.retries_denied)),
        ],
        Sample::AdaptiveTimeout(m) => vec![
            ("timeout", secs(m.timeout)),
            ("p50", secs(m.p50)),
            ("p95", secs(m.p95)),
            ("p99", secs(m.p99)),
            ("samples", U(m.samples)),
            ("total", U(m.total)),
        ],
        Sample::FaultInjector(m) => vec![
            ("enabled", B(m.enabled)),
            ("decisions", U(m.decisions)),
            ("errors", U(m.errors)),
            ("delays", U(m.delays)),
        ],
        Sample::Backoff(m) => vec![
            ("schedules", U(m.schedules)),
            ("retries", U(m.retries)),
            ("exhausted_attempts", U(m.exhausted_attempts)),
            ("exhausted_elapsed", U(m.exhausted_elapsed)),
        ],
    }
}

/// Whether one instance counts as healthy.
pub fn healthy(s: &Sample) -> bool {
    !matches!(
        s,
        Sample::CircuitBreaker(m)
            if matches!(m.state, State::Open | State::HalfOpen | State::ForcedOpen)
    )
}

/// Renders the health document of `snaps`.
pub fn render(snaps: &[Snapshot]) -> String {
    let ok = snaps.iter().all(|s| healthy(&s.sample));
    let mut out = String::new();
    out.push_str("{\"status\":");
    string(if ok { "ok" } else { "degraded" }, &mut out);
    out.push_str(",\"instances\":[");
    for (i, s) in snaps.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        string(&s.name, &mut out);
        out.push_str(",\"kind\":");
        string(s.sample.kind(), &mut out);
        out.push_str(",\"labels\":{");
        for (j, (k, v)) in s.labels.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            string(k, &mut out);
            out.push(':');
            string(v, &mut out);
        }
        out.push_str("},\"healthy\":");
        out.push_str(if healthy(&s.sample) { "true" } else { "false" });
        out.push_str(",\"metrics\":{");
        for (j, (k, v)) in fields(&s.sample).into_iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            string(k, &mut out);
            out.push(':');
            match v {
                V::U(n) => {
                    let _ = write!(out, "{n}");
                }
                V::F(x) if x.is_finite() => {
                    let _ = write!(out, "{x:?}");
                }
                V::F(_) | V::Null => out.push_str("null"),
                V::B(b) => out.push_str(if b { "true" } else { "false" }),
                V::S(t) => string(t, &mut out),
            }
        }
        out.push_str("}}");
    }
    out.push_str("]}");
    out
}
