//! wasi-fileserver for WASI 0.3.0-rc-2026-03-15: exports
//! `wasi:http/handler@0.3.0-rc-2026-03-15`, the only WASI 0.3 that released
//! Spin 4.0.x (wasmtime 43-45) runs.
//!
//! The very files of `p3/src`, compiled against `wasip3` 0.6.0 (this crate's
//! `wasip3`): the two have the same API under other version strings, except
//! the name of `spawn` (below).

#[cfg(target_arch = "wasm32")]
macro_rules! spawn {
    ($future:expr) => {
        wasip3::wit_bindgen::spawn($future)
    };
}

#[cfg(target_arch = "wasm32")]
#[path = "../../p3/src/fs.rs"]
mod fs;
#[cfg(target_arch = "wasm32")]
#[path = "../../p3/src/handler.rs"]
mod handler;
#[cfg(target_arch = "wasm32")]
#[path = "../../p3/src/pump.rs"]
mod pump;
#[cfg(target_arch = "wasm32")]
#[path = "../../p3/src/respond.rs"]
mod respond;
