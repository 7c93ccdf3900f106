//! Concurrent requests in one WASIp3 instance (`ServerConfig::concurrent_reuse`,
//! as `wasmtime serve` runs WASIp3 components: up to 16 requests at once per
//! instance). One instance serves 10,000 mixed requests from 16 clients at
//! once in each transfer mode: every body is right, the instance really runs
//! many requests at once, its linear memory stays within one chunk (plus a
//! request's small state) per request in flight over its base and grows by
//! at most a page of fragmentation after the first hundred requests, and it
//! holds no host resources once it is alone with a request again.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::common::*;
use host_test::{read_hash, request, Outcome, Report, Server, ServerConfig};
use http::Method;

const REQUESTS: usize = 10_000;
/// Clients sending requests at once, and requests one instance may run at
/// once (`wasmtime serve`'s default for WASIp3).
const CLIENTS: usize = 16;
pub(crate) const IN_FLIGHT: u32 = 16;
/// Far above what the load needs (18-19 pages), far below what a leak of
/// one chunk per request would reach over 10,000 requests.
const MEMORY_CAP: usize = 8 * 1024 * 1024;
/// What a request needs beside its chunk: its task's frames, copies of the
/// headers and path it reads, the allocator's headers. The single request
/// that measures the base has it too, but 16 of them at once (with the
/// heap's fragmentation) take about one page more than the base's spare room:
/// the load peaks at base + 16 chunks (18 pages) in most runs, one page more
/// in some.
pub(crate) const REQUEST_STATE: u64 = 4 * KIB;
/// Growth allowed after the first hundred requests: one page, which the
/// heap's fragmentation takes at a random moment in some runs (it never
/// took two in 40 runs). A leak of a dozen bytes per request would take more
/// over 9,900 requests.
const LATE_GROWTH: u64 = PAGE;

/// The files of the mix, 1 KiB to 1 MiB (odd sizes too, so that the last
/// chunk of a body is partial).
const FILES: [(&str, u64); 5] = [
    ("f1k.bin", KIB),
    ("f16k.bin", 16 * KIB),
    ("f100k.bin", 100_003),
    ("f300k.bin", 300 * KIB),
    ("f1m.bin", MIB),
];

struct MixFiles {
    site: Site,
    /// The contents of `FILES`, in order.
    contents: Vec<Vec<u8>>,
    /// Their ETags, from responses.
    etags: Vec<String>,
}

/// One request of the mix and what must come back, checked by length and
/// SHA-256 of the whole body.
struct Step {
    name: &'static str,
    target: String,
    headers: Vec<(&'static str, String)>,
    status: u16,
    body: Vec<u8>,
}

impl MixFiles {
    async fn new() -> MixFiles {
        let site = Site::new();
        let contents = FILES
            .iter()
            .map(|(name, size)| std::fs::read(site.file(name, *size)).unwrap())
            .collect();
        let server = site.server_of(Build::P3, &[]);
        let mut etags = Vec::new();
        for (name, _) in FILES {
            let ex = server
                .handle(request(Method::HEAD, &format!("/{name}"), &[]))
                .await
                .unwrap();
            etags.push(header(&ex.headers, "etag").expect("ETag").to_string());
        }
        MixFiles {
            site,
            contents,
            etags,
        }
    }

