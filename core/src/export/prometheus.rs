//! Prometheus text exposition format 0.0.4 (`spec/metrics.md`).
//!
//! Families start with the registry's namespace (`seawall_` by default);
//! every sample carries `name="<instance>"` plus the registered labels.
//! Counters end in `_total`, times are in seconds, ratios in 0..=1. A
//! family is written when at least one instance of its kind is registered.

use crate::circuit_breaker::State;
use crate::registry::{Sample, Snapshot};
use std::fmt::Write;

/// Escapes a label value: backslash, double quote and line feed.
pub fn escape_label_value(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Formats a sample value as the format wants (`NaN`, `+Inf`, `-Inf`).
fn fmt_value(v: f64, out: &mut String) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

#[derive(Clone, Copy)]
enum Type {
    Counter,
    Gauge,
}

/// One family: suffix after the namespace, type, help, and how to read its
/// samples from one instance (extra label pairs and value), or `None` when
/// the instance is not of the family's kind.
type Reader = fn(&Sample, &mut Vec<(&'static str, &'static str, f64)>) -> bool;

struct Family {
    suffix: &'static str,
    ty: Type,
    help: &'static str,
    read: Reader,
}

macro_rules! fam {
    ($suffix:expr, $ty:ident, $help:expr, |$s:ident, $o:ident| $body:block) => {
        Family {
            suffix: $suffix,
            ty: Type::$ty,
            help: $help,
            read: |$s, $o| $body,
        }
    };
}

fn secs(d: std::time::Duration) -> f64 {
    d.as_secs_f64()
}

/// The families, in output order. `spec/metrics.md` lists the same.
#[allow(clippy::cast_precision_loss)]
const FAMILIES: &[Family] = &[
    fam!("circuit_breaker_state", Gauge, "1 for the breaker's current state, 0 for the others.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        for st in State::ALL {
            o.push(("state", st.as_str(), if m.state == st { 1.0 } else { 0.0 }));
        }
        true
    }),
    fam!("circuit_breaker_calls_total", Counter, "Outcomes recorded by the breaker, by outcome.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        o.push(("outcome", "success", m.successes as f64));
        o.push(("outcome", "failure", m.failures as f64));
        o.push(("outcome", "ignored", m.ignored as f64));
        true
    }),
    fam!("circuit_breaker_slow_calls_total", Counter, "Recorded calls slower than the slow-call threshold.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        o.push(("", "", m.slow as f64));
        true
    }),
    fam!("circuit_breaker_rejected_calls_total", Counter, "Calls the breaker rejected (open, forced open, or half-open with every probe taken).", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        o.push(("reason", "circuit_open", m.rejected as f64));
        true
    }),
    fam!("circuit_breaker_transitions_total", Counter, "State transitions of the breaker.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        o.push(("", "", m.transitions as f64));
        true
    }),
    fam!("circuit_breaker_failure_rate", Gauge, "Failure rate in the window (0..1); absent until the window holds minimum_number_of_calls.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        if let Some(r) = m.failure_rate {
            o.push(("", "", r));
        }
        true
    }),
    fam!("circuit_breaker_slow_call_rate", Gauge, "Slow-call rate in the window (0..1); absent until the window holds minimum_number_of_calls.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        if let Some(r) = m.slow_call_rate {
            o.push(("", "", r));
        }
        true
    }),
    fam!("circuit_breaker_buffered_calls", Gauge, "Calls in the breaker's rate window now.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        o.push(("", "", m.buffered_calls as f64));
        true
    }),
    fam!("circuit_breaker_open_duration_seconds", Gauge, "Open duration of the current or last open episode.", |s, o| {
        let Sample::CircuitBreaker(m) = s else { return false };
        o.push(("", "", secs(m.open_duration)));
        true
    }),
    fam!("rate_limiter_calls_total", Counter, "Limiter decisions, by outcome (allowed or denied).", |s, o| {
        let (a, d) = match s {
            Sample::TokenBucket(m) => (m.allowed, m.denied),
            Sample::SlidingWindow(m) => (m.allowed, m.denied),
            Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m) => (m.allowed, m.denied),
            _ => return false,
        };
        o.push(("outcome", "allowed", a as f64));
        o.push(("outcome", "denied", d as f64));
        true
    }),
    fam!("rate_limiter_available_permits", Gauge, "Permits the limiter would grant right now.", |s, o| {
        let v = match s {
            Sample::TokenBucket(m) => m.available,
            Sample::SlidingWindow(m) => m.limit.saturating_sub(m.count),
            _ => return false,
        };
        o.push(("", "", v as f64));
        true
    }),
    fam!("rate_limiter_limit_permits", Gauge, "Configured burst (token bucket) or limit per window (sliding window).", |s, o| {
        let v = match s {
            Sample::TokenBucket(m) => m.burst,
            Sample::SlidingWindow(m) => m.limit,
            _ => return false,
        };
        o.push(("", "", v as f64));
        true
    }),
    fam!("rate_limiter_waiting_calls", Gauge, "Waiting acquires queued on the limiter now.", |s, o| {
        let v = match s {
            Sample::TokenBucket(m) => m.waiting,
            Sample::SlidingWindow(m) => m.waiting,
            Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m) => m.waiting,
            _ => return false,
        };
        o.push(("", "", v as f64));
        true
    }),
    fam!("rate_limiter_keys_tracked", Gauge, "Table slots a keyed limiter has filled with a key (never decreases: idle keys' slots are reused).", |s, o| {
        let (Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m)) = s else { return false };
        o.push(("", "", m.keys_tracked as f64));
        true
    }),
    fam!("rate_limiter_key_capacity", Gauge, "Table slots of a keyed limiter.", |s, o| {
        let (Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m)) = s else { return false };
        o.push(("", "", m.capacity as f64));
        true
    }),
    fam!("rate_limiter_key_evictions_total", Counter, "Slots a keyed limiter took over from an idle key for a new key.", |s, o| {
        let (Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m)) = s else { return false };
        o.push(("", "", m.evictions as f64));
        true
    }),
    fam!("rate_limiter_key_table_full_total", Counter, "Requests of new keys a keyed limiter found no slot for (answered by on_full).", |s, o| {
        let (Sample::KeyedTokenBucket(m) | Sample::KeyedSlidingWindow(m)) = s else { return false };
        o.push(("", "", m.table_full as f64));
        true
    }),
    fam!("bulkhead_active_calls", Gauge, "Slots of the bulkhead held now.", |s, o| {
        let Sample::Bulkhead(m) = s else { return false };
        o.push(("", "", m.active as f64));
        true
    }),
    fam!("bulkhead_queued_calls", Gauge, "Callers waiting in the bulkhead's queue now.", |s, o| {
        let Sample::Bulkhead(m) = s else { return false };
        o.push(("", "", m.queued as f64));
        true
    }),
    fam!("bulkhead_max_concurrent_calls", Gauge, "Configured max_concurrent.", |s, o| {
        let Sample::Bulkhead(m) = s else { return false };
        o.push(("", "", m.max_concurrent as f64));
        true
    }),
    fam!("bulkhead_max_queued_calls", Gauge, "Configured max_queue.", |s, o| {
        let Sample::Bulkhead(m) = s else { return false };
        o.push(("", "", m.max_queue as f64));
        true
    }),
    fam!("bulkhead_calls_total", Counter, "Bulkhead requests, by outcome (permitted or rejected).", |s, o| {
        let Sample::Bulkhead(m) = s else { return false };
        o.push(("outcome", "permitted", m.total as f64));
        o.push(("outcome", "rejected", m.rejected as f64));
        true
    }),
    fam!("retry_budget_tokens", Gauge, "Tokens in the retry budget now.", |s, o| {
        let Sample::RetryBudget(m) = s else { return false };
        o.push(("", "", m.tokens_milli as f64 / 1000.0));
        true
    }),
    fam!("retry_budget_max_tokens", Gauge, "Configured max_tokens of the retry budget.", |s, o| {
        let Sample::RetryBudget(m) = s else { return false };
        o.push(("", "", m.max_tokens_milli as f64 / 1000.0));
        true
    }),
    fam!("retry_budget_retries_total", Counter, "Retries asked of the budget, by outcome (allowed or denied).", |s, o| {
        let Sample::RetryBudget(m) = s else { return false };
        o.push(("outcome", "allowed", m.retries_allowed as f64));
        o.push(("outcome", "denied", m.retries_denied as f64));
        true
    }),
    fam!("adaptive_timeout_seconds", Gauge, "The timeout the adaptive timeout answers now.", |s, o| {
        let Sample::AdaptiveTimeout(m) = s else { return false };
        o.push(("", "", secs(m.timeout)));
        true
    }),
    fam!("adaptive_timeout_latency_seconds", Gauge, "Percentiles of the recent latencies (bucket upper bounds; 0 without samples).", |s, o| {
        let Sample::AdaptiveTimeout(m) = s else { return false };
        o.push(("quantile", "0.5", secs(m.p50)));
        o.push(("quantile", "0.95", secs(m.p95)));
        o.push(("quantile", "0.99", secs(m.p99)));
        true
    }),
    fam!("adaptive_timeout_samples_total", Counter, "Latencies recorded since creation.", |s, o| {
        let Sample::AdaptiveTimeout(m) = s else { return false };
        o.push(("", "", m.total as f64));
        true
    }),
    fam!("fault_injector_decisions_total", Counter, "Decisions asked of the fault injector.", |s, o| {
        let Sample::FaultInjector(m) = s else { return false };
        o.push(("", "", m.decisions as f64));
        true
    }),
    fam!("fault_injections_total", Counter, "Faults injected, by kind (error or delay).", |s, o| {
        let Sample::FaultInjector(m) = s else { return false };
        o.push(("kind", "error", m.errors as f64));
        o.push(("kind", "delay", m.delays as f64));
        true
    }),
    fam!("fault_injector_enabled", Gauge, "1 while the fault injector is switched on.", |s, o| {
        let Sample::FaultInjector(m) = s else { return false };
        o.push(("", "", if m.enabled { 1.0 } else { 0.0 }));
        true
    }),
    fam!("retry_schedules_total", Counter, "Retry schedules started.", |s, o| {
        let Sample::Backoff(m) = s else { return false };
        o.push(("", "", m.schedules as f64));
        true
    }),
    fam!("retry_retries_total", Counter, "Retries handed out by schedules that have ended.", |s, o| {
        let Sample::Backoff(m) = s else { return false };
        o.push(("", "", m.retries as f64));
        true
    }),
    fam!("retry_give_ups_total", Counter, "Retry schedules that gave up, by reason (max_attempts or max_elapsed).", |s, o| {
        let Sample::Backoff(m) = s else { return false };
        o.push(("reason", "max_attempts", m.exhausted_attempts as f64));
        o.push(("reason", "max_elapsed", m.exhausted_elapsed as f64));
        true
    }),
];

