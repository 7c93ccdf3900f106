//! WASIp3 instances, which may run several requests at once
//! (`ServerConfig::concurrent_reuse`), as `wasmtime serve
//! --max-instance-concurrent-reuse-count` does (its worker loop is
//! `wasmtime_wasi_http::handler`). Without `concurrent_reuse` an instance
//! runs one request at a time, and without `reuse` it serves one request.
//!
//! Each instance is a worker: a task that owns the `Store` and keeps it
//! running (`run_concurrent`) for the instance's whole life. A request goes to
//! the oldest instance with room (fewer than `concurrent_reuse` requests
//! unfinished and fewer than `reuse` given so far), else to a new instance.
//! Inside the store each request is a task of its own (`Accessor::spawn`), so
//! the guest's handler runs for several requests at once. The worker reports
//! on a request once its body has ended or its client has left, with the
//! instance's memory peak so far, and drops the instance after its
//! `reuse`-th request has ended.
//!
//! Unlike `wasmtime serve`, a busy instance is not asked whether it would
//! rather not take another request yet (wasmtime waits until the guest is
//! blocked on I/O): here a request goes to the first instance with room, so
//! requests pack into as few instances as the limits allow.
//!
//! A trap cannot be pinned on one request when several share the guest: it
//! ends every request in flight in that instance (each reported as trapped).
//! So does a request's deadline (the late ones are reported
//! `DeadlineExceeded`, the others a host error saying why), as the timeout of
//! `wasmtime serve` does. Requests given to such an instance but not yet
//! started go to another one.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::BodyExt;
use hyper::body::Body;
use tokio::sync::{mpsc, Notify};
use wasmtime::component::{Accessor, AccessorTask};
use wasmtime::Store;
use wasmtime_wasi_http::p3::bindings::{Service, ServicePre};
use wasmtime_wasi_http::WasiBody;

use crate::call_failure::{describe_trap, within, CallFailure};
use crate::config::ServerConfig;
use crate::memory_recorder::MemoryUsage;
use crate::p3_request::{start_p3_request, HeadSender};
use crate::report::{build_report, decide_outcome, InstanceFacts, Outcome, ReportTo, ResponseSet};
use crate::response_body::{BodyTally, BodyTap};
use crate::store_data::{StoreData, StoreTemplate};

/// A request on its way to an instance, with where its answer goes.
pub(crate) struct Job {
    request: Request<WasiBody>,
    tap: BodyTap,
    head_tx: HeadSender,
    report: ReportTo,
}

impl Job {
    pub fn new<B>(request: Request<B>, tap: BodyTap, head_tx: HeadSender, report: ReportTo) -> Job
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        // One body type, so that jobs can queue for a long-lived worker.
        let request = request.map(|body| body.map_err(|e| e.into()).boxed_unsync());
        Job {
            request,
            tap,
            head_tx,
            report,
        }
    }

    /// Ends a job that never started: the caller gets a bodiless 500 (its
    /// head sender is dropped unused) and a report saying why.
    fn fail(self, instance: InstanceFacts, memory: MemoryUsage, failure: CallFailure) {
        let Job {
            tap,
            head_tx,
            report,
            ..
        } = self;
        drop(head_tx);
        let body = tap.settle();
        let outcome = decide_outcome(Some(failure), ResponseSet::Never, &body);
        report.deliver(build_report(
            memory,
            instance,
            &body,
            Duration::ZERO,
            500,
            outcome,
        ));
    }
}

/// The instances of one `Server` that take requests while others are in
/// flight.
pub(crate) struct SharedInstances {
    pre: ServicePre<StoreData>,
    template: Arc<StoreTemplate>,
    config: ServerConfig,
    /// `ServerConfig::reuse`: requests per instance in all.
    max_requests: u32,
    /// `ServerConfig::concurrent_reuse`: unfinished requests per instance.
    max_in_flight: u32,
    /// The live instances, oldest first.
    workers: Mutex<Vec<WorkerHandle>>,
    next_instance_id: AtomicU64,
    /// Workers hold only this, so that dropping the `Server` closes their job
    /// channels and idle instances end.
    me: Weak<SharedInstances>,
}

