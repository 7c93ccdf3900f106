//! wasi-fileserver for WASI 0.3: exports `wasi:http/handler@0.3.x`.
//!
//! Everything that decides what to answer (path, ranges, conditionals,
//! negotiation, listings) is the root crate's, shared with the WASI 0.2 build;
//! this crate is only the glue: read the request, answer `stat` for `decide`,
//! open files, and move body bytes (`relay`).

// With the `rc-2026-03-15` feature the name `wasip3` means wasip3 0.6.0 (WASI
// 0.3.0-rc-2026-03-15) everywhere in this crate: an `extern crate` at the root
// takes precedence over the dependency of that name (0.10, WASI 0.3.2), which
// is then never loaded. Every `use wasip3::...` stays as it is.
#[cfg(all(target_arch = "wasm32", feature = "rc-2026-03-15"))]
extern crate wasip3_rc as wasip3;

/// `spawn!(future)` runs `future` after the exported function has returned, in
/// the task of the export that called it (the body of a response).
/// wit-bindgen 0.63 (wasip3 0.10) calls this `spawn_local` and returns a handle
/// that detaches the task when dropped; wit-bindgen 0.57 (wasip3 0.6) calls it
/// `spawn`. A macro, not a function, so that the default build is the very
/// code it was before the feature existed.
#[cfg(all(target_arch = "wasm32", not(feature = "rc-2026-03-15")))]
macro_rules! spawn {
    ($future:expr) => {
        wasip3::wit_bindgen::spawn_local($future)
    };
}
#[cfg(all(target_arch = "wasm32", feature = "rc-2026-03-15"))]
macro_rules! spawn {
    ($future:expr) => {
        wasip3::wit_bindgen::spawn($future)
    };
}

#[cfg(target_arch = "wasm32")]
mod fs;
#[cfg(target_arch = "wasm32")]
mod handler;
#[cfg(target_arch = "wasm32")]
mod relay;
#[cfg(target_arch = "wasm32")]
mod respond;
