//! A real HTTP/1.1 server around `Server`: one fresh instance per request
//! (or reused instances, with `ServerConfig::reuse`, several requests at once
//! with `concurrent_reuse`), one log line per
//! request once its instance is gone or idle again.
//!
//! Per-connection host memory is kept low: hyper takes the body one frame at
//! a time (`OneFrameInFlight`), its buffers are capped at `MAX_BUF_SIZE`
//! (which also limits request heads: hyper answers 431 before the component
//! sees a larger one, so the guest never copies a huge head into its linear
//! memory), and the body channel is the `ServerConfig`'s.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use http::{Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use crate::accept::accept_connection_from;
use crate::access_log::AccessLog;
use crate::config::ServerConfig;
use crate::guest_stderr::GuestStderr;
use crate::host_header::host_fault;
use crate::log_format::{Ending, InstanceNaming, LoggedRequest};
use crate::metrics::Metrics;
use crate::metrics_endpoint;
use crate::one_frame_in_flight::OneFrameInFlight;
use crate::report::Report;
use crate::response_body::ResponseBody;
use crate::server::Server;
use crate::write_deadline::WriteDeadline;

/// hyper's read and write buffer cap per connection (its minimum is 8 KiB).
pub const MAX_BUF_SIZE: usize = 16 * 1024;
/// How long in-flight requests may run on after a stop was requested.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A server accepting connections in the background: on the caller's runtime
/// (`ServerConfig::threads` = 1), or on threads of its own, each with its
/// own runtime, listener and instances.
pub struct RunningServer {
    pub local_addr: SocketAddr,
    /// Where `GET /metrics` is answered (`ServerConfig::metrics`).
    pub metrics_addr: Option<SocketAddr>,
    stop: watch::Sender<Option<Duration>>,
    /// One result per accept loop, when it ends.
    ended: mpsc::UnboundedReceiver<anyhow::Result<()>>,
    loops: usize,
}

/// Compiles the component, binds `addr` (port 0 picks a free one) and starts
/// serving. The address actually bound is in `local_addr`; with
/// `ServerConfig::metrics`, the metrics listener's in `metrics_addr`.
pub async fn bind(config: ServerConfig, addr: SocketAddr) -> anyhow::Result<RunningServer> {
    let threads = config.threads.max(1);
    let config_for_compile = config.clone();
    // One for every thread's instances: a component's warning is said once.
    let stderr = GuestStderr::default();
    let stderr_for_compile = stderr.clone();
    let metrics = config.metrics.map(|_| Metrics::new());
    let metrics_for_compile = metrics.clone();
    // Compiled (and cached for the threads) before anything listens, so that a
    // bad component fails `bind`.
    let server = tokio::task::spawn_blocking(move || {
        Server::sharing(config_for_compile, stderr_for_compile, metrics_for_compile)
    })
    .await
    .context("compiling the component")??;
    let mut listeners = bind_listeners(addr, threads)?;
    let local_addr = listeners
        .first()
        .context("no listener")?
        .local_addr()
        .context("the listener's address")?;
    let (stop, stop_rx) = watch::channel(None);
    let (ended_tx, ended) = mpsc::unbounded_channel();
    let metrics_addr = match (config.metrics, &metrics) {
        (Some(metrics_addr), Some(metrics)) => {
            let listener = metrics_endpoint::bind(metrics_addr).await?;
            let bound = listener
                .local_addr()
                .context("the metrics listener's address")?;
            tokio::spawn(metrics_endpoint::serve(
                listener,
                metrics.clone(),
                stop_rx.clone(),
            ));
            Some(bound)
        }
        _ => None,
    };
    // One count of requests in flight for the whole server, over its threads.
    let slots = config
        .max_concurrent_requests
        .map(|max| Arc::new(Semaphore::new(max)));
    if threads == 1 {
        let listener = TcpListener::from_std(listeners.remove(0))?;
        tokio::spawn(async move {
            let _ = ended_tx.send(accept_loop(server, slots, listener, stop_rx, None).await);
        });
    } else {
        drop(server);
        for (number, listener) in listeners.into_iter().enumerate() {
            let config = config.clone();
            let slots = slots.clone();
            let stop_rx = stop_rx.clone();
            let ended_tx = ended_tx.clone();
            let shared = (stderr.clone(), metrics.clone());
            std::thread::Builder::new()
                .name(format!("serve-{number}"))
                .spawn(move || {
                    let _ = ended_tx.send(serve_on_this_thread(
                        config, shared, slots, listener, stop_rx, number,
                    ));
                })
                .context("starting a serving thread")?;
        }
    }
    Ok(RunningServer {
        local_addr,
        metrics_addr,
        stop,
        ended,
        loops: threads,
    })
}