/// What dispatch knows of one instance.
struct WorkerHandle {
    id: u64,
    jobs: mpsc::UnboundedSender<Job>,
    load: Arc<Mutex<Load>>,
}

#[derive(Debug, Default)]
struct Load {
    /// Requests given to the instance so far.
    given: u32,
    /// Of those, the ones whose report has not been sent yet.
    unfinished: u32,
    /// The instance is ending (retired, trapped, late): it takes nothing more.
    closed: bool,
}

impl SharedInstances {
    /// `config.reuse` and `config.concurrent_reuse` must be set (checked by
    /// `Server::new`).
    pub fn new(
        pre: ServicePre<StoreData>,
        config: &ServerConfig,
        template: Arc<StoreTemplate>,
    ) -> Arc<SharedInstances> {
        Arc::new_cyclic(|me| SharedInstances {
            pre,
            template,
            config: config.clone(),
            // Without reuse, an instance per request, as for WASIp2.
            max_requests: config.reuse.unwrap_or(1),
            max_in_flight: config.concurrent_reuse.unwrap_or(1),
            workers: Mutex::new(Vec::new()),
            next_instance_id: AtomicU64::new(0),
            me: me.clone(),
        })
    }

    /// Gives `job` to the oldest instance with room, else to a new one. `Err`
    /// only when a new instance's store cannot be made (e.g. the directory
    /// cannot be opened); the job is then dropped (its caller gets a 500).
    pub fn dispatch(&self, mut job: Job) -> anyhow::Result<()> {
        let mut workers = self.workers.lock().unwrap();
        for worker in workers.iter() {
            match worker.offer(job, self.max_requests, self.max_in_flight) {
                Ok(()) => return Ok(()),
                Err(refused) => job = refused,
            }
        }
        let worker = self.start_worker()?;
        if let Err(job) = worker.offer(job, self.max_requests, self.max_in_flight) {
            let facts = InstanceFacts::none(worker.id);
            job.fail(
                facts,
                MemoryUsage::default(),
                CallFailure::Trap("a new instance refused its first request".into()),
            );
        }
        workers.push(worker);
        Ok(())
    }

    fn start_worker(&self) -> anyhow::Result<WorkerHandle> {
        let store = self.template.new_store(self.pre.engine());
        let id = self.next_instance_id.fetch_add(1, Ordering::Relaxed);
        let (jobs_tx, jobs) = mpsc::unbounded_channel();
        let load = Arc::new(Mutex::new(Load::default()));
        let worker = Worker {
            id,
            pool: self.me.clone(),
            load: load.clone(),
            jobs,
            max_requests: self.max_requests,
            request_timeout: self.config.request_timeout,
            born: Instant::now(),
            started: 0,
            ended: 0,
            max_in_flight: 0,
        };
        tokio::spawn(worker.run(self.pre.clone(), store));
        Ok(WorkerHandle {
            id,
            jobs: jobs_tx,
            load,
        })
    }

    fn remove(&self, id: u64) {
        self.workers
            .lock()
            .unwrap()
            .retain(|worker| worker.id != id);
    }
}

impl WorkerHandle {
    /// Gives `job` to this instance if it has room, else hands it back.
    // A refused job goes back by value to be offered elsewhere: boxing it
    // would cost an allocation per request to save a move.
    #[allow(clippy::result_large_err)]
    fn offer(&self, job: Job, max_requests: u32, max_in_flight: u32) -> Result<(), Job> {
        let mut load = self.load.lock().unwrap();
        if load.closed || load.given >= max_requests || load.unfinished >= max_in_flight {
            return Err(job);
        }
        // Sent under the lock: once a worker has set `closed`, nothing more
        // arrives, so what it then finds in its channel is all there is.
        match self.jobs.send(job) {
            Ok(()) => {
                load.given += 1;
                load.unfinished += 1;
                Ok(())
            }
            Err(mpsc::error::SendError(job)) => {
                // Its task is gone (it panicked).
                load.closed = true;
                Err(job)
            }
        }
    }
}

