//! spin.toml (the WASI 0.2 build), spin-p3.toml (the WASI 0.3.2 build, for
//! Spin main / 4.1+) and spin-p3-rc.toml (the WASI 0.3.0-rc-2026-03-15 build,
//! for Spin 4.0.x) stay runnable: each `source` is the file its build command
//! produces, its `files` exist, its environment holds valid settings, and the
//! mount point agrees with ROOT. (Spin itself is not needed here: the export
//! names Spin looks for are checked in tests/component_interface.rs, and
//! scripts/spin-check runs the manifests under a real Spin.)

use std::cell::RefCell;
use std::path::Path;

use toml::{Table, Value};
use wasi_fileserver_core::request::path::PathSource;
use wasi_fileserver_core::settings::Settings;

const WASM_TARGET: &str = "wasm32-wasip2";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A manifest, the file its build command writes, and where host-test builds
/// the same component.
struct Manifest {
    file: &'static str,
    source: &'static str,
    command: &'static str,
    host_test_build: &'static str,
    /// Its path below target/wasm-components (host-test's own target dirs).
    host_test_tail: &'static str,
}

const MANIFESTS: [Manifest; 3] = [
    Manifest {
        file: "spin.toml",
        source: "target/wasm32-wasip2/release/wasi_fileserver.wasm",
        command: "cargo build --release --target wasm32-wasip2 -p wasi-fileserver",
        host_test_build: host_test::FILESERVER_COMPONENT,
        host_test_tail: "wasm32-wasip2/release/wasi_fileserver.wasm",
    },
    // The WASI 0.3.2 build, for Spin main (4.1+, wasmtime 47).
    Manifest {
        file: "spin-p3.toml",
        source: "target/wasm32-wasip2/release/wasi_fileserver_p3.wasm",
        command: "cargo build --release --target wasm32-wasip2 -p wasi-fileserver-p3",
        host_test_build: host_test::P3_COMPONENT,
        host_test_tail: "wasm32-wasip2/release/wasi_fileserver_p3.wasm",
    },
    // The WASI 0.3.0-rc-2026-03-15 build, for Spin 4.0.x (wasmtime 43-45).
    Manifest {
        file: "spin-p3-rc.toml",
        source: "target/wasm32-wasip2/release/wasi_fileserver_p3_rc.wasm",
        command: "cargo build --release --target wasm32-wasip2 -p wasi-fileserver-p3-rc",
        host_test_build: host_test::P3_RC_COMPONENT,
        host_test_tail: "wasm32-wasip2/release/wasi_fileserver_p3_rc.wasm",
    },
];

impl Manifest {
    fn parse(&self) -> Table {
        let text = std::fs::read_to_string(workspace().join(self.file))
            .unwrap_or_else(|e| panic!("{} at the workspace root: {e}", self.file));
        text.parse()
            .unwrap_or_else(|e| panic!("{}: {e}", self.file))
    }
}

fn table<'a>(value: &'a Value, what: &str) -> &'a Table {
    value
        .as_table()
        .unwrap_or_else(|| panic!("{what} must be a table"))
}

fn string<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} must be a string"))
}

/// The one component the HTTP trigger routes `/...` to.
fn routed_component(manifest: &Table) -> (&str, &Table) {
    let triggers = manifest["trigger"]["http"]
        .as_array()
        .expect("[[trigger.http]]");
    assert_eq!(triggers.len(), 1, "one HTTP trigger");
    let trigger = table(&triggers[0], "[[trigger.http]]");
    assert_eq!(
        string(&trigger["route"], "route"),
        "/...",
        "the trigger serves every path"
    );
    let id = string(&trigger["component"], "trigger component");
    let components = table(&manifest["component"], "[component]");
    let component = components.get(id).unwrap_or_else(|| {
        panic!("the trigger names component `{id}`, which spin.toml does not define")
    });
    (id, table(component, "the component"))
}

#[test]
fn source_is_what_the_build_produces_and_files_exist() {
    for spec in &MANIFESTS {
        source_and_files(spec);
    }
}

