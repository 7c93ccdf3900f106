//! wasi-fileserver for WASI 0.3: exports `wasi:http/handler@0.3.x`.
//!
//! Everything that decides what to answer (path, ranges, conditionals,
//! negotiation, listings) is the root crate's, shared with the WASI 0.2 build;
//! this crate is only the glue: read the request, answer `stat` for `decide`,
//! open files, and move body bytes (`relay`).

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

#[cfg(target_arch = "wasm32")]
mod fs;
#[cfg(target_arch = "wasm32")]
mod handler;
#[cfg(target_arch = "wasm32")]
mod relay;
#[cfg(target_arch = "wasm32")]
mod respond;
