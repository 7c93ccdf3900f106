//! The components' worlds, as hosts see them: the export names hosts look
//! for, the exact versions of every import (a host links a component only if
//! it has each of them; see docs/hosts.md), and no import that a file server
//! has no business with.
//!
//! Which hosts run which build (docs/hosts.md has the measurements):
//! - the WASI 0.2 build (`host_test::FILESERVER_COMPONENT`, exports
//!   `wasi:http/incoming-handler@0.2.0`): `wasmtime serve` 20 and newer,
//!   Spin 3.x and 4.x (Spin 2.2+ finds the export);
//! - the WASI 0.3.2 build (`host_test::P3_COMPONENT`, `wasi:http/handler@0.3.2`):
//!   wasmtime 46-48 (`wasmtime serve` 47/48), Spin main (4.1+, wasmtime 47);
//!   wasmtime 43-45 and so Spin 4.0.x refuse it;
//! - the WASI 0.3.0-rc-2026-03-15 build (`host_test::P3_RC_COMPONENT`, p3's
//!   `rc-2026-03-15` feature, `wasi:http/handler@0.3.0-rc-2026-03-15`):
//!   wasmtime 43-45, Spin 4.0.x; wasmtime 46+ refuse it (a pre-release version
//!   matches only itself).
//!
//! The WASI 0.2 imports of all three are pinned to the 0.2 family, not to a
//! patch version: Rust's std for wasm32-wasip2 brings its own, merged with
//! the crate's at the newest version, so the patch follows the toolchain
//! (rustc 1.95: `@0.2.6`, `wasi:http/types@0.2.4`; 1.99: `@0.2.12`), and hosts
//! link any 0.2.x semver-compatibly (wasmtime 19+).

use wasmtime::component::Component;
use wasmtime::{Config, Engine};

fn names(path: &str) -> (Vec<String>, Vec<String>) {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.wasm_component_model_async(true);
    let engine = Engine::new(&config).unwrap();
    let component = Component::from_file(&engine, path).unwrap();
    let ty = component.component_type();
    let imports = ty
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let exports = ty
        .exports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    (imports, exports)
}

/// Imports a file server has no business with (no network of its own, no
/// outgoing requests): a policy that outlives the pinned lists below.
const NEVER_IMPORTED: [&str; 3] = [
    "wasi:sockets/",
    "wasi:http/outgoing-handler",
    "wasi:http/client",
];

#[test]
fn no_build_imports_sockets_or_outgoing_http() {
    for component in [
        host_test::FILESERVER_COMPONENT,
        host_test::P3_COMPONENT,
        host_test::P3_RC_COMPONENT,
    ] {
        let (imports, _) = names(component);
        assert!(
            imports
                .iter()
                .any(|i| i.starts_with("wasi:filesystem/preopens@")),
            "{component}: {imports:?}"
        );
        for import in &imports {
            assert!(
                !NEVER_IMPORTED.iter().any(|never| import.starts_with(never)),
                "{component} imports {import}"
            );
        }
    }
}

/// What Rust's std imports on wasm32-wasip2, in every build (by family).
const STD_WASI_0_2: [&str; 15] = [
    "wasi:cli/environment@0.2",
    "wasi:cli/exit@0.2",
    "wasi:cli/stderr@0.2",
    "wasi:cli/stdin@0.2",
    "wasi:cli/stdout@0.2",
    "wasi:cli/terminal-input@0.2",
    "wasi:cli/terminal-output@0.2",
    "wasi:cli/terminal-stderr@0.2",
    "wasi:cli/terminal-stdin@0.2",
    "wasi:cli/terminal-stdout@0.2",
    "wasi:clocks/monotonic-clock@0.2",
    "wasi:clocks/wall-clock@0.2",
    "wasi:io/error@0.2",
    "wasi:io/poll@0.2",
    "wasi:io/streams@0.2",
];

/// The WASI 0.3 interfaces the 0.3 builds import, without their version.
const WASI_0_3_IMPORTS: [&str; 7] = [
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/system-clock",
    "wasi:clocks/types",
    "wasi:filesystem/preopens",
    "wasi:filesystem/types",
    "wasi:http/types",
    "wasi:random/random",
];

/// `wasi:io/poll@0.2.6` -> `wasi:io/poll@0.2`: the family a host links.
fn family(import: &str) -> String {
    match import.split_once("@0.2.") {
        Some((name, _patch)) => format!("{name}@0.2"),
        None => import.to_string(),
    }
}

/// Asserts the component's exports and imports are exactly these (in any
/// order; WASI 0.2 imports by family).
fn assert_world(component: &str, exports: &[&str], imports: &[String]) {
    let (actual_imports, actual_exports) = names(component);
    assert_eq!(actual_exports, exports, "exports of {component}");
    let mut actual: Vec<String> = actual_imports.iter().map(|i| family(i)).collect();
    actual.sort();
    let mut expected: Vec<String> = imports.to_vec();
    expected.sort();
    assert_eq!(actual, expected, "imports of {component}");
}

/// wasmtime 20+ (`wasmtime serve -Scli --dir`), Spin 3.x and 4.x: the 0.2.x
/// imports link semver-compatibly on any host with WASI 0.2.x (wasmtime 19+).
#[test]
fn p2_build_world_is_pinned() {
    let mut imports: Vec<String> = STD_WASI_0_2.iter().map(|i| i.to_string()).collect();
    imports.extend(
        [
            "wasi:filesystem/preopens@0.2",
            "wasi:filesystem/types@0.2",
            "wasi:http/types@0.2",
            "wasi:random/random@0.2",
        ]
        .map(String::from),
    );
    assert_world(
        host_test::FILESERVER_COMPONENT,
        &["wasi:http/incoming-handler@0.2.0"],
        &imports,
    );
}

fn p3_imports(version: &str) -> Vec<String> {
    let mut imports: Vec<String> = STD_WASI_0_2.iter().map(|i| i.to_string()).collect();
    imports.extend(WASI_0_3_IMPORTS.map(|i| format!("{i}@{version}")));
    imports
}

/// wasmtime 46-48 (`wasmtime serve` 47/48 with `-Scli`), Spin main (4.1+,
/// wasmtime 47): hosts of WASI 0.3.0 link 0.3.2 semver-compatibly. Not
/// wasmtime 43-45 / Spin 4.0.x (see the rc build).
#[test]
fn p3_build_world_is_pinned() {
    assert_world(
        host_test::P3_COMPONENT,
        &["wasi:http/handler@0.3.2"],
        &p3_imports("0.3.2"),
    );
}

/// wasmtime 43-45 (`wasmtime serve -Scli -Sp3 -Wcomponent-model-async`),
/// Spin 4.0.x, which looks for exactly this export. A pre-release version
/// matches only itself: wasmtime 46+ refuse this build.
#[test]
fn p3_rc_build_world_is_pinned() {
    assert_world(
        host_test::P3_RC_COMPONENT,
        &["wasi:http/handler@0.3.0-rc-2026-03-15"],
        &p3_imports("0.3.0-rc-2026-03-15"),
    );
}
