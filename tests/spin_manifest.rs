//! spin.toml stays runnable: its `source` is the file the build produces, its
//! `files` exist, its environment holds valid settings, and the mount point
//! agrees with ROOT. (Spin itself is not installed here; the export name Spin
//! looks for is checked in tests/component_interface.rs.)

use std::cell::RefCell;
use std::path::Path;

use toml::{Table, Value};
use wasi_fileserver::config::Settings;

const WASM_TARGET: &str = "wasm32-wasip2";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> Table {
    let text = std::fs::read_to_string(workspace().join("spin.toml"))
        .expect("spin.toml at the workspace root");
    text.parse().unwrap_or_else(|e| panic!("spin.toml: {e}"))
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
    let manifest = manifest();
    assert_eq!(manifest["spin_manifest_version"].as_integer(), Some(2));
    let (id, component) = routed_component(&manifest);

    // `cargo build --release --target wasm32-wasip2` writes
    // target/wasm32-wasip2/release/<crate name>.wasm; host-test builds the same
    // artifact under target/wasm-components/ (FILESERVER_COMPONENT).
    let artifact = format!("{}.wasm", env!("CARGO_PKG_NAME").replace('-', "_"));
    let expected = format!("target/{WASM_TARGET}/release/{artifact}");
    assert_eq!(
        string(&component["source"], "source"),
        expected,
        "[component.{id}] source"
    );
    let built = Path::new(host_test::FILESERVER_COMPONENT);
    assert!(
        built.ends_with(Path::new(WASM_TARGET).join("release").join(&artifact)),
        "host-test builds {} but spin.toml expects {expected}",
        built.display()
    );
    let build = table(&component["build"], "[component.build]");
    assert_eq!(
        string(&build["command"], "build command"),
        format!("cargo build --release --target {WASM_TARGET}"),
        "the build command must produce `source`"
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
    let manifest = manifest();
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