/// `threads` listeners on `addr`: one, or several sharing the port
/// (`SO_REUSEPORT`, the kernel spreads connections over them).
fn bind_listeners(addr: SocketAddr, threads: usize) -> anyhow::Result<Vec<std::net::TcpListener>> {
    let mut listeners = Vec::with_capacity(threads);
    let mut addr = addr;
    for _ in 0..threads {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::STREAM,
            None,
        )?;
        socket.set_reuse_address(true)?;
        if threads > 1 {
            socket.set_reuse_port(true)?;
        }
        socket.set_nonblocking(true)?;
        socket
            .bind(&addr.into())
            .with_context(|| format!("binding {addr}"))?;
        socket.listen(1024)?;
        let listener: std::net::TcpListener = socket.into();
        // Port 0: the others take the port the first one got.
        addr = listener.local_addr()?;
        listeners.push(listener);
    }
    Ok(listeners)
}

/// One serving thread: a single-threaded runtime running its own `Server`
/// (the component is compiled already) and accept loop, so that a
/// connection, its instance and its body never cross threads.
fn serve_on_this_thread(
    config: ServerConfig,
    (stderr, metrics): (GuestStderr, Option<Metrics>),
    slots: Option<Arc<Semaphore>>,
    listener: std::net::TcpListener,
    stop: watch::Receiver<Option<Duration>>,
    thread: usize,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a serving thread's runtime")?;
    runtime.block_on(async move {
        let server = Server::sharing(config, stderr, metrics)?;
        let listener = TcpListener::from_std(listener)?;
        accept_loop(server, slots, listener, stop, Some(thread)).await
    })
}

impl RunningServer {
    /// Stops accepting, gives in-flight requests `DEFAULT_SHUTDOWN_GRACE`,
    /// then drops the remaining connections.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.shutdown_with_grace(DEFAULT_SHUTDOWN_GRACE).await
    }

    pub async fn shutdown_with_grace(mut self, grace: Duration) -> anyhow::Result<()> {
        let _ = self.stop.send(Some(grace));
        let mut first_error = Ok(());
        for _ in 0..self.loops {
            match self.ended.recv().await {
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    if first_error.is_ok() {
                        first_error = Err(error);
                    }
                }
                None => return Err(anyhow::anyhow!("an accept loop panicked")),
            }
        }
        first_error
    }

    /// Serves until `signal` completes (e.g. `tokio::signal::ctrl_c()`), then
    /// shuts down gracefully; returns early if an accept loop fails.
    pub async fn run_until<F: Future>(mut self, signal: F) -> anyhow::Result<()> {
        tokio::select! {
            _ = signal => {}
            ended = self.ended.recv() => {
                self.loops = self.loops.saturating_sub(1);
                let result = ended.unwrap_or_else(|| Err(anyhow::anyhow!("an accept loop panicked")));
                self.shutdown().await?;
                return result;
            }
        }
        self.shutdown().await
    }
}

