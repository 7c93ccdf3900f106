//! Status codes and headers for paths, methods and directories; hostile paths
//! never trap and never reveal a byte outside the root.

mod common;

use common::*;
use host_test::{read_all, request, Exchange, Outcome, ReportHandle, Server};
use http::Method;

/// The head and report of an exchange whose body was read to its end.
struct Fetched {
    status: http::StatusCode,
    headers: http::HeaderMap,
    report: ReportHandle,
}

async fn fetch(server: &Server, method: Method, target: &str) -> (Fetched, Vec<u8>) {
    let Exchange { status, headers, body, report } = server.handle(request(method, target, &[])).await.unwrap();
    let (bytes, summary) = read_all(body).await;
    assert!(summary.is_clean(), "{target}: {summary:?}");
    (Fetched { status, headers, report }, bytes)
}

fn site() -> Site {
    let site = Site::new();
    site.text("index.html", "<h1>home</h1>");
    site.text("hello.txt", "hello");
    site.text("docs/index.html", "<h1>docs</h1>");
    site.text("empty/.keep", "");
    site.text("my dir/a.css", "a{}");
    site.text("noext", "raw");
    site.text("UPPER.JSON", "{}");
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_directories_and_redirects() {
    let site = site();
    let server = site.server(&[]);

    let (ex, body) = fetch(&server, Method::GET, "/hello.txt?cache=bust").await;
    assert_eq!(ex.status, 200);
    assert_eq!(body, b"hello");
    assert_eq!(header(&ex.headers, "content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(header(&ex.headers, "accept-ranges"), Some("bytes"));
    let etag = header(&ex.headers, "etag").unwrap();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "strong ETag: {etag}");
    let modified = header(&ex.headers, "last-modified").unwrap();
    assert!(modified.ends_with(" GMT"), "{modified}");

    for (target, content, ctype) in [
        ("/", "<h1>home</h1>", "text/html; charset=utf-8"),
        ("/docs/", "<h1>docs</h1>", "text/html; charset=utf-8"),
        ("/my%20dir/a.css", "a{}", "text/css; charset=utf-8"),
        ("/noext", "raw", "application/octet-stream"),
        ("/UPPER.JSON", "{}", "application/json"),
        ("/docs/../hello.txt", "hello", "text/plain; charset=utf-8"),
    ] {
        let (ex, body) = fetch(&server, Method::GET, target).await;
        assert_eq!((ex.status.as_u16(), body.as_slice()), (200, content.as_bytes()), "{target}");
        assert_eq!(header(&ex.headers, "content-type"), Some(ctype), "{target}");
    }

    for (target, location) in [("/docs", "docs/"), ("/docs?a=1", "docs/?a=1"), ("/my%20dir", "my%20dir/")] {
        let (ex, body) = fetch(&server, Method::GET, target).await;
        assert_eq!(ex.status, 301, "{target}");
        assert_eq!(header(&ex.headers, "location"), Some(location), "{target}");
        assert!(body.is_empty());
        assert_eq!(ex.report.wait().await.outcome, Outcome::NoBody);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_short_text_with_the_right_status() {
    let site = site();
    let server = site.server(&[]);
    for (target, status) in [("/missing.txt", 404), ("/empty/", 404), ("/hello.txt/", 404), ("/docs/nope/x", 404)] {
        let (ex, body) = fetch(&server, Method::GET, target).await;
        assert_eq!(ex.status, status, "{target}");
        assert_eq!(header(&ex.headers, "content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(body, b"404 Not Found\n");
        assert_eq!(ex.report.wait().await.outcome, Outcome::Finished);
    }
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let (ex, body) = fetch(&server, method.clone(), "/hello.txt").await;
        assert_eq!(ex.status, 405, "{method}");
        assert_eq!(header(&ex.headers, "allow"), Some("GET, HEAD, OPTIONS"));
        assert_eq!(body, b"405 Method Not Allowed\n");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_paths_get_400_or_404_and_never_the_secret() {
    let site = site();
    for mode in MODES {
        let server = site.server(&[("TRANSFER", mode)]);
        for target in [
            "/../secret.txt",
            "/..%2fsecret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/docs/../../secret.txt",
            "/%252e%252e/secret.txt",
            "/..\\secret.txt",
            "/..%5csecret.txt",
            "/hello.txt%00.png",
            "//secret.txt",
            "/docs//index.html",
            "/%ff%fe",
            "/.%2e/secret.txt",
        ] {
            for method in [Method::GET, Method::HEAD] {
                let (ex, body) = fetch(&server, method.clone(), target).await;
                assert!(
                    ex.status == 400 || ex.status == 404,
                    "{mode} {method} {target}: status {}",
                    ex.status
                );
                assert!(!contains(&body, SECRET), "{target} leaked the secret");
                let report = ex.report.wait().await;
                assert!(!report.outcome.is_trapped(), "{target}: {:?}", report.outcome);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_setting_selects_the_preopen() {
    let site = site();
    let config = host_test::ServerConfig::new(site.root()).guest_path("/srv/www");
    let mounted = Server::new(config.clone().env("ROOT", "/srv/www/")).unwrap();
    let (ex, body) = fetch(&mounted, Method::GET, "/hello.txt").await;
    assert_eq!((ex.status.as_u16(), body.as_slice()), (200, &b"hello"[..]));
    // Default ROOT=/ has no preopen here: a clear 500, not a trap.
    let unmounted = Server::new(config).unwrap();
    let (ex, _) = fetch(&unmounted, Method::GET, "/hello.txt").await;
    assert_eq!(ex.status, 500);
    assert!(!ex.report.wait().await.outcome.is_trapped());
}