fn source_and_files(spec: &Manifest) {
    let file = spec.file;
    let manifest = spec.parse();
    assert_eq!(manifest["spin_manifest_version"].as_integer(), Some(2));
    let (id, component) = routed_component(&manifest);

    // The build command writes `source`; host-test builds the same artifact
    // (same package, profile and target) under target/wasm-components/.
    assert_eq!(
        string(&component["source"], "source"),
        spec.source,
        "{file}: [component.{id}] source"
    );
    let artifact = Path::new(spec.source).file_name().unwrap();
    assert_eq!(
        Some(artifact),
        Path::new(spec.host_test_build).file_name(),
        "{file}: host-test builds {}",
        spec.host_test_build
    );
    assert!(
        spec.host_test_build.ends_with(spec.host_test_tail) && spec.source.contains(WASM_TARGET),
        "{file}: {} vs {}",
        spec.host_test_build,
        spec.source
    );
    let build = table(&component["build"], "[component.build]");
    assert_eq!(
        string(&build["command"], "build command"),
        spec.command,
        "{file}: the build command must produce `source`"
    );
    // The command's own flags say where it writes.
    let target_dir = spec
        .command
        .split_once("--target-dir ")
        .map(|(_, dir)| dir.split_whitespace().next().unwrap())
        .unwrap_or("target");
    assert!(
        spec.source
            .starts_with(&format!("{target_dir}/{WASM_TARGET}/release/")),
        "{file}: `{}` does not write `{}`",
        spec.command,
        spec.source
    );

    let files = component["files"].as_array().expect("files = [...]");
    assert!(!files.is_empty(), "files: nothing to serve");
    for entry in files {
        let (source, destination) = match entry {
            Value::String(glob) => (glob.as_str(), None),
            Value::Table(mount) => (
                string(&mount["source"], "files source"),
                Some(string(&mount["destination"], "files destination")),
            ),
            other => panic!("files entry {other}"),
        };
        // A glob (`"public/**/*"`) must at least name an existing directory.
        let fixed = source.split(['*', '?', '[']).next().unwrap_or_default();
        let path = workspace().join(fixed);
        assert!(
            path.exists(),
            "files source `{source}` does not exist ({})",
            path.display()
        );
        if let Some(destination) = destination {
            assert!(
                destination.starts_with('/'),
                "files destination `{destination}` must be absolute"
            );
        }
    }
}

#[test]
fn environment_holds_valid_settings_and_root_is_the_mount_point() {
    for spec in &MANIFESTS {
        environment_and_root(spec);
    }
}

fn environment_and_root(spec: &Manifest) {
    let manifest = spec.parse();
    let (id, component) = routed_component(&manifest);
    let environment = component
        .get("environment")
        .map(|e| table(e, "environment"))
        .cloned()
        .unwrap_or_default();

    // The component's own parser: every key must be one it reads, and no
    // value may be rejected (it would warn and fall back to the default).
    let looked_up = RefCell::new(Vec::new());
    let (settings, warnings) = Settings::from_lookup(|name| {
        looked_up.borrow_mut().push(name.to_string());
        environment.get(name).map(|v| string(v, name).to_string())
    });
    let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.is_empty(),
        "[component.{id}] environment: {warnings:?}"
    );
    for key in environment.keys() {
        assert!(
            looked_up.borrow().contains(key),
            "environment `{key}` is not a setting of the component"
        );
    }
    // Spin passes the path below the route in spin-path-info; the component
    // reads it only when told the host sets it.
    assert_eq!(
        settings.path_source,
        PathSource::SpinPathInfo,
        "[component.{id}] must set PATH_SOURCE = \"spin-path-info\""
    );

    // Spin mounts `files` where `destination` says; the component serves the
    // preopen whose path is ROOT (default /).
    let mounts: Vec<&str> = component["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry.get("destination").and_then(Value::as_str))
        .collect();
    for destination in mounts {
        let normalized = match destination.trim_end_matches('/') {
            "" => "/",
            trimmed => trimmed,
        };
        assert_eq!(
            settings.root, normalized,
            "files are mounted at `{destination}`: set ROOT to it"
        );
    }
}