    /// The `i`-th request. The first `CLIENTS` are long ranges that all run at
    /// once (relayed through one chunk each, in both modes), so the first
    /// hundred requests reach the peak that 16 requests in flight can need.
    fn step(&self, i: usize) -> Step {
        let file = |k: usize| (format!("/{}", FILES[k].0), &self.contents[k]);
        let whole = |name, k| {
            let (target, content) = file(k);
            Step::new(name, target, 200, content.clone())
        };
        if i < CLIENTS {
            let (target, content) = file(4);
            return Step::new("long range", target, 206, content[1..1_000_001].to_vec())
                .header("range", "bytes=1-1000000");
        }
        match i % 16 {
            0 | 10 => whole("GET 1 KiB", 0),
            1 => whole("GET 16 KiB", 1),
            2 => whole("GET 100,003 B", 2),
            3 | 15 => whole("GET 300 KiB", 3),
            4 | 11 => whole("GET 1 MiB", 4),
            5 => {
                let (target, content) = file(4);
                Step::new(
                    "range across chunks",
                    target,
                    206,
                    content[1000..71000].to_vec(),
                )
                .header("range", "bytes=1000-70999")
            }
            6 => {
                let (target, content) = file(2);
                let len = content.len();
                Step::new("suffix range", target, 206, content[len - 5000..].to_vec())
                    .header("range", "bytes=-5000")
            }
            7 => {
                let (target, content) = file(4);
                Step::new("open range", target, 206, content[900_000..].to_vec())
                    .header("range", "bytes=900000-")
            }
            8 => {
                let (target, _) = file(4);
                Step::new("304 of 1 MiB", target, 304, Vec::new())
                    .header("if-none-match", self.etags[4].clone())
            }
            9 => Step::new(
                "404",
                "/missing.bin".into(),
                404,
                b"404 Not Found\n".to_vec(),
            ),
            12 => {
                let (target, content) = file(0);
                Step::new("one-byte range", target, 206, content[..1].to_vec())
                    .header("range", "bytes=0-0")
            }
            13 => {
                let (target, _) = file(1);
                Step::new("304 of 16 KiB", target, 304, Vec::new())
                    .header("if-none-match", self.etags[1].clone())
            }
            _ => Step::new(
                "404 in a missing directory",
                "/nope/f1k.bin".into(),
                404,
                b"404 Not Found\n".to_vec(),
            ),
        }
    }
}

impl Step {
    fn new(name: &'static str, target: String, status: u16, body: Vec<u8>) -> Step {
        Step {
            name,
            target,
            headers: Vec::new(),
            status,
            body,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Step {
        self.headers.push((name, value.into()));
        self
    }
}

/// Sends `step`, reads its body to the end and waits for its report.
async fn run(server: &Server, step: &Step) -> (Result<(), String>, Report) {
    let headers: Vec<(&str, &str)> = step.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let ex = server
        .handle(request(Method::GET, &step.target, &headers))
        .await
        .unwrap();
    let status = ex.status.as_u16();
    let (summary, hash) = read_hash(ex.body).await;
    let report = ex.report.wait().await;
    let checked = if status != step.status {
        Err(format!(
            "{}: status {status}, expected {}",
            step.name, step.status
        ))
    } else if !summary.is_clean() {
        Err(format!("{}: body ended {:?}", step.name, summary.end))
    } else if (summary.bytes, hash) != (step.body.len() as u64, sha256(&step.body)) {
        Err(format!(
            "{}: {} bytes with another checksum, expected {} bytes",
            step.name,
            summary.bytes,
            step.body.len()
        ))
    } else if report.outcome != Outcome::Finished {
        Err(format!("{}: outcome {}", step.name, report.outcome))
    } else {
        Ok(())
    };
    (checked, report)
}

fn config(site: &Site, transfer: &str) -> ServerConfig {
    ServerConfig::new(site.root())
        .component(Build::P3.component())
        .env("TRANSFER", transfer)
        .max_memory(MEMORY_CAP)
        .reuse(1_000_000)
        .concurrent_reuse(IN_FLIGHT)
}

/// What `CLIENTS` clients sharing `REQUESTS` requests saw.
struct Load {
    /// Reports in the order they arrived.
    reports: Vec<Report>,
    failures: Vec<String>,
    /// Requests sent and not yet reported on, at most, as the clients counted.
    max_outstanding: usize,
}

async fn drive(server: &Server, mix: &Arc<MixFiles>, requests: usize) -> Load {
    let next = Arc::new(AtomicUsize::new(0));
    let outstanding = Arc::new(AtomicUsize::new(0));
    let max_outstanding = Arc::new(AtomicUsize::new(0));
    let reports = Arc::new(Mutex::new(Vec::with_capacity(requests)));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (server, mix, next) = (server.clone(), mix.clone(), next.clone());
        let (outstanding, max_outstanding) = (outstanding.clone(), max_outstanding.clone());
        let (reports, failures) = (reports.clone(), failures.clone());
        clients.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let step = mix.step(i);
                let now = outstanding.fetch_add(1, Ordering::SeqCst) + 1;
                max_outstanding.fetch_max(now, Ordering::SeqCst);
                let (checked, report) = run(&server, &step).await;
                outstanding.fetch_sub(1, Ordering::SeqCst);
                if let Err(failure) = checked {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("request {i}: {failure}"));
                }
                reports.lock().unwrap().push(report);
            }
        });
    }
    while let Some(ended) = clients.join_next().await {
        ended.expect("a client panicked");
    }
    fn take<T>(shared: Arc<Mutex<Vec<T>>>) -> Vec<T> {
        std::mem::take(&mut *shared.lock().unwrap())
    }
    Load {
        reports: take(reports),
        failures: take(failures),
        max_outstanding: max_outstanding.load(Ordering::SeqCst),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_serves_10000_requests_16_at_once_in_bounded_memory() {
    let mix = Arc::new(MixFiles::new().await);
    for transfer in MODES {
        // The base: the same server, one request at a time, every kind of
        // request of the mix once (the largest need is one chunk).
        let single = Server::new(config(&mix.site, transfer)).unwrap();
        let mut base: Option<Report> = None;
        for i in 0..32 {
            let (checked, report) = run(&single, &mix.step(i)).await;
            checked.unwrap_or_else(|failure| panic!("{transfer}: alone: {failure}"));
            assert_eq!(
                (report.instance_in_flight, report.instance_max_in_flight),
                (1, 1),
                "{transfer}: requests one after another overlapped"
            );
            base = Some(report);
        }
        let base = base.unwrap();

        let server = Server::new(config(&mix.site, transfer)).unwrap();
        let started = Instant::now();
        let load = drive(&server, &mix, REQUESTS).await;
        let elapsed = started.elapsed();
        // Alone again: what the instance holds now is what it keeps.
        let (checked, after) = run(&server, &mix.step(REQUESTS)).await;
        checked.unwrap_or_else(|failure| panic!("{transfer}: after the load: {failure}"));

        let reports = &load.reports;
        let instances: BTreeSet<u64> = reports.iter().map(|r| r.instance_id).collect();
        let max_in_flight = reports
            .iter()
            .map(|r| r.instance_max_in_flight)
            .max()
            .unwrap();
        let overlapped = reports.iter().filter(|r| r.instance_in_flight > 1).count();
        let peak = |reports: &[Report]| reports.iter().map(|r| r.peak_memory).max().unwrap();
        let (peak_100, peak_all) = (peak(&reports[..100]), peak(reports));
        let alone: Vec<&Report> = reports
            .iter()
            .filter(|r| r.instance_in_flight == 1)
            .collect();
        let bound = base.peak_memory + u64::from(max_in_flight) * (CHUNK + REQUEST_STATE);
        eprintln!(
            "{transfer}: {REQUESTS} requests from {CLIENTS} clients in {elapsed:.1?}; \
             instances used {instances:?}; max in flight in the instance {max_in_flight} \
             (clients counted {}); {overlapped} requests ended while others ran; \
             peak linear memory alone {} B, after 100 {} B, after {REQUESTS} {} B \
             (bound {bound} B), after one more alone {} B; memory growths {}; \
             open host resources alone {}, after the load {} ({} reports with the \
             instance alone)",
            load.max_outstanding,
            base.peak_memory,
            peak_100,
            peak_all,
            after.peak_memory,
            after.memory_growths,
            base.open_resources,
            after.open_resources,
            alone.len(),
        );

        // (a) Every request answered right.
        assert_eq!(reports.len(), REQUESTS, "{transfer}: reports missing");
        assert!(
            load.failures.is_empty(),
            "{transfer}: {} failures, first ones:\n{}",
            load.failures.len(),
            load.failures[..load.failures.len().min(10)].join("\n")
        );

        // (b) One instance ran them, many at once.
        assert_eq!(
            instances,
            BTreeSet::from([0]),
            "{transfer}: the load should fit one instance"
        );
        assert_eq!(after.instance_id, 0);
        assert_eq!(after.instance_requests as usize, REQUESTS + 1);
        assert_eq!(load.max_outstanding, CLIENTS, "{transfer}: clients");
        assert!(
            (IN_FLIGHT / 2..=IN_FLIGHT).contains(&max_in_flight),
            "{transfer}: at most {max_in_flight} requests ran at once in the instance"
        );
        assert!(
            overlapped >= REQUESTS / 2,
            "{transfer}: only {overlapped} requests ended while others ran"
        );

        // (c) Memory: the base plus one chunk (and a request's small state)
        // per request in flight, reached in the first hundred requests (the
        // first 16 all relay at once), and no more than one page of
        // fragmentation after.
        assert!(
            peak_all <= bound,
            "{transfer}: peak {peak_all} B over the base {} B + {max_in_flight} x \
             ({CHUNK} + {REQUEST_STATE}) B",
            base.peak_memory
        );
        assert!(
            peak_100 >= base.peak_memory + u64::from(IN_FLIGHT - 1) * CHUNK,
            "{transfer}: 16 requests relaying at once should hold 16 chunks"
        );
        assert!(
            peak_all <= peak_100 + LATE_GROWTH,
            "{transfer}: linear memory grew by {} B after the first hundred requests",
            peak_all - peak_100
        );
        assert_eq!(
            after.peak_memory, peak_all,
            "{transfer}: grew after the load"
        );
        assert_eq!(after.refused_growths, 0);

        // (d) Nothing held once the instance is alone again.
        assert!(
            !alone.is_empty() || after.instance_in_flight == 1,
            "{transfer}: the instance was never alone with a request"
        );
        assert_eq!(after.instance_in_flight, 1);
        for report in alone.iter().copied().chain([&after]) {
            assert_eq!(
                report.open_resources, base.open_resources,
                "{transfer}: host resources held with one request in flight \
                 (request {} of the instance)",
                report.instance_requests
            );
        }
    }
}

/// `concurrent_reuse` bounds the requests per instance; more requests at once
/// open more instances, each retiring after `reuse` requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limits_spread_requests_over_instances() {
    let mix = Arc::new(MixFiles::new().await);
    let config = ServerConfig::new(mix.site.root())
        .component(Build::P3.component())
        .reuse(50)
        .concurrent_reuse(4);
    let server = Server::new(config).unwrap();
    let load = drive(&server, &mix, 400).await;
    assert!(
        load.failures.is_empty(),
        "{:?}",
        &load.failures[..5.min(load.failures.len())]
    );
    let mut per_instance = std::collections::BTreeMap::<u64, Vec<&Report>>::new();
    for report in &load.reports {
        per_instance
            .entry(report.instance_id)
            .or_default()
            .push(report);
    }
    eprintln!(
        "400 requests, reuse 50, 4 at once: {} instances, requests per instance {:?}",
        per_instance.len(),
        per_instance.values().map(Vec::len).collect::<Vec<_>>()
    );
    for (id, reports) in &per_instance {
        assert!(
            reports.len() <= 50,
            "instance {id}: {} requests",
            reports.len()
        );
        let numbers: BTreeSet<u32> = reports.iter().map(|r| r.instance_requests).collect();
        assert_eq!(
            numbers.len(),
            reports.len(),
            "instance {id}: numbers repeat"
        );
        for report in reports {
            assert!(
                report.instance_max_in_flight <= 4,
                "instance {id}: {} at once",
                report.instance_max_in_flight
            );
        }
    }
    // 16 clients, 4 at once per instance: at least 4 instances at a time, and
    // at least 400 / 50 in all.
    assert!(per_instance.len() >= 8, "{} instances", per_instance.len());
    assert!(
        load.reports.iter().any(|r| r.instance_max_in_flight == 4),
        "no instance ever ran 4 requests at once"
    );
}

