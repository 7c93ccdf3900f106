//! `host-test serve` says each of a component's messages once: a rule file's
//! bad line is found again by every instance (the WASI 0.2 build's are fresh
//! per request), but the log names it once per process, while the rest of
//! the file keeps applying. Probes of the component's `HEALTH_PATH` are
//! answered and not logged.

use std::time::{Duration, Instant};

use crate::common::serve_process;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const REQUESTS: usize = 40;

async fn get(addr: std::net::SocketAddr, target: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rule_line_is_logged_once_per_server() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "a").unwrap();
    std::fs::write(
        dir.path().join("_redirects"),
        "/old /a.txt 301\nthis line is not a rule\n",
    )
    .unwrap();
    for (name, extra) in [
        (
            "WASI 0.2, fresh instances",
            vec![
                "--component",
                host_test::FILESERVER_COMPONENT,
                "--reuse",
                "1",
            ],
        ),
        ("serve's defaults", vec![]),
    ] {
        let (server, log) = serve_process(dir.path(), &extra);
        for i in 0..REQUESTS {
            let target = if i % 2 == 0 { "/old" } else { "/a.txt" };
            let response = get(server.addr, target).await;
            let want = if i % 2 == 0 {
                "HTTP/1.1 301"
            } else {
                "HTTP/1.1 200"
            };
            assert!(response.starts_with(want), "{name} {target}: {response}");
        }
        // The access log lines come in batches: wait for all of them.
        let deadline = Instant::now() + Duration::from_secs(10);
        let said = loop {
            let said = log.all();
            let requests = said.iter().filter(|l| l.contains(" GET /")).count();
            if requests >= REQUESTS || Instant::now() > deadline {
                break said;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let reports: Vec<_> = said
            .iter()
            .filter(|l| l.contains("_redirects line 2 skipped"))
            .collect();
        assert_eq!(reports.len(), 1, "{name}: {said:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_probes_are_answered_and_not_logged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "a").unwrap();
    let (server, log) = serve_process(dir.path(), &["--env", "HEALTH_PATH=/healthz"]);
    for _ in 0..5 {
        let response = get(server.addr, "/healthz").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with("\r\n\r\nok\n"), "{response}");
    }
    let response = get(server.addr, "/a.txt").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let said = loop {
        let said = log.all();
        if said.iter().any(|l| l.contains("GET /a.txt 200")) || Instant::now() > deadline {
            break said;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        said.iter().any(|l| l.contains("GET /a.txt 200")),
        "{said:#?}"
    );
    assert!(!said.iter().any(|l| l.contains("/healthz")), "{said:#?}");
}