impl InstanceFacts {
    /// For a request that never ran in instance `id`.
    fn none(id: u64) -> InstanceFacts {
        InstanceFacts {
            id,
            requests: 0,
            in_flight: 0,
            max_in_flight: 0,
            open_resources: 0,
            host_calls: None,
        }
    }
}

/// A request running in a worker's instance.
struct Running {
    /// Its number in the instance (`Report::instance_requests`).
    number: u32,
    started: Instant,
    deadline: Option<Instant>,
    tap: BodyTap,
    response_set: Arc<OnceLock<ResponseSet>>,
    report: ReportTo,
}

impl Running {
    /// Settles its body and sends its report; `outcome` judges the response
    /// and the body.
    fn report(
        self,
        memory: MemoryUsage,
        facts: InstanceFacts,
        outcome: impl FnOnce(ResponseSet, &BodyTally) -> Outcome,
    ) {
        let body = self.tap.settle();
        let response = self
            .response_set
            .get()
            .cloned()
            .unwrap_or(ResponseSet::Never);
        let status = response.status();
        let outcome = outcome(response, &body);
        let report = build_report(
            memory,
            facts,
            &body,
            self.started.elapsed(),
            status,
            outcome,
        );
        self.report.deliver(report);
    }
}

/// How a worker's event loop ended.
enum End {
    /// It served `max_requests` requests.
    Retired,
    /// The `Server` is gone and nothing was left running.
    ServerGone,
    /// A trap (or a host failure) in the store: every request in it ends.
    Failed(String),
    /// These requests outlived `request_timeout`: the instance is dropped.
    Late(Vec<u32>),
}

/// The task that owns one instance.
struct Worker {
    id: u64,
    pool: Weak<SharedInstances>,
    load: Arc<Mutex<Load>>,
    jobs: mpsc::UnboundedReceiver<Job>,
    max_requests: u32,
    request_timeout: Option<Duration>,
    /// When the store was made: the first request's time includes instantiation.
    born: Instant,
    started: u32,
    ended: u32,
    max_in_flight: u32,
}

impl Worker {
    async fn run(mut self, pre: ServicePre<StoreData>, mut store: Store<StoreData>) {
        let instantiated = within(self.request_timeout, pre.instantiate_async(&mut store)).await;
        let service = match instantiated {
            Ok(service) => Arc::new(service),
            Err(failure) => {
                // As in a fresh instance per request: the requests that would
                // have run here fail as their instantiation did.
                self.close();
                let memory = store.data().memory.usage();
                drop(store);
                while let Ok(job) = self.jobs.try_recv() {
                    self.started += 1;
                    let facts = InstanceFacts {
                        requests: self.started,
                        ..InstanceFacts::none(self.id)
                    };
                    job.fail(facts, memory, failure.clone());
                }
                self.leave_pool();
                return;
            }
        };

        let mut running = HashMap::new();
        let deadlines = Deadlines::default();
        let end = {
            let serve = store.run_concurrent(async |accessor| {
                self.serve(accessor, &service, &mut running, &deadlines)
                    .await
            });
            // The deadline is watched from outside the event loop: a guest
            // blocked in a host call keeps the loop itself from running.
            tokio::select! {
                ended = serve => match ended {
                    Ok(Ok(end)) => end,
                    Ok(Err(error)) | Err(error) => End::Failed(describe_trap(error)),
                },
                late = deadlines.passed() => End::Late(late),
            }
        };
        self.close();
        match end {
            End::Retired | End::ServerGone => drop(store),
            End::Failed(_) | End::Late(_) => self.end_all(store, running, &end),
        }
        // Whatever was given to this instance but never started runs elsewhere.
        self.jobs.close();
        let pool = self.pool.upgrade();
        while let Ok(job) = self.jobs.try_recv() {
            // Without a pool (the `Server` is gone) the job is dropped: 500.
            if let Some(pool) = &pool {
                if let Err(error) = pool.dispatch(job) {
                    eprintln!("host-test: a request lost with its instance: {error:#}");
                }
            }
        }
        drop(pool);
        self.leave_pool();
    }

