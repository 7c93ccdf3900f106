//! WASIp2 instances, one request at a time each: by default a fresh
//! instance per request, as `wasmtime serve` does for WASIp2 components; with
//! `ServerConfig::reuse`, instances go back to an idle pool after a request
//! and serve up to that many requests in turn (`wasmtime serve
//! --max-instance-reuse-count`).
//!
//! The request's task keeps running after the response head is set, feeding
//! the body, and reports after its `Store` is dropped (or, when it is
//! reused, after the handler has returned and the instance is idle again).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use anyhow::Context as _;
use bytes::Bytes;
use http::Request;
use hyper::body::Body;
use wasmtime::component::Resource;
use wasmtime::{Engine, Store};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::WasiHttpView;

use crate::call_failure::within;
use crate::config::ServerConfig;
use crate::p3_request::HeadSender;
use crate::report::{build_report, decide_outcome, InstanceFacts, ReportTo, ResponseSet};
use crate::response_body::BodyTap;
use crate::store_data::{StoreData, StoreTemplate};

pub(crate) struct SequentialInstances {
    pre: ProxyPre<StoreData>,
    engine: Engine,
    template: Arc<StoreTemplate>,
    config: ServerConfig,
    /// With `config.reuse`: instances that finished a request and may take
    /// another, the most recently used last. It holds at most as many as
    /// were ever busy at once.
    idle: Mutex<Vec<Instance>>,
    next_instance_id: AtomicU64,
}

/// A store and, once instantiated, the component instance in it.
struct Instance {
    id: u64,
    store: Store<StoreData>,
    /// `None` until the first request's task instantiates it.
    proxy: Option<Proxy>,
    /// Requests given to this instance so far.
    requests: u32,
}

impl SequentialInstances {
    pub fn new(
        pre: ProxyPre<StoreData>,
        engine: Engine,
        template: Arc<StoreTemplate>,
        config: &ServerConfig,
    ) -> SequentialInstances {
        SequentialInstances {
            pre,
            engine,
            template,
            config: config.clone(),
            idle: Mutex::new(Vec::new()),
            next_instance_id: AtomicU64::new(0),
        }
    }

    /// An idle instance when reusing one is allowed, else a new store.
    fn checkout(&self) -> Instance {
        if self.config.reuse.is_some() {
            if let Some(instance) = self.idle.lock().unwrap().pop() {
                return instance;
            }
        }
        Instance {
            id: self.next_instance_id.fetch_add(1, Ordering::Relaxed),
            store: self.template.new_store(&self.engine),
            proxy: None,
            requests: 0,
        }
    }

    fn may_reuse(&self, instance: &Instance) -> bool {
        self.config
            .reuse
            .is_some_and(|max_requests| instance.requests < max_requests)
    }

    /// Starts `request` in an instance of its own; the head comes on
    /// `head_tx` (`None` if the guest set none), the report to `report`.
    pub fn start<B>(
        self: &Arc<Self>,
        request: Request<B>,
        tap: BodyTap,
        head_tx: HeadSender,
        report: ReportTo,
    ) -> anyhow::Result<()>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let mut instance = self.checkout();
        instance.requests += 1;
        let response_set = Arc::new(OnceLock::new());
        let store = &mut instance.store;
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
                            let head = tap.install(response);
                            let _ = response_set.set(ResponseSet::Response(head.status.as_u16()));
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
        tokio::spawn(
            self.clone()
                .run(instance, request, outparam, tap, response_set, report),
        );
        Ok(())
    }

    /// Instantiates (unless reused), calls the handler, then drops the
    /// instance or returns it to the idle pool, then reports.
    async fn run(
        self: Arc<Self>,
        mut instance: Instance,
        request: Resource<HostIncomingRequest>,
        outparam: Resource<HostResponseOutparam>,
        tap: BodyTap,
        response_set: Arc<OnceLock<ResponseSet>>,
        report: ReportTo,
    ) {
        let started = Instant::now();
        let call = call_handler(&self.pre, &mut instance, request, outparam);
        let failure = within(self.config.request_timeout, call).await.err();
        let memory = instance.store.data().memory.usage();
        let facts = InstanceFacts {
            id: instance.id,
            requests: instance.requests,
            in_flight: 1,
            max_in_flight: 1,
            open_resources: instance.store.data_mut().open_resources(),
            host_calls: instance.store.data().host_calls,
        };
        let response = response_set.get().cloned().unwrap_or(ResponseSet::Never);
        let body = if failure.is_some() {
            // Before the drop: the drop ends the body channel as if finished.
            tap.guest_trapped();
            drop(instance);
            tap.settle()
        } else if self.may_reuse(&instance) {
            let body = tap.settle();
            if matches!(response, ResponseSet::Response(_))
                && body.end.is_none()
                && !body.client_gone
            {
                // The guest kept its body past the handler: reusing the
                // instance would let it write into this response during the
                // next one.
                tap.guest_left_body_open();
                drop(instance);
                tap.settle()
            } else {
                self.idle.lock().unwrap().push(instance);
                body
            }
        } else {
            drop(instance);
            tap.settle()
        };
        let status = response.status();
        let outcome = decide_outcome(failure, response, &body);
        report.deliver(build_report(
            memory,
            facts,
            &body,
            started.elapsed(),
            status,
            outcome,
        ));
    }
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
