//! Clients that stop reading or go away must not pin an instance: a stall
//! ends in an aborted response after STALL_TIMEOUT, a disconnect stops the
//! guest at once.

use std::time::{Duration, Instant};

use crate::common::*;
use host_test::{
    get, read_all, read_then_drop, read_then_stall, request, Outcome, Server, StreamEnd,
};
use http::Method;

/// A site with a sparse 1 GiB `big.bin`.
fn big_file_site() -> Site {
    let site = Site::new();
    site.sparse("big.bin", GIB);
    site
}

/// A server of `site` for each build in each transfer mode, with
/// `STALL_TIMEOUT=stall`: the build, a name for messages, the server.
fn servers_by_mode<'a>(
    site: &'a Site,
    stall: &'a str,
) -> impl Iterator<Item = (Build, String, Server)> + 'a {
    builds_and_modes().map(move |(build, transfer)| {
        let env = [("TRANSFER", transfer), ("STALL_TIMEOUT", stall)];
        (
            build,
            format!("{build:?} {transfer}"),
            site.server_of(build, &env),
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_client_is_cut_after_stall_timeout() {
    let site = big_file_site();
    for (build, mode, server) in servers_by_mode(&site, "1s") {
        let start = Instant::now();
        let ex = server.handle(get("/big.bin")).await.unwrap();
        let (summary, body) = read_then_stall(ex.body, CHUNK).await;
        assert_eq!(summary.end, StreamEnd::NotReached);
        if build == Build::P3 {
            // (With a stall timeout set, `splice` relays a whole file too:
            // the file's own stream as the body would leave no guest code
            // running to notice the stall.) The guest gives up (drops its body writer with an error) but
            // what it wrote before stays queued in the host until read: the
            // host learns of the abort once the client reads on.
            assert_cut_behind_queued_bytes(body, &mode).await;
            assert_eq!(ex.report.wait().await.outcome, Outcome::Aborted, "{mode}");
            continue;
        }
        let report = tokio::time::timeout(Duration::from_secs(6), ex.report.wait())
            .await
            .unwrap_or_else(|_| {
                panic!("{mode}: instance still alive 6 s after a 1 s stall timeout")
            });
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_secs(1),
            "{mode}: cut before the timeout ({elapsed:?})"
        );
        assert_eq!(report.outcome, Outcome::Aborted, "{mode}");
        // The client must never see a clean end on a cut body.
        let (_, rest) = read_all(body).await;
        assert!(
            matches!(rest.end, StreamEnd::Error(_)),
            "{mode}: stalled body ended {:?}",
            rest.end
        );
        assert!(summary.bytes + rest.bytes < GIB);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stall_timeout_zero_waits_for_the_client() {
    let site = Site::new();
    site.sparse("big.bin", 4 * MIB);
    for (build, server) in site.servers(&[("STALL_TIMEOUT", "0")]) {
        let ex = server.handle(get("/big.bin")).await.unwrap();
        let (_, body) = read_then_stall(ex.body, CHUNK).await;
        let mut report = Box::pin(ex.report.wait());
        let early = tokio::time::timeout(Duration::from_secs(2), &mut report).await;
        assert!(
            early.is_err(),
            "{build:?}: with STALL_TIMEOUT=0 a paused client must not be cut"
        );
        // It resumes and gets every byte.
        let (_, rest) = read_all(body).await;
        assert!(rest.is_clean(), "{build:?}");
        assert_eq!(report.await.outcome, Outcome::Finished, "{build:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_stops_the_guest_at_once() {
    let site = big_file_site();
    for (_, mode, server) in servers_by_mode(&site, "60s") {
        let ex = server.handle(get("/big.bin")).await.unwrap();
        let summary = read_then_drop(ex.body, 64 * KIB).await;
        assert_eq!(summary.end, StreamEnd::NotReached);
        let report = tokio::time::timeout(Duration::from_secs(5), ex.report.wait())
            .await
            .unwrap_or_else(|_| panic!("{mode}: instance still alive 5 s after the client left"));
        assert_eq!(report.outcome, Outcome::ClientGone, "{mode}");
        let buffer_chunks = 1; // ServerConfig's default body_buffer_chunks
        let bound = 64 * KIB + (buffer_chunks + 1) * CHUNK;
        assert!(
            report.body_bytes <= bound,
            "{mode}: guest wrote {} bytes after the client left at 64 KiB",
            report.body_bytes
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_responses_obey_the_stall_timeout_too() {
    let site = big_file_site();
    for (build, mode, server) in servers_by_mode(&site, "1s") {
        for range in ["bytes=1000-", "bytes=0-99,1048576-"] {
            let ex = server
                .handle(request(Method::GET, "/big.bin", &[("range", range)]))
                .await
                .unwrap();
            assert_eq!(ex.status, 206);
            let (_, body) = read_then_stall(ex.body, CHUNK).await;
            if build == Build::P3 {
                // As above: the abort reaches the host behind the queued bytes.
                assert_cut_behind_queued_bytes(body, &format!("{mode} {range}")).await;
                assert_eq!(
                    ex.report.wait().await.outcome,
                    Outcome::Aborted,
                    "{mode} {range}"
                );
                continue;
            }
            let report = tokio::time::timeout(Duration::from_secs(6), ex.report.wait())
                .await
                .unwrap_or_else(|_| panic!("{mode} {range}: not cut"));
            assert_eq!(report.outcome, Outcome::Aborted, "{mode} {range}");
            drop(body);
        }
    }
}

/// A WASIp3 guest's abort of a stalled body reaches the host behind the bytes
/// it had queued: the client that reads on gets at most a few chunks, then an
/// error, never a clean end.
async fn assert_cut_behind_queued_bytes(body: host_test::ResponseBody, what: &str) {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, rest) = tokio::time::timeout(Duration::from_secs(6), read_all(body))
        .await
        .unwrap_or_else(|_| panic!("{what}: not cut 2 s after a 1 s stall timeout"));
    assert!(
        matches!(rest.end, StreamEnd::Error(_)),
        "{what}: stalled body ended {:?}",
        rest.end
    );
    assert!(
        rest.bytes <= 4 * CHUNK,
        "{what}: {} bytes queued after the stall",
        rest.bytes
    );
}
