//! Runs the component for one request at a time per instance: by default
//! each request in a fresh instance, as `wasmtime serve` does for WASIp2
//! components; with `ServerConfig::reuse`, instances go back to an idle pool
//! after a request and serve up to that many requests in turn (`wasmtime
//! serve --max-instance-reuse-count`).
//!
//! `handle` returns as soon as the guest has set its response (or can no
//! longer set one); the instance keeps running in its own task, feeding the
//! body, and sends its `Report` after its `Store` is dropped (or, when it is
//! reused, after the handler has returned and the instance is idle again).
//!
//! Components of either kind run: `wasi:http/incoming-handler@0.2.x` (the
//! `p2` build) and `wasi:http/handler@0.3.x` (the `p3` build). A WASIp3
//! handler returns its response and feeds the body from tasks that run only
//! while the store runs (`run_concurrent`): the request's task keeps it
//! running until the body has ended or the client has left.
//!
//! With `ServerConfig::concurrent_reuse` a WASIp3 instance also takes new
//! requests while others are in flight (`concurrent_instances.rs`); the
//! paths here are then unused.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use hyper::body::Body;
use tokio::sync::oneshot;
use wasmtime::component::{Accessor, Linker, Resource};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::p3::bindings::{Service, ServicePre};
use wasmtime_wasi_http::WasiHttpView;

use crate::component_cache::{load_component, shared_engine};
use crate::concurrent_instances::{Job, SharedInstances};
use crate::config::ServerConfig;
use crate::exchange::Exchange;
use crate::report::{
    build_report, decide_outcome, CallFailure, InstanceFacts, Outcome, Report, ReportHandle,
    ResponseSet,
};
use crate::response_body::{BodyTap, ResponseBody};
use crate::store_data::StoreData;

/// Cheap to clone; clones share the compiled component.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    pre: Pre,
    /// With `config.reuse`: instances that finished a request and may take
    /// another, the most recently used last. It holds at most as many as
    /// were ever busy at once, until the `Server` is dropped.
    idle: Mutex<Vec<Instance>>,
    next_instance_id: AtomicU64,
    /// With `config.concurrent_reuse` (WASIp3 only): the instances that take
    /// requests while others are in flight; `idle` is then unused.
    shared: Option<Arc<SharedInstances>>,
}

/// The linked component, by the handler it exports.
enum Pre {
    P2(ProxyPre<StoreData>),
    P3(ServicePre<StoreData>),
}

impl Pre {
    fn engine(&self) -> &wasmtime::Engine {
        match self {
            Pre::P2(pre) => pre.engine(),
            Pre::P3(pre) => pre.engine(),
        }
    }
}

/// A store and, once instantiated, the component instance in it.
struct Instance {
    id: u64,
    store: Store<StoreData>,
    /// `None` until the first request's task instantiates it.
    proxy: Option<Proxy>,
    /// The same for a WASIp3 component.
    service: Option<Service>,
    /// Requests given to this instance so far.
    requests: u32,
}

impl Inner {
    /// An idle instance when reusing one is allowed, else a new store.
    fn checkout(&self) -> anyhow::Result<Instance> {
        if self.config.reuse.is_some() {
            if let Some(instance) = self.idle.lock().unwrap().pop() {
                return Ok(instance);
            }
        }
        let mut store = Store::new(self.pre.engine(), StoreData::new(&self.config)?);
        store.limiter(|data| &mut data.memory);
        Ok(Instance {
            id: self.next_instance_id.fetch_add(1, Ordering::Relaxed),
            store,
            proxy: None,
            service: None,
            requests: 0,
        })
    }