    /// The event loop's own work: start the requests given to the instance,
    /// report on each when it ends, retire after `max_requests`.
    async fn serve(
        &mut self,
        accessor: &Accessor<StoreData>,
        service: &Arc<Service>,
        running: &mut HashMap<u32, Running>,
        deadlines: &Deadlines,
    ) -> wasmtime::Result<End> {
        let (done_tx, mut done) = mpsc::unbounded_channel();
        let mut server_alive = true;
        loop {
            tokio::select! {
                job = self.jobs.recv(), if server_alive => match job {
                    Some(job) => self.start(accessor, service, running, deadlines, job, &done_tx)?,
                    None => server_alive = false,
                },
                Some(number) = done.recv() => {
                    self.finish(accessor, running, deadlines, number);
                    if self.ended >= self.max_requests {
                        return Ok(End::Retired);
                    }
                }
            }
            if !server_alive && running.is_empty() {
                return Ok(End::ServerGone);
            }
        }
    }

    fn start(
        &mut self,
        accessor: &Accessor<StoreData>,
        service: &Arc<Service>,
        running: &mut HashMap<u32, Running>,
        deadlines: &Deadlines,
        job: Job,
        done: &mpsc::UnboundedSender<u32>,
    ) -> wasmtime::Result<()> {
        self.started += 1;
        let number = self.started;
        let started = if number == 1 {
            self.born
        } else {
            Instant::now()
        };
        let deadline = self.request_timeout.map(|limit| started + limit);
        if let Some(at) = deadline {
            deadlines.add(number, at);
        }
        let response_set = Arc::new(OnceLock::new());
        accessor.spawn(RequestTask {
            service: service.clone(),
            number,
            request: job.request,
            tap: job.tap.clone(),
            response_set: response_set.clone(),
            head_tx: job.head_tx,
            done: done.clone(),
        })?;
        running.insert(
            number,
            Running {
                number,
                started,
                deadline,
                tap: job.tap,
                response_set,
                report: job.report,
            },
        );
        self.max_in_flight = self.max_in_flight.max(running.len() as u32);
        Ok(())
    }

    /// Reports on a request whose body has ended (or whose client left).
    fn finish(
        &mut self,
        accessor: &Accessor<StoreData>,
        running: &mut HashMap<u32, Running>,
        deadlines: &Deadlines,
        number: u32,
    ) {
        let Some(request) = running.remove(&number) else {
            return;
        };
        if let Some(at) = request.deadline {
            deadlines.remove(number, at);
        }
        self.ended += 1;
        let (memory, open_resources, host_calls) = accessor.with(|mut store| {
            let data = store.get();
            (data.memory.usage(), data.open_resources(), data.host_calls)
        });
        let facts = InstanceFacts {
            id: self.id,
            requests: request.number,
            in_flight: running.len() as u32 + 1,
            max_in_flight: self.max_in_flight,
            open_resources,
            host_calls,
        };
        // Before the report, so that whoever awaits it sees the room it left.
        self.load.lock().unwrap().unfinished -= 1;
        request.report(memory, facts, |response, body| {
            decide_outcome(None, response, body)
        });
    }

