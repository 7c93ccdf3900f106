//! wasi-fileserver for WASI 0.3: exports `wasi:http/handler@0.3.x`.
//!
//! Everything that decides what to answer (path, ranges, conditionals,
//! negotiation, listings) is the root crate's, shared with the WASI 0.2 build;
//! this crate is only the glue: read the request, answer `stat` for `decide`,
//! open files, and move body bytes (`relay`).

#[cfg(target_arch = "wasm32")]
mod fs;
#[cfg(target_arch = "wasm32")]
mod handler;
#[cfg(target_arch = "wasm32")]
mod relay;
#[cfg(target_arch = "wasm32")]
mod respond;
