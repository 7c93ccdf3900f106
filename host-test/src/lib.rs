//! A wasmtime host for testing wasi-fileserver: runs the component per
//! request with a memory-recording limiter, exposes the response body to
//! client models, and serves it over real HTTP (`serve`).

pub mod client;
mod component_cache;
pub mod config;
pub mod exchange;
mod http_hooks;
pub mod memory_recorder;
pub mod report;
pub mod request;
pub mod response_body;
pub mod serve;
pub mod server;
mod store_data;

/// The fileserver component, built by build.rs for wasm32-wasip2.
pub const FILESERVER_COMPONENT: &str = env!("WASI_FILESERVER_COMPONENT");
/// The naive fixture (reads the whole file into memory), built by build.rs.
pub const NAIVE_COMPONENT: &str = env!("NAIVE_FILESERVER_COMPONENT");

pub use client::{read_all, read_hash, read_slow, read_then_drop, read_then_stall, ReadSummary, StreamEnd};
pub use config::ServerConfig;
pub use exchange::Exchange;
pub use report::{Outcome, Report, ReportHandle};
pub use request::{get, request};
pub use response_body::{ResponseBody, ResponseBodyError};
pub use serve::{bind, RunningServer};
pub use server::Server;
