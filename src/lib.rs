//! wasi-fileserver: a static file server component for `wasi:http`.
//!
//! Everything but `wasi` is plain Rust that unit-tests natively: decide what to
//! answer (`plan`), render it (`reply`), and let the thin WASI layer open the
//! file and move the bytes under the response stream's backpressure.

// A panic in a component is a trap, and in an instance that runs several
// requests at once a trap ends all of them: nothing here may panic. Each
// exception is allowed where it occurs, with the reason.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation
    )
)]

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
pub mod rules;
pub mod segment;
pub mod uri_encoding;

#[cfg(all(target_arch = "wasm32", feature = "p2"))]
mod wasi;
