//! Every byte arrives, in order, in both transfer modes and both builds;
//! HEAD describes the same representation without a body.

mod common;

use common::*;
use host_test::{get, read_all, read_hash, request, Outcome};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_has_the_get_headers_and_no_body() {
    let site = Site::new();
    site.file("data.bin", 100_000);
    site.text("page.html", "<h1>hi</h1>");
    for build in BUILDS {
        let server = site.server_of(build, &[]);
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
