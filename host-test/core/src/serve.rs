//! A real HTTP/1.1 server around `Server`: one fresh instance per request
//! (or reused instances, with `ServerConfig::reuse`, several requests at once
//! with `concurrent_reuse`), one log line per
//! request once its instance is gone or idle again.
//!
//! Per-connection host memory is kept low: hyper's buffers are capped at
//! `MAX_BUF_SIZE` (which also limits request heads: hyper answers 431 before
//! the component sees a larger one, so the guest never copies a huge head into
//! its linear memory), and the body channel is the `ServerConfig`'s.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
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
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::config::ServerConfig;
use crate::exchange::Exchange;
use crate::response_body::ResponseBody;
use crate::server::Server;

/// hyper's read and write buffer cap per connection (its minimum is 8 KiB).
pub const MAX_BUF_SIZE: usize = 16 * 1024;
/// How long in-flight requests may run on after a stop was requested.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A server accepting connections in a background task.
pub struct RunningServer {
    pub local_addr: SocketAddr,
    stop: watch::Sender<Option<Duration>>,
    accept_loop: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Compiles the component, binds `addr` (port 0 picks a free one) and starts
/// serving. The address actually bound is in `local_addr`.
pub async fn bind(config: ServerConfig, addr: SocketAddr) -> anyhow::Result<RunningServer> {
    let server = tokio::task::spawn_blocking(move || Server::new(config))
        .await
        .context("compiling the component")??;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local_addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(None);
    let accept_loop = tokio::spawn(accept_loop(server, listener, stop_rx));
    Ok(RunningServer {
        local_addr,
        stop,
        accept_loop,
    })
}

impl RunningServer {
    /// Stops accepting, gives in-flight requests `DEFAULT_SHUTDOWN_GRACE`,
    /// then drops the remaining connections.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.shutdown_with_grace(DEFAULT_SHUTDOWN_GRACE).await
    }

    pub async fn shutdown_with_grace(self, grace: Duration) -> anyhow::Result<()> {
        let _ = self.stop.send(Some(grace));
        self.accept_loop.await.context("the accept loop panicked")?
    }

    /// Serves until `signal` completes (e.g. `tokio::signal::ctrl_c()`), then
    /// shuts down gracefully; returns early if the accept loop fails.
    pub async fn run_until<F: Future>(mut self, signal: F) -> anyhow::Result<()> {
        tokio::select! {
            _ = signal => {}
            ended = &mut self.accept_loop => {
                return ended.context("the accept loop panicked")?;
            }
        }
        self.shutdown().await
    }
}

async fn accept_loop(
    server: Server,
    listener: TcpListener,
    mut stop: watch::Receiver<Option<Duration>>,
) -> anyhow::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let slots = server
        .config()
        .max_concurrent_requests
        .map(|max| Arc::new(Semaphore::new(max)));
    let header_read_timeout = server.config().header_read_timeout;
    let grace = loop {
        // Reap finished connection tasks so the set does not grow for ever.
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            // A stop request, or the `RunningServer` was dropped.
            _ = stop.changed() => break stop.borrow().unwrap_or(DEFAULT_SHUTDOWN_GRACE),
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                // E.g. out of file descriptors: keep serving the others.
                eprintln!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small writes (headers, last chunk) should not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        let slots = slots.clone();
        let mut builder = http1::Builder::new();
        // hyper's buffer bounds the head it reads (431 beyond), and its
        // minimum is 8 KiB.
        let head_limit = server
            .config()
            .max_request_head
            .map_or(MAX_BUF_SIZE, |limit| limit.clamp(8 * 1024, MAX_BUF_SIZE));
        builder.max_buf_size(head_limit).keep_alive(true);
        if let Some(limit) = header_read_timeout {
            // A client that trickles its head (slowloris) loses the connection.
            builder.timer(TokioTimer::new()).header_read_timeout(limit);
        }
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            service_fn(move |request| answer(server.clone(), slots.clone(), request)),
        );
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            // Client resets and aborted bodies end up here: nothing to do.
            let _ = connection.await;
        });
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
    Ok(())
}

/// Runs one request and schedules its log line.
async fn answer(
    server: Server,
    slots: Option<Arc<Semaphore>>,
    request: hyper::Request<Incoming>,
) -> Result<Response<ResponseBody>, Infallible> {
    let method = request.method().clone();
    let target = request.uri().to_string();
    let received = Instant::now();
    // Held until the instance is gone, so it counts requests, not heads.
    let slot = match slots.map(Semaphore::try_acquire_owned) {
        Some(Err(_)) => {
            eprintln!("{method} {target} 503 max concurrent requests reached");
            let mut response = Response::new(ResponseBody::empty());
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
            return Ok(response);
        }
        Some(Ok(slot)) => Some(slot),
        None => None,
    };
    let exchange = match server.handle(request).await {
        Ok(exchange) => exchange,
        Err(error) => {
            eprintln!("{method} {target} 500 host error: {error:#}");
            let mut response = Response::new(ResponseBody::empty());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            return Ok(response);
        }
    };
    let Exchange {
        status,
        headers,
        body,
        report,
    } = exchange;
    let reuse = server.config().reuse.is_some();
    let concurrent = server.config().concurrent_reuse.is_some();
    tokio::spawn(async move {
        let report = report.await;
        drop(slot);
        // With reuse, which instance and its how-manieth request (peak_mem is
        // then the instance's peak so far).
        let instance = if reuse {
            format!(
                " instance={}#{}",
                report.instance_id, report.instance_requests
            )
        } else {
            String::new()
        };
        // With concurrent reuse, requests running in the instance as this
        // one ended (itself included).
        let instance = if concurrent {
            format!("{instance} in_flight={}", report.instance_in_flight)
        } else {
            instance
        };
        eprintln!(
            "{method} {target} {} bytes={} peak_mem={} outcome={} {:.1?} (total {:.1?}){instance}",
            status.as_u16(),
            report.body_bytes,
            report.peak_memory,
            report.outcome,
            report.duration,
            received.elapsed(),
        );
    });
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}
