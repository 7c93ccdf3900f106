//! README command 1 (`cargo run --release -p host-test`) and `scripts/test`
//! (`cargo test --release -p wasi-fileserver-core -p host-test -p host-test-core -p host-test-bench`)
//! must share one build: a crate that the two resolve with different
//! features is compiled twice, and with it everything above it, wasmtime
//! and cranelift among them. This compares the two resolutions crate by
//! crate, as `cargo tree` prints them.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Each crate (`name vX.Y.Z`) with the feature sets it is built with.
fn resolution(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .arg("tree")
        .args(args)
        .args([
            "--prefix",
            "none",
            "--format",
            "{p}|{f}",
            "--locked",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut crates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let Some((package, features)) = line.trim_end_matches(" (*)").split_once('|') else {
            continue;
        };
        // "name v1.2.3 (/path)" -> "name v1.2.3"
        let package: String = package.split(' ').take(2).collect::<Vec<_>>().join(" ");
        crates
            .entry(package)
            .or_default()
            .insert(features.to_string());
    }
    crates
}

#[test]
fn serve_and_test_builds_resolve_shared_crates_alike() {
    let serve = resolution(&["-p", "host-test", "--edges", "normal,build"]);
    let test = resolution(&[
        "-p",
        "wasi-fileserver-core",
        "-p",
        "host-test",
        "-p",
        "host-test-core",
        "-p",
        "host-test-bench",
        "--edges",
        "normal,build,dev",
    ]);
    assert!(
        serve.keys().any(|p| p.starts_with("wasmtime ")),
        "{serve:?}"
    );
    let differing: Vec<String> = serve
        .iter()
        .filter_map(|(package, features)| {
            let other = test.get(package)?;
            (other != features).then(|| format!("{package}: serve {features:?}, test {other:?}"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "crates built twice (align their features in host-test/Cargo.toml):\n{}",
        differing.join("\n")
    );
}
