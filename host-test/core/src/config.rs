//! How a `Server` runs the component: which one, which directory it sees, its
//! environment, the response-body channel and the memory cap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::host_calls::HostCalls;
use crate::log_format::LogFormat;

/// Writes buffered between the guest and hyper beyond the one in flight.
pub const DEFAULT_BODY_BUFFER_CHUNKS: usize = 1;
/// Largest write `check-write` grants. wasmtime's default is 1 MiB, which would
/// let a guest that writes what it is granted allocate 1 MiB per write.
pub const DEFAULT_BODY_CHUNK_SIZE: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The component to run (default: the fileserver built by build.rs).
    pub component: PathBuf,
    /// Host directory preopened read-only.
    pub dir: PathBuf,
    /// Where the guest sees `dir` (default "/").
    pub guest_path: String,
    /// Environment variables for the guest (STALL_TIMEOUT, CHUNK_SIZE, ...).
    pub env: Vec<(String, String)>,
    /// `WasiHttpHooks::p2_outgoing_body_buffer_chunks`.
    pub body_buffer_chunks: usize,
    /// `WasiHttpHooks::p2_outgoing_body_chunk_size` and
    /// `p3_outgoing_body_chunk_size`: the largest frame a body write becomes.
    pub body_chunk_size: usize,
    /// Linear-memory cap in bytes; growth beyond it is refused.
    pub max_memory: Option<usize>,
    /// Instance reuse: `Some(n)` lets one instance serve up to `n` requests,
    /// one after another, as `wasmtime serve --max-instance-reuse-count n`
    /// does. `None` (the default): a fresh instance for every request.
    pub reuse: Option<u32>,
    /// Concurrent reuse, WASIp3 components only: `Some(k)` lets one instance
    /// run up to `k` of its `reuse` requests at once, taking new ones while
    /// others are still in flight, as `wasmtime serve
    /// --max-instance-concurrent-reuse-count k` does (16 there by default for
    /// WASIp3). Needs `reuse`; `Server::new` rejects it for a WASIp2
    /// component, whose handler cannot be called concurrently. `None` (the
    /// default): one request at a time per instance.
    pub concurrent_reuse: Option<u32>,
    /// Per-request deadline: the instance is dropped when a request runs
    /// longer (a guest blocked in `poll` has no other way out). With
    /// `concurrent_reuse` that ends the other requests in flight in the same
    /// instance too, as `wasmtime serve -W timeout` does.
    pub request_timeout: Option<Duration>,
    /// `serve`: requests running at once; more are answered 503 at once.
    pub max_concurrent_requests: Option<usize>,
    /// `serve`: time a client has to send a whole request head (slowloris).
    pub header_read_timeout: Option<Duration>,
    /// `serve`: a connection whose client takes no bytes for this long while
    /// a response waits for it is closed (`write_deadline.rs`): the host's
    /// stall timeout, which a component set to `STALL_TIMEOUT=host` relies on.
    pub write_timeout: Option<Duration>,
    /// The largest request head (request line and header fields) passed to
    /// the component; larger ones get 431 from the host, on every path
    /// (`Server::handle` counts it; `serve`'s hyper buffer is this size too).
    /// `None` passes heads of any size, as far as the caller's HTTP stack does.
    pub max_request_head: Option<usize>,
    /// Bytes read from a file at a time when the host itself consumes a
    /// WASI 0.3 file stream (a whole file handed over as the body): the
    /// size of the frames such a body becomes, and what a stalled download
    /// holds of it (`file_stream.rs`).
    pub host_read: usize,
    /// `serve`: threads that accept and serve connections, each with its
    /// own single-threaded runtime, listener (the port shared with
    /// `SO_REUSEPORT`) and instances, so that a request never crosses
    /// threads. 1: everything on the caller's runtime.
    pub threads: usize,
    /// Whether each instance counts its calls into the host
    /// (`Report::host_calls`); uncounted by default.
    pub host_calls: HostCalls,
    /// `serve`: how each request's access-log line is written.
    pub log_format: LogFormat,
    /// `serve`: where to answer `GET /metrics` (Prometheus text), on a
    /// listener of its own; port 0 picks a free one. `None`: no metrics.
    pub metrics: Option<SocketAddr>,
}

/// The default `host_read`.
pub const DEFAULT_HOST_READ: usize = 64 * 1024;

/// The default `max_request_head`: 16 KiB, as nginx's default for one header
/// line is 8 KiB and a whole head rarely needs more.
pub const DEFAULT_MAX_REQUEST_HEAD: usize = 16 * 1024;

impl ServerConfig {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            component: PathBuf::from(crate::FILESERVER_COMPONENT),
            dir: dir.into(),
            guest_path: "/".to_string(),
            env: Vec::new(),
            body_buffer_chunks: DEFAULT_BODY_BUFFER_CHUNKS,
            body_chunk_size: DEFAULT_BODY_CHUNK_SIZE,
            max_memory: None,
            reuse: None,
            concurrent_reuse: None,
            request_timeout: None,
            max_concurrent_requests: None,
            header_read_timeout: None,
            write_timeout: None,
            max_request_head: Some(DEFAULT_MAX_REQUEST_HEAD),
            host_read: DEFAULT_HOST_READ,
            threads: 1,
            host_calls: HostCalls::Uncounted,
            log_format: LogFormat::default(),
            metrics: None,
        }
    }

    /// Adds (or replaces) one guest environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    pub fn component(mut self, path: impl Into<PathBuf>) -> Self {
        self.component = path.into();
        self
    }

    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.max_memory = Some(bytes);
        self
    }

    /// Lets each instance serve up to `max_requests` requests in turn (at
    /// least 1); see `reuse`.
    pub fn reuse(mut self, max_requests: u32) -> Self {
        self.reuse = Some(max_requests);
        self
    }

    /// Lets a WASIp3 instance run up to `max_in_flight` requests at once (at
    /// least 1; needs `reuse`); see `concurrent_reuse`.
    pub fn concurrent_reuse(mut self, max_in_flight: u32) -> Self {
        self.concurrent_reuse = Some(max_in_flight);
        self
    }

    pub fn request_timeout(mut self, limit: Duration) -> Self {
        self.request_timeout = Some(limit);
        self
    }

    pub fn max_concurrent_requests(mut self, max: usize) -> Self {
        self.max_concurrent_requests = Some(max);
        self
    }

    pub fn write_timeout(mut self, limit: Duration) -> Self {
        self.write_timeout = Some(limit);
        self
    }

    pub fn header_read_timeout(mut self, limit: Duration) -> Self {
        self.header_read_timeout = Some(limit);
        self
    }

    /// See `max_request_head`; `None` lifts the limit.
    pub fn max_request_head(mut self, bytes: Option<usize>) -> Self {
        self.max_request_head = bytes;
        self
    }

    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.log_format = format;
        self
    }

    pub fn host_read(mut self, bytes: usize) -> Self {
        self.host_read = bytes;
        self
    }

    pub fn guest_path(mut self, path: impl Into<String>) -> Self {
        self.guest_path = path.into();
        self
    }

    pub fn body_buffer_chunks(mut self, chunks: usize) -> Self {
        self.body_buffer_chunks = chunks;
        self
    }

    pub fn body_chunk_size(mut self, bytes: usize) -> Self {
        self.body_chunk_size = bytes;
        self
    }
}
