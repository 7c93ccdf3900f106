//! Instance reuse (`ServerConfig::reuse`, as `wasmtime serve
//! --max-instance-reuse-count`): the component keeps no per-request state
//! beyond a request and leaks nothing. One instance serves 10,000 mixed
//! requests in turn; its peak linear memory and the host resources it holds
//! after the last one are exactly those after the first hundred.

use std::time::Instant;

use crate::common::request_mix::{MixSite, Read, Step, MIX_ENV, READ_BEFORE_LEAVING};
use crate::common::wasmtime_cli::MEMORY_CAP;
use crate::common::*;
use host_test::{
    read_all, read_then_drop, read_then_stall, request, Outcome, Report, Server, ServerConfig,
};
use http::Method;

const REQUESTS: usize = 10_000;

/// Runs one step of the mix and waits for its report (so the instance is
/// idle again before the next request).
async fn run(build: Build, server: &Server, step: &Step) -> (Result<(), String>, Report) {
    let headers: Vec<(&str, &str)> = step.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let ex = server
        .handle(request(step.method.clone(), step.target, &headers))
        .await
        .unwrap();
    let status = ex.status.as_u16();
    let (checked, report) = match step.read {
        Read::Whole => {
            let (body, summary) = read_all(ex.body).await;
            let checked = if summary.is_clean() {
                step.check(status, &body)
            } else {
                Err(format!("{}: body ended with {:?}", step.name, summary.end))
            };
            (checked, ex.report.wait().await)
        }
        Read::Abort => {
            read_then_drop(ex.body, READ_BEFORE_LEAVING).await;
            let report = ex.report.wait().await;
            (
                step.check(status, &[])
                    .and(expect_outcome(step, &report, Outcome::ClientGone)),
                report,
            )
        }
        Read::Stall if build == Build::P3 => {
            let (_, body) = read_then_stall(ex.body, READ_BEFORE_LEAVING).await;
            // A WASIp3 guest's abort reaches the host behind the bytes already
            // queued (tests/slow_clients.rs): the client reads on to see it.
            tokio::time::sleep(std::time::Duration::from_millis(800)).await;
            let (_, rest) = read_all(body).await;
            let report = ex.report.wait().await;
            let cut = match rest.end {
                host_test::StreamEnd::Error(_) => Ok(()),
                other => Err(format!("{}: stalled body ended {other:?}", step.name)),
            };
            (
                step.check(status, &[]).and(cut).and(expect_outcome(
                    step,
                    &report,
                    Outcome::Aborted,
                )),
                report,
            )
        }
        Read::Stall => {
            let (_, body) = read_then_stall(ex.body, READ_BEFORE_LEAVING).await;
            // Arrives once the guest has given up on the stalled client.
            let report = ex.report.wait().await;
            drop(body);
            (
                step.check(status, &[])
                    .and(expect_outcome(step, &report, Outcome::Aborted)),
                report,
            )
        }
    };
    let checked = checked.and(match &report.outcome {
        Outcome::Finished | Outcome::NoBody | Outcome::ClientGone | Outcome::Aborted => Ok(()),
        other => Err(format!("{}: outcome {other}", step.name)),
    });
    (checked, report)
}

fn expect_outcome(step: &Step, report: &Report, want: Outcome) -> Result<(), String> {
    if report.outcome == want {
        Ok(())
    } else {
        Err(format!(
            "{}: outcome {}, expected {want}",
            step.name, report.outcome
        ))
    }
}

