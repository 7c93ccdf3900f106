//! A wasmtime host for testing wasi-fileserver: runs the component per
//! request with a memory-recording limiter, exposes the response body to
//! client models, and serves it over real HTTP (`serve`).
//!
//! Everything is implemented in `host-test-core` (`core/`) and re-exported
//! here; this crate's build script builds the components, so depending on
//! `host-test` guarantees they are current.

pub use host_test_core::*;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// build.rs reports where it put the components; the library's constants
    /// (fixed paths under `target/wasm-components`) must name the same files.
    #[test]
    fn component_constants_name_the_files_build_rs_built() {
        for (constant, built) in [
            (
                super::FILESERVER_COMPONENT,
                env!("WASI_FILESERVER_COMPONENT"),
            ),
            (super::NAIVE_COMPONENT, env!("NAIVE_FILESERVER_COMPONENT")),
        ] {
            assert_eq!(
                Path::new(constant).canonicalize().unwrap(),
                Path::new(built).canonicalize().unwrap()
            );
        }
    }
}
