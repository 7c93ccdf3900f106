//! wasi-fileserver for WASI 0.3: exports `wasi:http/handler@0.3.2`.
//!
//! Everything that decides what to answer is the core's (`wasi-fileserver-core`,
//! the repository's `src/`), shared with the WASI 0.2 glue (`p2/`); this
//! crate only binds it to WASI 0.3: the exported handler, the filesystem
//! (`fs`), the response (`respond`) and the pump that moves body bytes.
//! `p3-rc/` builds these same files against WASI 0.3.0-rc-2026-03-15.

/// `spawn!(future)` runs `future` after the exported function has returned, in
/// the task of the export that called it (the body of a response).
/// wit-bindgen 0.63 (wasip3 0.10) calls this `spawn_local`; `p3-rc`'s
/// wit-bindgen 0.57 calls it `spawn`, the one difference between the two.
#[cfg(target_arch = "wasm32")]
macro_rules! spawn {
    ($future:expr) => {
        wasip3::wit_bindgen::spawn_local($future)
    };
}

#[cfg(target_arch = "wasm32")]
mod fs;
#[cfg(target_arch = "wasm32")]
mod handler;
#[cfg(target_arch = "wasm32")]
mod pump;
#[cfg(target_arch = "wasm32")]
mod respond;
