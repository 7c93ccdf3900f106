//! Runs the component for one request at a time, each in a fresh instance,
//! as `wasmtime serve` does for WASIp2 components.
//!
//! `handle` returns as soon as the guest has set its response (or can no
//! longer set one); the instance keeps running in its own task, feeding the
//! body, and sends its `Report` after its `Store` is dropped.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::{ensure, Context as _};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use hyper::body::Body;
use tokio::sync::oneshot;
use wasmtime::component::{Linker, Resource};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::WasiHttpView;

use crate::component_cache::{load_component, shared_engine};
use crate::config::ServerConfig;
use crate::exchange::Exchange;
use crate::report::{build_report, decide_outcome, Report, ReportHandle, ResponseSet};
use crate::response_body::{BodyTap, ResponseBody};
use crate::store_data::StoreData;

/// Cheap to clone; clones share the compiled component.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    pre: ProxyPre<StoreData>,
}

impl Server {
    /// Compiles the component (once per process and file) and links it.
    /// Blocks while compiling: call it before serving.
    pub fn new(config: ServerConfig) -> anyhow::Result<Self> {
        ensure!(
            config.body_buffer_chunks >= 1,
            "body_buffer_chunks must be at least 1"
        );
        ensure!(
            config.body_chunk_size >= 1,
            "body_chunk_size must be at least 1"
        );
        ensure!(
            config.dir.is_dir(),
            "{} is not a directory",
            config.dir.display()
        );
        let engine = shared_engine()?;
        let component = load_component(&engine, &config.component)?;
        let mut linker = Linker::<StoreData>::new(&engine);
        // The full WASI 0.2 command imports (filesystem, environment, stderr),
        // then wasi:http; this is `wasmtime serve -Scli`.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("linking {}", config.component.display()))?;
        let pre = ProxyPre::new(instance_pre)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "{} does not export wasi:http/incoming-handler@0.2.x",
                    config.component.display()
                )
            })?;
        Ok(Self {
            inner: Arc::new(Inner { config, pre }),
        })
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Runs one request in a fresh instance. Returns once the guest has set
    /// the response; if it traps, sets an error or returns without a response,
    /// the `Exchange` is a bodiless 500 and its report says what happened.
    /// `Err` only for host-side failures (e.g. the directory cannot be opened).
    pub async fn handle<B>(&self, mut request: Request<B>) -> anyhow::Result<Exchange>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        supply_host(&mut request);
        let pre = self.inner.pre.clone();
        let mut store = Store::new(pre.engine(), StoreData::new(&self.inner.config)?);
        store.limiter(|data| &mut data.memory);

        let tap = BodyTap::default();
        let response_set = Arc::new(OnceLock::new());
        let (head_tx, head_rx) = oneshot::channel();
        let request = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .map_err(anyhow::Error::from)
            .context("passing the request to the guest")?;
        let outparam = store
            .data_mut()
            .http()
            .new_response_outparam_from_callback({
                let tap = tap.clone();
                let response_set = response_set.clone();
                // Runs inside `response-outparam.set`, so the body is in the
                // tap before the instance can possibly be gone.
                move |result| {
                    let head = match result {
                        Ok(response) => {
                            let (head, body) = response.into_parts();
                            tap.install(body);
                            let _ = response_set.set(ResponseSet::Response);
                            Some(head)
                        }
                        Err(code) => {
                            let _ = response_set.set(ResponseSet::ErrorCode(format!("{code:?}")));
                            None
                        }
                    };
                    let _ = head_tx.send(head);
                }
            })
            .map_err(anyhow::Error::from)?;

        let (report_tx, report_rx) = oneshot::channel();
        tokio::spawn(run_instance(
            pre,
            store,
            request,
            outparam,
            tap.clone(),
            response_set,
            report_tx,
        ));
        let report = ReportHandle(report_rx);

        // `Err`: the callback was dropped unused, i.e. the guest dropped the
        // outparam or its store is gone (trap, or returned without `set`).
        Ok(match head_rx.await {
            Ok(Some(head)) => Exchange {
                status: head.status,
                headers: head.headers,
                body: tap.body(),
                report,
            },
            Ok(None) | Err(_) => Exchange {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                headers: HeaderMap::new(),
                body: ResponseBody::empty(),
                report,
            },
        })
    }
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

/// Instantiates, calls the handler, drops the instance, then reports.
async fn run_instance(
    pre: ProxyPre<StoreData>,
    mut store: Store<StoreData>,
    request: Resource<HostIncomingRequest>,
    outparam: Resource<HostResponseOutparam>,
    tap: BodyTap,
    response_set: Arc<OnceLock<ResponseSet>>,
    report_tx: oneshot::Sender<Report>,
) {
    let started = Instant::now();
    let result = async {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, request, outparam)
            .await
    }
    .await;
    let memory = store.data().memory.usage();
    let trap = result.err().map(describe_trap);
    if trap.is_some() {
        // Before the drop: the drop ends the body channel as if finished.
        tap.guest_trapped();
    }
    drop(store);
    let duration = started.elapsed();

    let body = tap.settle();
    let response = response_set.get().cloned().unwrap_or(ResponseSet::Never);
    let outcome = decide_outcome(trap, response, &body);
    let _ = report_tx.send(build_report(memory, &body, duration, outcome));
}

/// The root cause first (e.g. "wasm trap: wasm `unreachable` instruction
/// executed"), then the whole chain with the wasm backtrace.
fn describe_trap(error: wasmtime::Error) -> String {
    let error = anyhow::Error::from(error);
    format!("{}\n{error:#}", error.root_cause())
}