#[test]
fn concurrent_reuse_is_refused_where_it_cannot_apply() {
    let site = Site::new();
    let error = |config: ServerConfig| match Server::new(config) {
        Ok(_) => panic!("accepted"),
        Err(error) => format!("{error:#}"),
    };
    let p2 = ServerConfig::new(site.root())
        .component(Build::P2.component())
        .reuse(10)
        .concurrent_reuse(4);
    assert!(error(p2).contains("needs a WASIp3 component"));
    let without_reuse = ServerConfig::new(site.root())
        .component(Build::P3.component())
        .concurrent_reuse(4);
    assert!(error(without_reuse).contains("needs reuse"));
    let zero = ServerConfig::new(site.root())
        .component(Build::P3.component())
        .reuse(10)
        .concurrent_reuse(0);
    assert!(error(zero).contains("at least 1"));
}

/// A request past `request_timeout` drops its instance with the requests in
/// flight beside it (as `wasmtime serve -W timeout` does); the next request
/// gets a new instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_request_ends_its_instance_and_the_next_gets_a_new_one() {
    let site = Site::new();
    site.sparse("big.bin", 64 * MIB);
    site.text("a.txt", "a");
    // Splice hands the whole file over as its own stream: no guest stall
    // timeout applies, only the host's deadline.
    let config = ServerConfig::new(site.root())
        .component(Build::P3.component())
        .env("TRANSFER", "splice")
        .reuse(100)
        .concurrent_reuse(16)
        .request_timeout(std::time::Duration::from_secs(1));
    let server = Server::new(config).unwrap();
    let late = server.handle(host_test::get("/big.bin")).await.unwrap();
    let (_, late_body) = host_test::read_then_stall(late.body, 64 * KIB).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let beside = server.handle(host_test::get("/big.bin")).await.unwrap();
    let (_, beside_body) = host_test::read_then_stall(beside.body, 64 * KIB).await;
    let quick = fetch(&server, Method::GET, "/a.txt", &[]).await;
    assert_eq!((quick.status, quick.body.as_slice()), (200, &b"a"[..]));
    assert_eq!(quick.outcome, Outcome::Finished);

    let (late, beside) = (late.report.wait().await, beside.report.wait().await);
    drop((late_body, beside_body));
    assert_eq!(late.outcome, Outcome::DeadlineExceeded);
    assert!(
        matches!(&beside.outcome, Outcome::HostError(why) if why.contains("exceeded the request timeout")),
        "{}",
        beside.outcome
    );
    assert_eq!((late.instance_id, beside.instance_id), (0, 0));
    assert_eq!(late.instance_in_flight, 2);
    let next = server
        .handle(request(Method::GET, "/a.txt", &[]))
        .await
        .unwrap();
    let (body, _) = host_test::read_all(next.body).await;
    let next = next.report.wait().await;
    assert_eq!(body, b"a");
    assert_eq!((next.instance_id, next.instance_requests), (1, 1));
}

/// An instance that cannot be made fails the requests given to it, as a
/// fresh instance per request would: each gets a 500, none hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_instantiation_fails_its_requests() {
    let site = Site::new();
    site.text("a.txt", "a");
    let config = ServerConfig::new(site.root())
        .component(Build::P3.component())
        .max_memory(32 * 1024) // less than the one page the component declares
        .reuse(100)
        .concurrent_reuse(16);
    let server = Server::new(config).unwrap();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let server = server.clone();
        clients.spawn(async move { fetch(&server, Method::GET, "/a.txt", &[]).await });
    }
    let mut failed = 0;
    while let Some(fetched) = clients.join_next().await {
        let fetched = fetched.unwrap();
        assert_eq!(fetched.status, 500);
        assert!(fetched.outcome.is_trapped(), "{}", fetched.outcome);
        failed += 1;
    }
    assert_eq!(failed, 4);
}
