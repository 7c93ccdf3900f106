//! `serve --metrics ADDR`: `GET /metrics` on a listener of its own, apart
//! from the site's, so that it can listen on an address that only the
//! monitoring reaches.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::accept::accept_connection;
use crate::metrics::{Metrics, CONTENT_TYPE};

/// A scraper that trickles its request head loses the connection.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `addr` (port 0 picks a free one).
pub(crate) async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the metrics address {addr}"))
}

/// Answers scrapes until `stop` changes (or its sender is gone); then drops
/// the connections still open.
pub(crate) async fn serve(
    listener: TcpListener,
    metrics: Metrics,
    mut stop: watch::Receiver<Option<Duration>>,
) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let stream = tokio::select! {
            _ = stop.changed() => break,
            stream = accept_connection(&listener) => stream,
        };
        let metrics = metrics.clone();
        let service = service_fn(move |request| {
            let response = answer(&metrics, &request);
            async move { Ok::<_, Infallible>(response) }
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        connections.spawn(async move { drop(connection.await) });
    }
}

fn answer(metrics: &Metrics, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::default());
    if request.uri().path() != "/metrics" {
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    *response.body_mut() = Full::new(Bytes::from(metrics.encode()));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
