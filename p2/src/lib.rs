//! wasi-fileserver for WASI 0.2: exports `wasi:http/incoming-handler@0.2.0`.
//!
//! Everything that decides what to answer is the core's (`wasi-fileserver-core`,
//! the repository's `src/`), shared with the WASI 0.3 glue (`p3/`); this
//! crate only binds it to WASI 0.2: the exported handler, the filesystem
//! (`fs`), the response (`respond`) and the pump that moves body bytes.

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod fs;
#[cfg(target_arch = "wasm32")]
mod handler;
#[cfg(target_arch = "wasm32")]
mod pump;
#[cfg(target_arch = "wasm32")]
mod respond;