/// Every family name written for a given namespace, in output order (for
/// docs and tests).
pub fn family_names(namespace: &str) -> Vec<String> {
    FAMILIES
        .iter()
        .map(|f| format!("{namespace}_{}", f.suffix))
        .collect()
}

/// Every family as (name, type, help) for a namespace, in output order:
/// what an integration that declares its metrics up front (prom-client,
/// OpenTelemetry) registers.
pub fn families(namespace: &str) -> Vec<(String, &'static str, &'static str)> {
    FAMILIES
        .iter()
        .map(|f| {
            let ty = match f.ty {
                Type::Counter => "counter",
                Type::Gauge => "gauge",
            };
            (format!("{namespace}_{}", f.suffix), ty, f.help)
        })
        .collect()
}

fn push_labels(out: &mut String, snap: &Snapshot, extra: (&str, &str)) {
    out.push_str("{name=\"");
    escape_label_value(&snap.name, out);
    out.push('"');
    for (k, v) in &snap.labels {
        out.push(',');
        out.push_str(k);
        out.push_str("=\"");
        escape_label_value(v, out);
        out.push('"');
    }
    if !extra.0.is_empty() {
        out.push(',');
        out.push_str(extra.0);
        out.push_str("=\"");
        escape_label_value(extra.1, out);
        out.push('"');
    }
    out.push('}');
}

