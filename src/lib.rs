//! wasi-fileserver: a static file server component for `wasi:http`.
//!
//! Everything but `wasi` is plain Rust that unit-tests natively: decide what to
//! answer (`plan`), render it (`reply`), and let the thin WASI layer open the
//! file and move the bytes under the response stream's backpressure.

pub mod config;
pub mod content_type;
pub mod file_lookup;
pub mod file_meta;
pub mod http_date;
pub mod listing;
pub mod manifest;
pub mod multipart;
pub mod plan;
pub mod rate_limit;
pub mod reply;
pub mod request;
pub mod root_preopen;
pub mod rules;
pub mod segment;
pub mod uri_encoding;
