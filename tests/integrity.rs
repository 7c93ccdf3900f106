//! Every byte arrives, in order, in both transfer modes and both builds;
//! HEAD describes the same representation without a body.

use crate::common::*;
use host_test::{get, read_all, read_hash, request, Outcome, Server, ServerConfig};
use http_body_util::BodyExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_match_the_files_in_both_modes() {
    let site = Site::new();
    let sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 10 * MIB];
    for size in sizes {
        site.file(&format!("f{size}.bin"), size);
    }
    // Without a stall timeout the WASI 0.3 build's `splice` hands a whole
    // file over as its own stream instead of relaying it: check both paths.
    let runs = builds_and_modes()
        .flat_map(|(build, transfer)| ["30s", "0"].map(move |stall| (build, transfer, stall)));
    for (build, transfer, stall) in runs {
        let server = site.server_of(build, &[("TRANSFER", transfer), ("STALL_TIMEOUT", stall)]);
        let mode = format!("{build:?} {transfer} STALL_TIMEOUT={stall}");
        for size in sizes {
            let name = format!("f{size}.bin");
            let ex = server.handle(get(&format!("/{name}"))).await.unwrap();
            assert_eq!(ex.status, 200, "{mode} {name}");
            assert_eq!(
                header(&ex.headers, "content-length"),
                Some(size.to_string().as_str())
            );
            let (summary, digest) = read_hash(ex.body).await;
            assert!(summary.is_clean(), "{mode} {name}: {summary:?}");
            assert_eq!(summary.bytes, size, "{mode} {name}");
            assert_eq!(
                digest,
                sha256_file(&site.root().join(&name)),
                "{mode} {name}: body differs from file"
            );
            let report = ex.report.wait().await;
            assert_eq!(report.outcome, Outcome::Finished, "{mode} {name}");
            assert_eq!(report.body_bytes, size);
        }
    }
}

/// The host may frame a body in smaller pieces than the guest writes (a
/// WASIp3 write is split into frames of at most the host's chunk size; a
/// WASIp2 guest is granted no more than that): the bytes are the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_match_when_the_host_frames_smaller_than_the_guest_writes() {
    let site = Site::new();
    let path = site.file("data.bin", 3 * MIB + 7);
    for (build, transfer) in builds_and_modes() {
        let mode = format!("{build:?} {transfer}");
        let config = ServerConfig::new(site.root())
            .component(build.component())
            .env("TRANSFER", transfer)
            .body_chunk_size(5000);
        let server = Server::new(config).unwrap();
        let mut ex = server.handle(get("/data.bin")).await.unwrap();
        let mut content = Vec::new();
        let mut largest = 0;
        while let Some(frame) = ex.body.frame().await {
            let frame = frame.unwrap_or_else(|e| panic!("{mode}: {e}"));
            if let Ok(data) = frame.into_data() {
                largest = largest.max(data.len());
                content.extend_from_slice(&data);
            }
        }
        assert!(largest <= 5000, "{mode}: a {largest}-byte frame");
        assert_eq!(content.len() as u64, 3 * MIB + 7, "{mode}");
        assert_eq!(sha256(&content), sha256_file(&path), "{mode}");
        assert_eq!(ex.report.wait().await.outcome, Outcome::Finished, "{mode}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_has_the_get_headers_and_no_body() {
    let site = Site::new();
    site.file("data.bin", 100_000);
    site.text("page.html", "<h1>hi</h1>");
    for (build, server) in site.servers(&[]) {
        for path in ["/data.bin", "/page.html", "/missing.txt"] {
            let get_ex = server.handle(get(path)).await.unwrap();
            let head_ex = server
                .handle(request(http::Method::HEAD, path, &[]))
                .await
                .unwrap();
            assert_eq!(get_ex.status, head_ex.status, "{build:?} {path}");
            assert_eq!(get_ex.headers, head_ex.headers, "{build:?} {path}");
            let (body, summary) = read_all(head_ex.body).await;
            assert!(
                body.is_empty() && summary.is_clean(),
                "{path}: HEAD body {summary:?}"
            );
            let report = head_ex.report.wait().await;
            assert_eq!(
                report.outcome,
                build.bodiless(),
                "{build:?} {path}: HEAD must not create a body"
            );
            assert_eq!(report.body_bytes, 0, "{build:?} {path}");
            drop(get_ex);
        }
    }
}
