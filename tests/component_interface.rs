//! The components' worlds, as hosts see them: the export names hosts look
//! for (Spin 2.2+ for the 0.2 build; `wasmtime serve` and Spin 4 for the 0.3
//! build), and no import that a file server has no business with.

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

#[test]
fn exports_incoming_handler_0_2_0() {
    let (_, exports) = names(host_test::FILESERVER_COMPONENT);
    assert_eq!(exports, ["wasi:http/incoming-handler@0.2.0"]);
}

#[test]
fn imports_no_sockets_and_no_outgoing_http() {
    let (imports, _) = names(host_test::FILESERVER_COMPONENT);
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem/preopens@")),
        "{imports:?}"
    );
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:http/types@0.2.")),
        "{imports:?}"
    );
    for import in &imports {
        assert!(
            !import.starts_with("wasi:sockets/"),
            "unexpected import {import}"
        );
        assert!(
            !import.starts_with("wasi:http/outgoing-handler"),
            "unexpected import {import}"
        );
    }
}

#[test]
fn p3_build_exports_only_handler_0_3() {
    let (_, exports) = names(host_test::P3_COMPONENT);
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert!(
        exports[0].starts_with("wasi:http/handler@0.3."),
        "{exports:?}"
    );
}

#[test]
fn p3_build_imports_wasi_0_3_and_no_sockets_or_outgoing_http() {
    let (imports, _) = names(host_test::P3_COMPONENT);
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem/preopens@0.3.")),
        "{imports:?}"
    );
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:http/types@0.3.")),
        "{imports:?}"
    );
    for import in &imports {
        assert!(
            !import.starts_with("wasi:sockets/"),
            "unexpected import {import}"
        );
        assert!(
            !import.starts_with("wasi:http/client"),
            "unexpected import {import}"
        );
        assert!(
            !import.starts_with("wasi:http/incoming-handler"),
            "unexpected import {import}"
        );
    }
}
