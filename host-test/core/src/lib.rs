//! A wasmtime host for testing wasi-fileserver: runs the component per
//! request with a memory-recording limiter, exposes the response body to
//! client models, and serves it over real HTTP (`serve`).
//!
//! Use it through `host-test`, which re-exports all of this and builds the
//! components that `FILESERVER_COMPONENT` and `NAIVE_COMPONENT` point at.

pub mod accept;
pub mod access_log;
mod call_failure;
pub mod client;
mod component_cache;
mod concurrent_instances;
pub mod config;
pub mod exchange;
mod file_stream;
mod guest_stderr;
pub mod host_calls;
mod host_header;
mod http_hooks;
mod linking;
pub mod listener;
pub mod log_format;
pub mod memory_recorder;
mod metrics;
mod metrics_endpoint;
pub mod one_frame_in_flight;
mod p3_request;
pub mod report;
pub mod request;
pub mod response_body;
mod sequential_instances;
pub mod server;
mod store_data;
mod utc_time;
pub mod write_deadline;

/// The fileserver component, where host-test's build.rs builds it.
pub const FILESERVER_COMPONENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/wasm-components/wasm32-wasip2/release/wasi_fileserver.wasm"
);
/// The fileserver's WASI 0.3 build (`p3/`, exports `wasi:http/handler@0.3.x`).
pub const P3_COMPONENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/wasm-components/wasm32-wasip2/release/wasi_fileserver_p3.wasm"
);
/// The naive fixture (reads the whole file into memory), built there too.
pub const NAIVE_COMPONENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/wasm-components/wasm32-wasip2/release/naive_fileserver.wasm"
);

pub use client::{
    read_all, read_hash, read_slow, read_then_drop, read_then_stall, ReadSummary, StreamEnd,
};
pub use config::ServerConfig;
pub use exchange::Exchange;
pub use linking::{handler_kind, HandlerKind};
pub use listener::{bind, RunningServer};
pub use log_format::LogFormat;
pub use report::{Outcome, Report, ReportHandle};
pub use request::{get, request};
pub use response_body::{ResponseBody, ResponseBodyError};
pub use server::Server;
