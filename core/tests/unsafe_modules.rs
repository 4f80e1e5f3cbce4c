//! The core's `unsafe` rule (crate docs): the crate denies `unsafe_code`,
//! and only `ordered_tsc.rs` and `shm/map.rs` allow it. A new module that
//! needs `unsafe` is a decision to make in review, not a line to add.
//! That each `unsafe` block and impl says why is clippy's
//! `undocumented_unsafe_blocks` (denied in core/Cargo.toml, `make lint`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

const ALLOWED: [&str; 2] = ["ordered_tsc.rs", "shm/map.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_two_leaf_modules_allow_unsafe() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut allowing: Vec<String> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("allow(unsafe_code)")
        })
        .map(|f| {
            f.strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    allowing.sort();
    assert_eq!(
        allowing, ALLOWED,
        "files of core/src that allow unsafe_code"
    );
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("unsafe_code = \"deny\""),
        "core/Cargo.toml must deny unsafe_code"
    );
}
