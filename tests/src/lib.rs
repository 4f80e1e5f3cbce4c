//! Runs `spec/vectors/**.json` against the Rust core.
//!
//! The vector format is described in `spec/README.md`. Each primitive has a
//! runner in `runners/<primitive>.rs` that builds the primitive from the
//! vector's `config` on a [`ManualClock`] and turns each step into an output
//! object; [`check_scenario`] compares the keys the vector's `expect` names.

use seawall::clock::ManualClock;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub mod redis_server;
pub mod runners;

thread_local! {
    /// While set (by [`in_region`]), runners that support it build their
    /// primitive in this shared region, under a fresh name per scenario.
    static REGION: std::cell::RefCell<Option<seawall::shm::SharedRegion>> =
        const { std::cell::RefCell::new(None) };
}

/// Names handed out by [`region_slot`], never reused.
static SLOT_NAMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs `f` with runners building their primitives in `region`
/// (`spec/shared_memory.md`: the vectors pass unchanged there).
pub fn in_region<R>(region: &seawall::shm::SharedRegion, f: impl FnOnce() -> R) -> R {
    REGION.with(|r| *r.borrow_mut() = Some(region.clone()));
    let out = f();
    REGION.with(|r| *r.borrow_mut() = None);
    out
}

/// How many subjects runners have built in a region so far.
pub fn region_subjects() -> usize {
    SLOT_NAMES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Inside [`in_region`]: the region and a name no earlier scenario used.
pub fn region_slot() -> Option<(seawall::shm::SharedRegion, String)> {
    let region = REGION.with(|r| r.borrow().clone())?;
    let n = SLOT_NAMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    Some((region, format!("vector-{n}")))
}

/// One primitive under test, built from a scenario's `config`.
pub trait Subject {
    /// Executes one step (any op but the clock ops, which the driver handles)
    /// and returns its output object.
    fn step(&mut self, op: &str, args: &Value, clock: &ManualClock) -> Result<Value, String>;
}

/// Where the vectors live.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors")
}

/// Every `.json` file under `spec/vectors`, sorted.
pub fn vector_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&vectors_dir(), &mut v);
    v.sort();
    v
}

/// The output object of an error, as every runner reports it.
pub fn error_value(e: &seawall::Error) -> Value {
    let mut m = Map::new();
    m.insert("error".into(), Value::from(e.kind().as_str()));
    if let Some(f) = e.field() {
        m.insert("field".into(), Value::from(f));
    }
    if let Some(ra) = e.retry_after() {
        m.insert("retry_after_ns".into(), Value::from(ns(ra)));
    }
    Value::Object(m)
}

/// Duration as integer nanoseconds (saturating).
pub fn ns(d: std::time::Duration) -> u64 {
    seawall::clock::duration_to_ns(d)
}

/// Reads an integer-nanosecond field as a `Duration`.
pub fn dur(v: &Value, key: &str) -> Option<std::time::Duration> {
    v.get(key)
        .and_then(Value::as_u64)
        .map(std::time::Duration::from_nanos)
}

/// Reads a u64 field.
pub fn u(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

/// Reads an f64 field.
pub fn f(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// Reads a string field.
pub fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Reads a bool field.
pub fn b(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => false,
    }
}

/// Whether `actual` has every key of `expected` with an equal value
/// (numbers compared numerically, objects recursively, arrays element-wise).
pub fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| matches(ev, av))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        (Value::Number(_), Value::Number(_)) => numbers_equal(expected, actual),
        _ => expected == actual,
    }
}

/// Builds the subject for `primitive`, or returns the construction error's
/// output object.
pub fn build(
    primitive: &str,
    config: &Value,
    clock: &ManualClock,
) -> Result<Box<dyn Subject>, Value> {
    runners::build(primitive, config, clock)
}

/// Runs one scenario; `Err` describes the first mismatch.
pub fn check_scenario(primitive: &str, scenario: &Value) -> Result<(), String> {
    let name = s(scenario, "name").unwrap_or("<unnamed>");
    let clock = ManualClock::starting_at_ns(u(scenario, "start_ns").unwrap_or(0));
    let config = scenario
        .get("config")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let subject = build(primitive, &config, &clock);
    let mut subject = match (subject, scenario.get("expect_error")) {
        (Err(got), Some(want)) => {
            return if matches(want, &got) {
                Ok(())
            } else {
                Err(format!(
                    "{name}: construction error {got} does not match {want}"
                ))
            };
        }
        (Ok(_), Some(want)) => {
            return Err(format!(
                "{name}: expected construction error {want}, got success"
            ))
        }
        (Err(got), None) => return Err(format!("{name}: construction failed: {got}")),
        (Ok(subject), None) => subject,
    };
    let steps = scenario
        .get("steps")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        let op = s(step, "op").ok_or_else(|| format!("{name}: step {i} has no op"))?;
        let out = match op {
            "advance" => {
                clock.advance_ns(
                    u(step, "ns").ok_or_else(|| format!("{name}: step {i}: advance needs ns"))?,
                );
                Value::Object(Map::new())
            }
            "set_time" => {
                clock.set_ns(
                    u(step, "ns").ok_or_else(|| format!("{name}: step {i}: set_time needs ns"))?,
                );
                Value::Object(Map::new())
            }
            _ => subject
                .step(op, step, &clock)
                .map_err(|e| format!("{name}: step {i} ({op}): {e}"))?,
        };
        if let Some(want) = step.get("expect") {
            if !matches(want, &out) {
                return Err(format!(
                    "{name}: step {i} ({op}): expected {want}, got {out}"
                ));
            }
        }
    }
    Ok(())
}

/// Runs every scenario of one vector file; returns (passed, failures).
pub fn check_file(path: &Path) -> (usize, Vec<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return (0, vec![format!("{}: {e}", path.display())]),
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return (0, vec![format!("{}: bad JSON: {e}", path.display())]),
    };
    let Some(primitive) = s(&doc, "primitive") else {
        return (0, vec![format!("{}: no \"primitive\"", path.display())]);
    };
    let scenarios = doc
        .get("scenarios")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if scenarios.is_empty() {
        return (0, vec![format!("{}: no scenarios", path.display())]);
    }
    let mut passed = 0;
    let mut failures = Vec::new();
    for sc in &scenarios {
        match check_scenario(primitive, sc) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    (passed, failures)
}