    fn may_reuse(&self, instance: &Instance) -> bool {
        self.config
            .reuse
            .is_some_and(|max_requests| instance.requests < max_requests)
    }
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
        let engine = shared_engine()?;
        let component = load_component(&engine, &config.component)?;
        let mut linker = Linker::<StoreData>::new(&engine);
        // The full WASI 0.2 command imports (filesystem, environment, stderr),
        // then wasi:http; this is `wasmtime serve -Scli`.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)?;
        // The same for WASI 0.3 (`wasmtime serve -Scli` with p3 enabled).
        wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("linking {}", config.component.display()))?;
        let pre = match ServicePre::new(instance_pre.clone()) {
            Ok(pre) => Pre::P3(pre),
            Err(_) => Pre::P2(ProxyPre::new(instance_pre).map_err(anyhow::Error::from).with_context(|| {
                format!(
                    "{} exports neither wasi:http/incoming-handler@0.2.x nor wasi:http/handler@0.3.x",
                    config.component.display()
                )
            })?),
        };
        let shared = match (&pre, config.concurrent_reuse) {
            (_, None) => None,
            (Pre::P3(service), Some(_)) => Some(SharedInstances::new(service.clone(), &config)),
            (Pre::P2(_), Some(_)) => bail!(
                "concurrent_reuse (--concurrent-reuse) needs a WASIp3 component: {} exports \
                 wasi:http/incoming-handler@0.2.x, whose handler runs one request at a time",
                config.component.display()
            ),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                pre,
                idle: Mutex::new(Vec::new()),
                next_instance_id: AtomicU64::new(0),
                shared,
            }),
        })
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Runs one request in a fresh instance (or, with `reuse`, in an idle one
    /// when there is one). Returns once the guest has set
    /// the response; if it traps, sets an error or returns without a response,
    /// the `Exchange` is a bodiless 500 and its report says what happened.
    /// `Err` only for host-side failures (e.g. the directory cannot be opened).
    pub async fn handle<B>(&self, mut request: Request<B>) -> anyhow::Result<Exchange>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        supply_host(&mut request);
        if let Some(limit) = self.inner.config.max_request_head {
            if head_size(&request) > limit {
                return Ok(host_answer(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
            }
        }
        if let Pre::P3(_) = self.inner.pre {
            return self.handle_p3(request).await;
        }
        let mut instance = self.inner.checkout()?;
        instance.requests += 1;
        let store = &mut instance.store;

        let tap = BodyTap::new(self.inner.config.body_buffer_chunks + 1);
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
                            let promised = head
                                .headers
                                .get(http::header::CONTENT_LENGTH)
                                .and_then(|v| v.to_str().ok()?.parse().ok());
                            tap.install(body, promised);
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
        tokio::spawn(run_request(
            self.inner.clone(),
            instance,
            request,
            outparam,
            tap.clone(),
            response_set,
            report_tx,
        ));
        let report = ReportHandle(report_rx);

        // `Err`: the callback was dropped unused, i.e. the guest dropped the
        // outparam or its store is gone (trap, or returned without `set`).
        Ok(exchange(head_rx.await, tap, report))
    }

    /// `handle` for a WASIp3 component.
    async fn handle_p3<B>(&self, request: Request<B>) -> anyhow::Result<Exchange>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let tap = BodyTap::new(self.inner.config.body_buffer_chunks + 1);
        let (head_tx, head_rx) = oneshot::channel();
        let (report_tx, report_rx) = oneshot::channel();
        if let Some(shared) = &self.inner.shared {
            shared.dispatch(Job::new(request, tap.clone(), head_tx, report_tx))?;
            return Ok(exchange(head_rx.await, tap, ReportHandle(report_rx)));
        }
        let mut instance = self.inner.checkout()?;
        instance.requests += 1;
        tokio::spawn(run_request_p3(
            self.inner.clone(),
            instance,
            request,
            tap.clone(),
            head_tx,
            report_tx,
        ));
        // `Err`: the task ended without a response (trap, deadline).
        Ok(exchange(head_rx.await, tap, ReportHandle(report_rx)))
    }
}

/// The response head the guest set (`Some`), or a bodiless 500.
fn exchange(
    head: Result<Option<http::response::Parts>, oneshot::error::RecvError>,
    tap: BodyTap,
    report: ReportHandle,
) -> Exchange {
    match head {
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
    }
}