/// The ETag of `data.bin`, from a response (it depends on size and mtime only).
async fn etag_of_data(server: &Server) -> String {
    let ex = server
        .handle(request(Method::HEAD, "/data.bin", &[]))
        .await
        .unwrap();
    header(&ex.headers, "etag").expect("ETag").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_serves_10000_mixed_requests_in_flat_memory() {
    let mix = MixSite::new();
    let etag = etag_of_data(&mix.site.server(&[])).await;
    for (build, transfer) in builds_and_modes() {
        let mode = format!("{build:?} {transfer}");
        let mut config = ServerConfig::new(mix.site.root())
            .component(build.component())
            .reuse(REQUESTS as u32)
            .max_memory(MEMORY_CAP as usize)
            .env("TRANSFER", transfer);
        for (key, value) in MIX_ENV {
            config = config.env(*key, *value);
        }
        let server = Server::new(config).unwrap();
        let started = Instant::now();
        let mut failures = Vec::new();
        let mut first: Option<Report> = None;
        let mut after_100: Option<Report> = None;
        let mut last: Option<Report> = None;
        for i in 0..REQUESTS {
            let step = mix.step(i, &etag);
            let (checked, report) = run(build, &server, &step).await;
            if let Err(failure) = checked {
                failures.push(format!("request {i}: {failure}"));
            }
            let instance = first.get_or_insert_with(|| report.clone()).instance_id;
            assert_eq!(
                (report.instance_id, report.instance_requests as usize),
                (instance, i + 1),
                "{mode}: request {i} ({}) did not run in the one reused instance",
                step.name
            );
            if i == 99 {
                after_100 = Some(report.clone());
            }
            last = Some(report);
        }
        let (first, after_100, last) = (first.unwrap(), after_100.unwrap(), last.unwrap());
        eprintln!(
            "{mode}: {REQUESTS} requests in one instance in {:.1?}; peak linear memory after 1: {} B, \
             after 100: {} B, after {REQUESTS}: {} B; memory growths {}; open host resources after 100: {}, \
             after {REQUESTS}: {}",
            started.elapsed(),
            first.peak_memory,
            after_100.peak_memory,
            last.peak_memory,
            last.memory_growths,
            after_100.open_resources,
            last.open_resources,
        );
        assert!(
            failures.is_empty(),
            "{mode}: {} failures, first ones:\n{}",
            failures.len(),
            failures[..failures.len().min(10)].join("\n")
        );
        assert_eq!(
            last.peak_memory, after_100.peak_memory,
            "{mode}: linear memory grew after the first hundred requests"
        );
        assert_eq!(
            last.memory_growths, after_100.memory_growths,
            "{mode}: memory.grow after the first hundred requests"
        );
        assert_eq!(
            last.open_resources, after_100.open_resources,
            "{mode}: host resources leaked"
        );
        // Both builds keep their root preopen for the instance's life.
        assert_eq!(
            last.open_resources, 1,
            "{mode}: host resources held between requests"
        );
        assert_eq!(last.refused_growths, 0);
        assert!(
            last.peak_memory <= 2 * PAGE,
            "{mode}: {} bytes",
            last.peak_memory
        );
    }
}

/// GETs `target`, reads the whole body and returns the request's report.
async fn fetch_report(server: &Server, target: &str) -> Report {
    let ex = server
        .handle(request(Method::GET, target, &[]))
        .await
        .unwrap();
    read_all(ex.body).await;
    ex.report.wait().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_retire_after_n_requests_or_a_trap_and_busy_ones_are_not_shared() {
    let site = Site::new();
    site.text("a.txt", "a");
    site.file("data.bin", 200_000);
    site.sparse("big.bin", GIB);

    // Default: a fresh instance per request.
    let fresh = site.server(&[]);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let report = fetch_report(&fresh, "/a.txt").await;
        assert_eq!(report.instance_requests, 1);
        ids.push(report.instance_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "fresh instances: {ids:?}");

    // reuse(3): requests 1-3 in one instance, 4-6 in the next.
    let server = Server::new(ServerConfig::new(site.root()).reuse(3)).unwrap();
    let mut seen = Vec::new();
    for _ in 0..6 {
        let report = fetch_report(&server, "/a.txt").await;
        seen.push((report.instance_id, report.instance_requests));
    }
    assert_eq!(seen, [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]);

    // A request that arrives while the instance is busy gets another one.
    let server = Server::new(
        ServerConfig::new(site.root())
            .reuse(100)
            .env("STALL_TIMEOUT", "500ms"),
    )
    .unwrap();
    let stalled = server
        .handle(request(Method::GET, "/big.bin", &[]))
        .await
        .unwrap();
    let (_, stalled_body) = read_then_stall(stalled.body, 64 * KIB).await;
    let ex = server
        .handle(request(Method::GET, "/a.txt", &[]))
        .await
        .unwrap();
    read_all(ex.body).await;
    let other = ex.report.wait().await;
    let stalled_report = stalled.report.wait().await;
    drop(stalled_body);
    assert_eq!(stalled_report.outcome, Outcome::Aborted);
    assert_ne!(other.instance_id, stalled_report.instance_id);

    // A trapped instance is never reused: one page of linear memory is too
    // little for a chunked body, not for a HEAD.
    let server = Server::new(
        ServerConfig::new(site.root())
            .reuse(100)
            .max_memory(PAGE as usize)
            .env("TRANSFER", "chunked"),
    )
    .unwrap();
    let mut reports = Vec::new();
    for method in [Method::HEAD, Method::GET, Method::HEAD] {
        let ex = server
            .handle(request(method, "/data.bin", &[]))
            .await
            .unwrap();
        read_all(ex.body).await;
        reports.push(ex.report.wait().await);
    }
    assert_eq!(reports[0].outcome, Outcome::NoBody);
    assert!(reports[1].outcome.is_trapped(), "{}", reports[1].outcome);
    assert_eq!((reports[0].instance_id, reports[1].instance_id), (0, 0));
    assert_eq!(
        (reports[2].instance_id, reports[2].instance_requests),
        (1, 1),
        "{:?}",
        reports[2]
    );
}
