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

/// The output of a future that is ready when first polled, as every future
/// over WASI 0.2's blocking calls is; `None` if it is not (never expected).
#[cfg(target_arch = "wasm32")]
fn ready<T>(future: impl std::future::Future<Output = T>) -> Option<T> {
    use std::task::{Context, Poll, Waker};
    match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
