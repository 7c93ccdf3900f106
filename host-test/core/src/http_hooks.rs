//! The `WasiHttpHooks` of this host: how big the response-body channel is, and
//! no outgoing HTTP.
//!
//! wasmtime-wasi-http reads the two body settings when the guest creates an
//! outgoing body: the channel to hyper holds `buffer_chunks + 1` writes, and
//! `check-write` grants `chunk_size` bytes at a time. Both bound the host memory
//! a response can hold while the client is slow. A WASIp3 body has a channel
//! of one frame (not configurable) and copies at most `chunk_size` bytes of a
//! guest write per frame (wasmtime's default: 1 MiB, whatever the guest wrote).

use std::future::Future;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

#[derive(Debug, Clone, Copy)]
pub struct BodyChannelHooks {
    pub buffer_chunks: usize,
    pub chunk_size: usize,
}

type ErrorFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;

impl WasiHttpHooks for BodyChannelHooks {
    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        self.buffer_chunks
    }

    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        self.chunk_size
    }

    fn p3_outgoing_body_chunk_size(&mut self) -> usize {
        self.chunk_size
    }

    /// A file server has no business making requests; refusing them keeps the
    /// host free of a TLS stack.
    fn send_request(
        &mut self,
        _request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: ErrorFuture,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, ErrorFuture), Error>> + Send>
    {
        Box::new(async { Err(Error::HttpRequestDenied) })
    }
}
