//! The component behind one API, `Server::handle`, for either kind of
//! handler: WASIp2 components run one request at a time per instance
//! (`sequential_instances.rs`), WASIp3 components in instances that take
//! requests while others are in flight (`concurrent_instances.rs`; one at a
//! time unless `ServerConfig::concurrent_reuse` allows more).
//!
//! `handle` returns as soon as the guest has set its response (or can no
//! longer set one); the instance keeps running, feeding the body, and the
//! request's `Report` follows once its body has ended.

use std::sync::Arc;

use anyhow::{bail, ensure};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use hyper::body::Body;
use tokio::sync::oneshot;
use wasmtime_wasi_http::handler::ProxyPre;

use crate::component_cache::shared_engine;
use crate::concurrent_instances::{Job, SharedInstances};
use crate::config::ServerConfig;
use crate::exchange::Exchange;
use crate::guest_stderr::GuestStderr;
use crate::linking::link;
use crate::metrics::Metrics;
use crate::report::{Outcome, Report, ReportTo};
use crate::response_body::{BodyTap, ResponseBody};
use crate::sequential_instances::SequentialInstances;
use crate::store_data::StoreTemplate;

/// Cheap to clone; clones share the compiled component and the instances.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    instances: Instances,
    metrics: Option<Metrics>,
    /// The component's `HEALTH_PATH` setting as given to it, if any.
    health_path: Option<String>,
}

/// Where requests run, by the handler the component exports.
enum Instances {
    P2(Arc<SequentialInstances>),
    P3(Arc<SharedInstances>),
}

impl Server {
    /// Compiles the component (once per process and file) and links it.
    /// Blocks while compiling: call it before serving.
    pub fn new(config: ServerConfig) -> anyhow::Result<Self> {
        Self::sharing(config, GuestStderr::default(), None)
    }

    /// As `new`, with what `serve`'s threads share: the components' stderr
    /// (a line is said once per process) and the metrics, if any.
    pub(crate) fn sharing(
        config: ServerConfig,
        stderr: GuestStderr,
        metrics: Option<Metrics>,
    ) -> anyhow::Result<Self> {
        ensure!(
            config.body_buffer_chunks >= 1,
            "body_buffer_chunks must be at least 1"
        );
        ensure!(
            config.body_chunk_size >= 1,
            "body_chunk_size must be at least 1"
        );
        ensure!(
            config.reuse != Some(0),
            "reuse must allow at least 1 request per instance"
        );
        ensure!(
            config.concurrent_reuse != Some(0),
            "concurrent_reuse (--concurrent-reuse) must allow at least 1 request at once"
        );
        ensure!(
            config.concurrent_reuse.is_none() || config.reuse.is_some(),
            "concurrent_reuse (--concurrent-reuse) needs reuse (--reuse): it shares one \
             instance among that many requests"
        );
        ensure!(
            config.dir.is_dir(),
            "{} is not a directory",
            config.dir.display()
        );
        let template = Arc::new(StoreTemplate::new(&config, stderr, metrics.clone())?);
        let instances = match link(&config)? {
            ProxyPre::P3(pre) => Instances::P3(SharedInstances::new(pre, &config, template)),
            ProxyPre::P2(_) if config.concurrent_reuse.is_some() => bail!(
                "concurrent_reuse (--concurrent-reuse) needs a WASIp3 component: {} exports \
                 wasi:http/incoming-handler@0.2.x, whose handler runs one request at a time",
                config.component.display()
            ),
            ProxyPre::P2(pre) => Instances::P2(Arc::new(SequentialInstances::new(
                pre,
                shared_engine()?,
                template,
                &config,
            ))),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                // The last setting wins, as in the component's environment.
                health_path: config
                    .env
                    .iter()
                    .rev()
                    .find(|(name, _)| name == "HEALTH_PATH")
                    .map(|(_, path)| path.trim().to_string()),
                config,
                instances,
                metrics,
            }),
        })
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub(crate) fn metrics(&self) -> Option<&Metrics> {
        self.inner.metrics.as_ref()
    }

    /// The path the component answers as its health check (`HEALTH_PATH`).
    pub(crate) fn health_path(&self) -> Option<&str> {
        self.inner.health_path.as_deref()
    }

    /// Runs one request (in a fresh instance, or with `reuse` in one that
    /// served others). Returns once the guest has set the response; if it
    /// traps, sets an error or returns without a response, the `Exchange` is
    /// a bodiless 500 and its report says what happened. `Err` only for
    /// host-side failures (e.g. the directory cannot be opened).
    pub async fn handle<B>(&self, request: Request<B>) -> anyhow::Result<Exchange>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let (report_to, report) = ReportTo::handle();
        let (status, headers, body) = self.run(request, report_to).await?;
        Ok(Exchange {
            status,
            headers,
            body,
            report,
        })
    }

    /// `handle`, with the report given to `on_report` once known instead of
    /// to a handle (no task waits for it).
    pub async fn handle_reporting<B>(
        &self,
        request: Request<B>,
        on_report: impl FnOnce(Report) + Send + 'static,
    ) -> anyhow::Result<http::Response<ResponseBody>>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let (status, headers, body) = self.run(request, ReportTo::callback(on_report)).await?;
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }

    async fn run<B>(
        &self,
        mut request: Request<B>,
        report: ReportTo,
    ) -> anyhow::Result<(StatusCode, HeaderMap, ResponseBody)>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        supply_host(&mut request);
        if let Some(limit) = self.inner.config.max_request_head {
            if head_size(&request) > limit {
                report.deliver(Report::without_instance(431, Outcome::HeadTooLarge));
                return Ok((
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    HeaderMap::new(),
                    ResponseBody::empty(),
                ));
            }
        }
        let head_request = request.method() == http::Method::HEAD;
        let tap = BodyTap::new(self.inner.config.body_buffer_chunks + 1, head_request);
        let (head_tx, head_rx) = oneshot::channel();
        match &self.inner.instances {
            Instances::P2(instances) => instances.start(request, tap.clone(), head_tx, report)?,
            Instances::P3(instances) => {
                instances.dispatch(Job::new(request, tap.clone(), head_tx, report))?
            }
        }
        // `Err`: the head sender was dropped unused, i.e. the guest dropped
        // the outparam, trapped, or returned without a response.
        Ok(match head_rx.await {
            Ok(Some(head)) => {
                if !head_request {
                    tap.first_frame().await;
                }
                (head.status, head.headers, tap.body())
            }
            Ok(None) | Err(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                HeaderMap::new(),
                ResponseBody::empty(),
            ),
        })
    }
}

/// The size of `request`'s head as HTTP/1.1 would send it.
fn head_size<B>(request: &Request<B>) -> usize {
    let line = request.method().as_str().len() + request.uri().to_string().len() + 12;
    request.headers().iter().fold(line, |size, (name, value)| {
        size + name.as_str().len() + value.len() + 4
    })
}

/// wasmtime-wasi-http needs an authority; an HTTP/1.0 request may come
/// without `Host`, which a file server should still answer.
fn supply_host<B>(request: &mut Request<B>) {
    if request.uri().authority().is_none() && !request.headers().contains_key(header::HOST) {
        request
            .headers_mut()
            .insert(header::HOST, HeaderValue::from_static("localhost"));
    }
}