/// The size of `request`'s head as HTTP/1.1 would send it.
fn head_size<B>(request: &Request<B>) -> usize {
    let line = request.method().as_str().len() + request.uri().to_string().len() + 12;
    request.headers().iter().fold(line, |size, (name, value)| {
        size + name.as_str().len() + value.len() + 4
    })
}

/// An answer of the host's own, with no instance run.
fn host_answer(status: StatusCode) -> Exchange {
    Exchange {
        status,
        headers: HeaderMap::new(),
        body: ResponseBody::empty(),
        report: ReportHandle::ready(Report::without_instance(Outcome::HeadTooLarge)),
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

/// Instantiates (unless reused), calls the handler, then drops the instance
/// or returns it to the idle pool, then reports.
async fn run_request(
    inner: Arc<Inner>,
    mut instance: Instance,
    request: Resource<HostIncomingRequest>,
    outparam: Resource<HostResponseOutparam>,
    tap: BodyTap,
    response_set: Arc<OnceLock<ResponseSet>>,
    report_tx: oneshot::Sender<Report>,
) {
    let started = Instant::now();
    let Pre::P2(pre) = &inner.pre else {
        unreachable!("a WASIp3 component runs in run_request_p3")
    };
    let call = call_handler(pre, &mut instance, request, outparam);
    // A timer around the call, as `wasmtime serve -W timeout` has: dropping
    // the call's future tears the guest down wherever it waits.
    let result = match inner.config.request_timeout {
        Some(limit) => match tokio::time::timeout(limit, call).await {
            Ok(result) => result.map_err(|e| CallFailure::Trap(describe_trap(e))),
            Err(_) => Err(CallFailure::Deadline),
        },
        None => call.await.map_err(|e| CallFailure::Trap(describe_trap(e))),
    };
    let memory = instance.store.data().memory.usage();
    let facts = InstanceFacts {
        id: instance.id,
        requests: instance.requests,
        in_flight: 1,
        max_in_flight: 1,
        open_resources: instance.store.data_mut().open_resources(),
    };
    let failure = result.err();
    let response = response_set.get().cloned().unwrap_or(ResponseSet::Never);
    let body = if failure.is_some() {
        // Before the drop: the drop ends the body channel as if finished.
        tap.guest_trapped();
        drop(instance);
        tap.settle()
    } else if inner.may_reuse(&instance) {
        let body = tap.settle();
        if matches!(response, ResponseSet::Response) && body.end.is_none() && !body.client_gone {
            // The guest kept its body past the handler: reusing the instance
            // would let it write into this response during the next one.
            tap.guest_left_body_open();
            drop(instance);
            tap.settle()
        } else {
            inner.idle.lock().unwrap().push(instance);
            body
        }
    } else {
        drop(instance);
        tap.settle()
    };
    let duration = started.elapsed();

    let outcome = decide_outcome(failure, response, &body);
    let _ = report_tx.send(build_report(memory, facts, &body, duration, outcome));
}

/// `run_request` for a WASIp3 component: instantiates (unless reused), calls
/// the handler and keeps the store running until the body has ended, then
/// drops the instance or returns it to the idle pool, then reports.
async fn run_request_p3<B>(
    inner: Arc<Inner>,
    mut instance: Instance,
    request: Request<B>,
    tap: BodyTap,
    head_tx: oneshot::Sender<Option<http::response::Parts>>,
    report_tx: oneshot::Sender<Report>,
) where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let started = Instant::now();
    let Pre::P3(pre) = &inner.pre else {
        unreachable!("a WASIp2 component runs in run_request")
    };
    let response_set = Arc::new(OnceLock::new());
    let call = call_handler_p3(
        pre,
        &mut instance,
        request,
        tap.clone(),
        response_set.clone(),
        head_tx,
    );
    let result = match inner.config.request_timeout {
        Some(limit) => match tokio::time::timeout(limit, call).await {
            Ok(result) => result.map_err(|e| CallFailure::Trap(describe_trap(e))),
            Err(_) => Err(CallFailure::Deadline),
        },
        None => call.await.map_err(|e| CallFailure::Trap(describe_trap(e))),
    };
    let memory = instance.store.data().memory.usage();
    let facts = InstanceFacts {
        id: instance.id,
        requests: instance.requests,
        in_flight: 1,
        max_in_flight: 1,
        open_resources: instance.store.data_mut().open_resources(),
    };
    let failure = result.err();
    let response = response_set.get().cloned().unwrap_or(ResponseSet::Never);
    let body = if failure.is_some() {
        tap.guest_trapped();
        drop(instance);
        tap.settle()
    } else if inner.may_reuse(&instance) {
        // The call returned only once the body had ended or the client left.
        inner.idle.lock().unwrap().push(instance);
        tap.settle()
    } else {
        drop(instance);
        tap.settle()
    };
    let duration = started.elapsed();
    let outcome = decide_outcome(failure, response, &body);
    let _ = report_tx.send(build_report(memory, facts, &body, duration, outcome));
}

async fn call_handler_p3<B>(
    pre: &ServicePre<StoreData>,
    instance: &mut Instance,
    request: Request<B>,
    tap: BodyTap,
    response_set: Arc<OnceLock<ResponseSet>>,
    head_tx: oneshot::Sender<Option<http::response::Parts>>,
) -> wasmtime::Result<()>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let Instance { store, service, .. } = instance;
    if service.is_none() {
        *service = Some(pre.instantiate_async(&mut *store).await?);
    }
    let service = service.as_ref().expect("instantiated above");
    store
        .run_concurrent(async move |accessor| {
            serve_p3_request(accessor, service, request, tap, response_set, head_tx).await
        })
        .await?
}

