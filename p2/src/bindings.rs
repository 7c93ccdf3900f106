//! Bindings generated from `wit/` (WASI 0.2.0), so the export is
//! `wasi:http/incoming-handler@0.2.0` whatever std imports.

wit_bindgen::generate!({
    path: "../wit",
    world: "fileserver",
    generate_all,
});
