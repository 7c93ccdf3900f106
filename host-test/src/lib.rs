//! A wasmtime host for testing wasi-fileserver: runs the component per
//! request with a memory-recording limiter, exposes the response body to
//! client models, and serves it over real HTTP (`serve`).
//!
//! Everything is implemented in `host-test-core` (`core/`) and re-exported
//! here; this crate's build script builds the components, so depending on
//! `host-test` guarantees they are current.
//!
//! # Embedding the file server in another Rust program
//!
//! This library is the reference embedding (wasmtime 48 with
//! wasmtime-wasi-http's `p2` host). Serving a directory over HTTP/1.1 takes a
//! few lines; [`Server::handle`] answers single requests without a socket:
//!
//! ```no_run
//! use host_test::{bind, read_all, Server, ServerConfig};
//!
//! #[tokio::main]
//! async fn main() -> anyhow::Result<()> {
//!     let config = ServerConfig::new("./public") // preopened read-only at `/`
//!         .component(host_test::FILESERVER_COMPONENT) // or any path to the .wasm
//!         .env("STALL_TIMEOUT", "30s") // the component's settings
//!         .max_memory(256 * 1024) // linear-memory cap per instance
//!         .reuse(1000); // up to 1000 requests per instance; omit for fresh ones
//!     let server = bind(config, "127.0.0.1:8080".parse()?).await?;
//!     println!("serving on http://{}/", server.local_addr);
//!     server.run_until(tokio::signal::ctrl_c()).await
//! }
//!
//! // One request, no socket: any `http::Request` whose body is a hyper `Body`.
//! async fn one_request(server: &Server) -> anyhow::Result<Vec<u8>> {
//!     let exchange = server.handle(host_test::get("/index.html")).await?;
//!     let (bytes, _summary) = read_all(exchange.body).await;
//!     let report = exchange.report.await; // peak linear memory, outcome, ...
//!     assert!(!report.outcome.is_trapped());
//!     Ok(bytes)
//! }
//! ```
//!
//! What it does with wasmtime-wasi-http, should you write your own host
//! (`core/src/server.rs` and `core/src/store_data.rs`, top to bottom):
//! a `Linker` with `wasmtime_wasi::p2::add_to_linker_async` (filesystem,
//! environment, stderr: `wasmtime serve -Scli`) and
//! `wasmtime_wasi_http::p2::add_only_http_to_linker_async`; a `ProxyPre`
//! from `instantiate_pre`; per request a `Store` whose data implements
//! `WasiView` and `WasiHttpView`, with the directory preopened read-only and
//! a `ResourceLimiter`; `new_incoming_request` and
//! `new_response_outparam_from_callback`; then `instantiate_async` (skipped
//! for a reused instance) and `call_handle`, in a task of its own, since the
//! handler returns only after the whole body has been written.
//!
//! A component that exports `wasi:http/handler@0.3.x` (the WASI 0.3 build,
//! [`P3_COMPONENT`]) runs too: the same `Linker` also gets
//! `wasmtime_wasi::p3::add_to_linker` and `wasmtime_wasi_http::p3::add_to_linker`
//! (the engine enables `wasm_component_model_async`), a `ServicePre` replaces
//! the `ProxyPre`, and the request runs inside `Store::run_concurrent`:
//! `Service::handle` returns the response, `Response::into_http` turns it into
//! an `http::Response`, and the store keeps running until the body has ended,
//! since the guest feeds it from tasks that run only while the store does.

pub use host_test_core::*;

mod cli_values;
pub mod process_memory;
/// `host-test serve`'s flags and its run, for the `host-test` binary and the
/// bench (which runs the server as a child process of its own).
pub mod serve_command;
pub mod server_process;

/// The WASI 0.3 build against WASI 0.3.0-rc-2026-03-15 (`p3-rc/`: exports
/// `wasi:http/handler@0.3.0-rc-2026-03-15`, for Spin 4.0.x and wasmtime
/// 43-45), where build.rs builds it. No host code uses it, only tests.
pub const P3_RC_COMPONENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../target/wasm-components/wasm32-wasip2/release/wasi_fileserver_p3_rc.wasm"
);

/// Which build of the file server, from the same sources: the WASI 0.2
/// component (`wasi:http/incoming-handler@0.2.0`, [`FILESERVER_COMPONENT`])
/// or the WASI 0.3 one (`wasi:http/handler@0.3.x`, [`P3_COMPONENT`]). The
/// integration tests run every behaviour test on each; the bench measures
/// each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Build {
    P2,
    P3,
}

impl Build {
    pub const ALL: [Build; 2] = [Build::P2, Build::P3];

    /// The component's path.
    pub fn component(self) -> &'static str {
        match self {
            Build::P2 => FILESERVER_COMPONENT,
            Build::P3 => P3_COMPONENT,
        }
    }

    /// "p2" or "p3".
    pub fn label(self) -> &'static str {
        match self {
            Build::P2 => "p2",
            Build::P3 => "p3",
        }
    }

    /// How the report ends a response without a body (HEAD, 304, ...). A
    /// WASIp3 response always has one (its `contents` stream is optional, its
    /// trailers are not) and wasmtime-wasi-http keeps `none` private: the
    /// host sees an empty body that finishes.
    pub fn bodiless(self) -> Outcome {
        match self {
            Build::P2 => Outcome::NoBody,
            Build::P3 => Outcome::Finished,
        }
    }
}

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
            (super::P3_COMPONENT, env!("WASI_FILESERVER_P3_COMPONENT")),
            (
                super::P3_RC_COMPONENT,
                env!("WASI_FILESERVER_P3_RC_COMPONENT"),
            ),
        ] {
            assert_eq!(
                Path::new(constant).canonicalize().unwrap(),
                Path::new(built).canonicalize().unwrap()
            );
        }
    }
}