/// One WASIp3 request inside the store's event loop: calls the handler, hands
/// the response head to the caller and the body to `tap`, then keeps going
/// until the body has ended or the caller has left (the guest's tasks feed the
/// body only while the store runs).
pub(crate) async fn serve_p3_request<B>(
    accessor: &Accessor<StoreData>,
    service: &Service,
    request: Request<B>,
    tap: BodyTap,
    response_set: Arc<OnceLock<ResponseSet>>,
    head_tx: oneshot::Sender<Option<http::response::Parts>>,
) -> wasmtime::Result<()>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    // `Request::from_http`, with the header map built first: its future
    // would otherwise borrow the store's hooks.
    let (parts, body) = request.into_parts();
    let headers = accessor.with(|mut store| {
        wasmtime_wasi_http::FieldMap::new_immutable(store.get().http().hooks, parts.headers)
    });
    let uri = parts.uri.into_parts();
    let (request, request_io) = wasmtime_wasi_http::p3::Request::new(
        parts.method,
        uri.scheme,
        uri.authority,
        uri.path_and_query,
        headers,
        None,
        body,
    );
    let response = match service.handle(accessor, request).await? {
        Ok(response) => response,
        Err(code) => {
            let _ = response_set.set(ResponseSet::ErrorCode(format!("{code:?}")));
            let _ = head_tx.send(None);
            return Ok(());
        }
    };
    let response = accessor.with(|mut store| response.into_http(&mut store, request_io))?;
    let (head, body) = response.into_parts();
    let promised = head
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    tap.install(body, promised);
    let _ = response_set.set(ResponseSet::Response);
    let _ = head_tx.send(Some(head));
    tap.finished().await;
    Ok(())
}

async fn call_handler(
    pre: &ProxyPre<StoreData>,
    instance: &mut Instance,
    request: Resource<HostIncomingRequest>,
    outparam: Resource<HostResponseOutparam>,
) -> wasmtime::Result<()> {
    let Instance { store, proxy, .. } = instance;
    let proxy = match proxy {
        Some(proxy) => proxy,
        None => proxy.insert(pre.instantiate_async(&mut *store).await?),
    };
    proxy
        .wasi_http_incoming_handler()
        .call_handle(&mut *store, request, outparam)
        .await
}

/// The root cause first (e.g. "wasm trap: wasm `unreachable` instruction
/// executed"), then the whole chain with the wasm backtrace.
pub(crate) fn describe_trap(error: wasmtime::Error) -> String {
    let error = anyhow::Error::from(error);
    format!("{}\n{error:#}", error.root_cause())
}
