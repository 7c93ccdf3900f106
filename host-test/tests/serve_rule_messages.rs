//! `host-test serve` says each of a component's messages once: a rule file's
//! bad line is found again by every instance (the WASI 0.2 build's are fresh
//! per request), but the log names it once per process, while the rest of
//! the file keeps applying. Probes of the component's `HEALTH_PATH` are
//! answered and not logged.

use std::time::Duration;

use crate::common::http::{eventually, request};
use crate::common::serve_process;

const REQUESTS: usize = 40;

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
            let answer = request(server.addr, "GET", target, &[]).await;
            let want = if i % 2 == 0 { 301 } else { 200 };
            assert_eq!(answer.status, want, "{name} {target}: {}", answer.head);
        }
        // The access log lines come in batches: wait for all of them.
        let all_come = eventually(Duration::from_secs(10), async || {
            let said = log.all();
            let requests = said.iter().filter(|l| l.contains(" GET /")).count();
            (requests >= REQUESTS).then_some(said)
        })
        .await;
        let said = all_come.unwrap_or_else(|| log.all());
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
        let answer = request(server.addr, "GET", "/healthz", &[]).await;
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"ok\n"[..]));
    }
    let answer = request(server.addr, "GET", "/a.txt", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    let logged = eventually(Duration::from_secs(10), async || {
        let said = log.all();
        said.iter()
            .any(|l| l.contains("GET /a.txt 200"))
            .then_some(said)
    })
    .await;
    let said = logged.unwrap_or_else(|| log.all());
    assert!(
        said.iter().any(|l| l.contains("GET /a.txt 200")),
        "{said:#?}"
    );
    assert!(!said.iter().any(|l| l.contains("/healthz")), "{said:#?}");
}