async fn accept_loop(
    server: Server,
    slots: Option<Arc<Semaphore>>,
    listener: TcpListener,
    mut stop: watch::Receiver<Option<Duration>>,
    thread: Option<usize>,
) -> anyhow::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let header_read_timeout = server.config().header_read_timeout;
    let write_timeout = server.config().write_timeout;
    let stalls = server.metrics().map(Metrics::stalled_connections);
    let log = AccessLog::start();
    let grace = loop {
        // Reap finished connection tasks so the set does not grow for ever.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            // A stop request, or the `RunningServer` was dropped.
            _ = stop.changed() => break stop.borrow().unwrap_or(DEFAULT_SHUTDOWN_GRACE),
            accepted = accept_connection_from(&listener) => accepted,
        };
        let remote = peer.ip();
        let server = server.clone();
        let slots = slots.clone();
        let mut builder = http1::Builder::new();
        // hyper's buffer bounds the head it reads (431 beyond), and its
        // minimum is 8 KiB.
        let head_limit = server
            .config()
            .max_request_head
            .map_or(MAX_BUF_SIZE, |limit| limit.max(8 * 1024));
        builder.max_buf_size(head_limit).keep_alive(true);
        if let Some(limit) = header_read_timeout {
            // A client that trickles its head (slowloris) loses the connection.
            builder.timer(TokioTimer::new()).header_read_timeout(limit);
        }
        let log = log.clone();
        // hyper takes each body one frame at a time: a client that stops
        // reading holds one frame here, not hyper's whole write queue.
        let service = service_fn(move |request| {
            let answered = answer(
                server.clone(),
                slots.clone(),
                thread,
                log.clone(),
                remote,
                request,
            );
            async move { Ok::<_, Infallible>(answered.await?.map(OneFrameInFlight::new)) }
        });
        // Client resets, aborted bodies and write timeouts end up here:
        // nothing to do.
        match write_timeout {
            Some(limit) => {
                let io = WriteDeadline::new(stream, limit).counting_stalls(stalls.clone());
                let io = TokioIo::new(io);
                let connection = graceful.watch(builder.serve_connection(io, service));
                connections.spawn(async move { drop(connection.await) });
            }
            None => {
                let io = TokioIo::new(stream);
                let connection = graceful.watch(builder.serve_connection(io, service));
                connections.spawn(async move { drop(connection.await) });
            }
        }
    };
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "{} connection(s) still busy after {grace:?}; dropping them",
            connections.len()
        );
    }
    connections.shutdown().await;
    log.flush();
    Ok(())
}

/// Runs one request and schedules its log line (and, with metrics, counts it).
async fn answer(
    server: Server,
    slots: Option<Arc<Semaphore>>,
    thread: Option<usize>,
    log: AccessLog,
    remote: IpAddr,
    request: hyper::Request<Incoming>,
) -> Result<Response<ResponseBody>, Infallible> {
    let received = Instant::now();
    let format = server.config().log_format;
    let facts = LoggedRequest::of(&request, remote, format);
    let metrics = server.metrics().cloned();
    // Held until the response has ended (the report comes).
    let in_flight = metrics.as_ref().map(Metrics::request_started);
    let refuse = |status: StatusCode, why: &str| {
        let ending = Ending::Refused {
            status: status.as_u16(),
            why,
        };
        log.record(|out| facts.write(format, &ending, received.elapsed(), out));
        if let Some(metrics) = &metrics {
            metrics.request_answered(status.as_u16(), 0);
        }
        let mut response = Response::new(ResponseBody::empty());
        *response.status_mut() = status;
        response
    };
    if let Some(fault) = host_fault(&request) {
        return Ok(refuse(StatusCode::BAD_REQUEST, fault.reason()));
    }
    // Held until the instance is gone, so it counts requests, not heads.
    let slot = match slots.map(Semaphore::try_acquire_owned) {
        Some(Err(_)) => {
            let mut response = refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "max concurrent requests reached",
            );
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
            return Ok(response);
        }
        Some(Ok(slot)) => Some(slot),
        None => None,
    };
    let instance = InstanceNaming {
        thread,
        reuse: server.config().reuse.is_some(),
        concurrent: server.config().concurrent_reuse.is_some(),
    };
    // Probes of the component's HEALTH_PATH would fill the log: their
    // answers are not logged unless they are not 200.
    let probe = server.health_path() == Some(request.uri().path());
    // The log line is written when the report comes (the instance gone or
    // idle again, the body ended), by whoever delivers it: no task waits.
    let log_of_errors = log.clone();
    let log_line = move |report: Report| {
        drop(slot);
        drop(in_flight);
        if let Some(metrics) = &metrics {
            metrics.request_answered(report.status, report.body_bytes);
        }
        if probe && report.status == 200 {
            return;
        }
        let ending = Ending::Served {
            report: &report,
            instance,
        };
        log.record(|out| facts.write(format, &ending, received.elapsed(), out));
    };
    match server.handle_reporting(request, log_line).await {
        Ok(response) => Ok(response),
        Err(error) => {
            log_of_errors.line(format_args!("host error: {error:#}"));
            let mut response = Response::new(ResponseBody::empty());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            Ok(response)
        }
    }
}