/// One family read from a set of snapshots, as data (for integrations that
/// observe values rather than parse text: OpenTelemetry, prom-client).
#[derive(Debug, Clone, PartialEq)]
pub struct FamilySamples {
    /// Full family name, e.g. `seawall_circuit_breaker_calls_total`.
    pub name: String,
    /// `counter` or `gauge`.
    pub ty: &'static str,
    /// The HELP text.
    pub help: &'static str,
    /// Each sample: its labels (`name`, the registered ones, the family's
    /// own) and value.
    pub samples: Vec<(Vec<(String, String)>, f64)>,
}

/// The same data as [`render`], unrendered: every family (also the ones
/// without samples), in output order.
pub fn collect(namespace: &str, snaps: &[Snapshot]) -> Vec<FamilySamples> {
    let mut vals = Vec::new();
    FAMILIES
        .iter()
        .map(|f| {
            let mut samples = Vec::new();
            for snap in snaps {
                vals.clear();
                if !(f.read)(&snap.sample, &mut vals) {
                    continue;
                }
                for &(k, v, x) in &vals {
                    let mut labels = Vec::with_capacity(snap.labels.len() + 2);
                    labels.push(("name".to_owned(), snap.name.clone()));
                    labels.extend(snap.labels.iter().cloned());
                    if !k.is_empty() {
                        labels.push((k.to_owned(), v.to_owned()));
                    }
                    samples.push((labels, x));
                }
            }
            FamilySamples {
                name: format!("{namespace}_{}", f.suffix),
                ty: match f.ty {
                    Type::Counter => "counter",
                    Type::Gauge => "gauge",
                },
                help: f.help,
                samples,
            }
        })
        .collect()
}

/// Renders `snaps` (already sorted by name) under `namespace`.
pub fn render(namespace: &str, snaps: &[Snapshot]) -> String {
    let mut out = String::new();
    let mut vals = Vec::new();
    for f in FAMILIES {
        let mut header = false;
        for snap in snaps {
            vals.clear();
            if !(f.read)(&snap.sample, &mut vals) {
                continue;
            }
            if !header {
                header = true;
                let ty = match f.ty {
                    Type::Counter => "counter",
                    Type::Gauge => "gauge",
                };
                let _ = writeln!(out, "# HELP {namespace}_{} {}", f.suffix, f.help);
                let _ = writeln!(out, "# TYPE {namespace}_{} {ty}", f.suffix);
            }
            for &(k, v, x) in &vals {
                out.push_str(namespace);
                out.push('_');
                out.push_str(f.suffix);
                push_labels(&mut out, snap, (k, v));
                out.push(' ');
                fmt_value(x, &mut out);
                out.push('\n');
            }
        }
    }
    out
}
