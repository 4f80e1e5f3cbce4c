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
