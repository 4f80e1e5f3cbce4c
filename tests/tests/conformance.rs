//! Every file in spec/vectors, run against the Rust core.

#[test]
fn every_vector_passes() {
    let files = seawall_tests::vector_files();
    let mut passed = 0;
    let mut failures = Vec::new();
    for f in &files {
        let (p, fails) = seawall_tests::check_file(f);
        passed += p;
        failures.extend(fails);
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "conformance: {} files, {passed} scenarios passed, {} failed",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} vector scenarios failed",
        failures.len()
    );
}

#[test]
fn matcher_rejects_mismatches() {
    use serde_json::json;
    assert!(seawall_tests::matches(
        &json!({"a": 1}),
        &json!({"a": 1, "b": 2})
    ));
    assert!(!seawall_tests::matches(&json!({"a": 1}), &json!({"a": 2})));
    assert!(!seawall_tests::matches(&json!({"c": 1}), &json!({"a": 1})));
    assert!(seawall_tests::matches(
        &json!({"x": 0.5}),
        &json!({"x": 0.5000000000001})
    ));
    assert!(!seawall_tests::matches(&json!([1, 2]), &json!([1, 2, 3])));
}

/// The vectors of the primitives that can live in a shared region, run
/// against region-backed instances: the same answers, unchanged
/// (`spec/shared_memory.md`).
#[test]
fn region_backed_primitives_pass_the_same_vectors() {
    use seawall::shm::{RegionOptions, SharedRegion};
    const IN_REGION: [&str; 6] = [
        "token_bucket",
        "bulkhead",
        "circuit_breaker",
        "sliding_window",
        "retry_budget",
        "keyed_limiter",
    ];
    let path = format!("/dev/shm/seawall-conformance-{}", std::process::id());
    let _ = SharedRegion::remove(&path);
    let opts = RegionOptions {
        size: 64 << 20,
        slots: 8192,
    };
    let region = match SharedRegion::open_with(&path, &opts) {
        Ok(r) => r,
        Err(e) => unreachable!("{e}"),
    };
    let mut passed = 0;
    let mut failures = Vec::new();
    for f in seawall_tests::vector_files() {
        let Some(dir) = f.parent().and_then(|d| d.file_name()) else {
            continue;
        };
        if !IN_REGION.iter().any(|p| dir == *p) {
            continue;
        }
        let (p, fails) = seawall_tests::in_region(&region, || seawall_tests::check_file(&f));
        passed += p;
        failures.extend(fails);
    }
    let _ = SharedRegion::remove(&path);
    for f in &failures {
        eprintln!("FAIL (in region) {f}");
    }
    let built = seawall_tests::region_subjects();
    eprintln!(
        "conformance in a shared region: {passed} scenarios passed, {built} of them region-backed"
    );
    assert!(built > 0, "no region-backed vectors ran");
    assert!(failures.is_empty(), "{} failed", failures.len());
    assert!(region.slots_used().0 > 0);
}