    /// Drops the instance with requests in it, and reports on each.
    fn end_all(&self, mut store: Store<StoreData>, running: HashMap<u32, Running>, end: &End) {
        for request in running.values() {
            // Before the drop: the drop ends the body channels as if finished.
            request.tap.guest_trapped();
        }
        let memory = store.data().memory.usage();
        let open_resources = store.data_mut().open_resources();
        let host_calls = store.data().host_calls;
        let in_flight = running.len() as u32;
        drop(store);
        for (number, request) in running {
            let facts = InstanceFacts {
                id: self.id,
                requests: request.number,
                in_flight,
                max_in_flight: self.max_in_flight,
                open_resources,
                host_calls,
            };
            request.report(memory, facts, |response, body| match end {
                End::Failed(trap) => {
                    decide_outcome(Some(CallFailure::Trap(trap.clone())), response, body)
                }
                End::Late(late) if late.contains(&number) => {
                    decide_outcome(Some(CallFailure::Deadline), response, body)
                }
                _ => Outcome::HostError(format!(
                    "instance {} dropped because another request in it exceeded the request \
                     timeout",
                    self.id
                )),
            });
        }
    }

    /// No more jobs for this instance.
    fn close(&self) {
        self.load.lock().unwrap().closed = true;
    }

    fn leave_pool(&self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.remove(self.id);
        }
    }
}

/// One request as a task in the instance's store.
struct RequestTask {
    service: Arc<Service>,
    number: u32,
    request: Request<WasiBody>,
    tap: BodyTap,
    response_set: Arc<OnceLock<ResponseSet>>,
    head_tx: HeadSender,
    done: mpsc::UnboundedSender<u32>,
}

impl AccessorTask<StoreData> for RequestTask {
    async fn run(self, accessor: &Accessor<StoreData>) -> wasmtime::Result<()> {
        let RequestTask {
            service,
            number,
            request,
            tap,
            response_set,
            head_tx,
            done,
        } = self;
        // An `Err` (a trap) ends the whole event loop, which reports.
        start_p3_request(accessor, &service, request, &tap, &response_set, head_tx).await?;
        // The body's end is awaited by a task of its own: this one's state
        // (the handler call's) is large, and a slow download keeps it for
        // its whole length.
        accessor.spawn(BodyWatch { tap, number, done })?;
        Ok(())
    }
}

/// Waits for one request's body to end (or its client to leave).
struct BodyWatch {
    tap: BodyTap,
    number: u32,
    done: mpsc::UnboundedSender<u32>,
}

impl AccessorTask<StoreData> for BodyWatch {
    async fn run(self, _accessor: &Accessor<StoreData>) -> wasmtime::Result<()> {
        self.tap.finished().await;
        let _ = self.done.send(self.number);
        Ok(())
    }
}

/// The deadlines of the requests in flight in one instance.
#[derive(Default)]
struct Deadlines {
    due: Mutex<BTreeSet<(Instant, u32)>>,
    added: Notify,
}

impl Deadlines {
    fn add(&self, number: u32, at: Instant) {
        self.due.lock().unwrap().insert((at, number));
        self.added.notify_one();
    }

    fn remove(&self, number: u32, at: Instant) {
        self.due.lock().unwrap().remove(&(at, number));
    }

    /// Resolves once a deadline has passed, with every request now late.
    async fn passed(&self) -> Vec<u32> {
        loop {
            // Taken before looking, so that an `add` in between is not missed.
            let added = self.added.notified();
            let next = self.due.lock().unwrap().first().map(|(at, _)| *at);
            match next {
                None => added.await,
                Some(at) => tokio::select! {
                    _ = tokio::time::sleep_until(at.into()) => {}
                    _ = added => {}
                },
            }
            let now = Instant::now();
            let late: Vec<u32> = self
                .due
                .lock()
                .unwrap()
                .iter()
                .take_while(|(at, _)| *at <= now)
                .map(|(_, number)| *number)
                .collect();
            if !late.is_empty() {
                return late;
            }
        }
    }
}
