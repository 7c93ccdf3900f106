//! Status codes and headers for paths, methods and directories; hostile paths
//! never trap and never reveal a byte outside the root. Every test runs on
//! both builds.

use crate::common::*;
use host_test::{Outcome, Server, ServerConfig};
use http::Method;

async fn get_clean(build: Build, server: &Server, method: Method, target: &str) -> Fetched {
    let fetched = fetch(server, method, target, &[]).await;
    assert!(
        fetched.summary.is_clean(),
        "{build:?} {target}: {:?}",
        fetched.summary
    );
    fetched
}

fn site() -> Site {
    let site = Site::basic();
    site.texts(&[
        ("empty/.keep", ""),
        ("my dir/a.css", "a{}"),
        ("noext", "raw"),
        ("UPPER.JSON", "{}"),
    ]);
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_directories_and_redirects() {
    let site = site();
    for (build, server) in site.servers(&[]) {
        let f = get_clean(build, &server, Method::GET, "/hello.txt?cache=bust").await;
        assert_eq!(f.status, 200, "{build:?}");
        assert_eq!(f.body, b"hello", "{build:?}");
        assert_eq!(
            header(&f.headers, "content-type"),
            Some("text/plain; charset=utf-8"),
            "{build:?}"
        );
        assert_eq!(
            header(&f.headers, "accept-ranges"),
            Some("bytes"),
            "{build:?}"
        );
        let etag = header(&f.headers, "etag").unwrap();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "{build:?}: strong ETag: {etag}"
        );
        let modified = header(&f.headers, "last-modified").unwrap();
        assert!(modified.ends_with(" GMT"), "{build:?}: {modified}");

        for (target, content, ctype) in [
            ("/", "<h1>home</h1>", "text/html; charset=utf-8"),
            ("/docs/", "<h1>docs</h1>", "text/html; charset=utf-8"),
            ("/my%20dir/a.css", "a{}", "text/css; charset=utf-8"),
            ("/noext", "raw", "application/octet-stream"),
            ("/UPPER.JSON", "{}", "application/json"),
            ("/docs/../hello.txt", "hello", "text/plain; charset=utf-8"),
        ] {
            let f = get_clean(build, &server, Method::GET, target).await;
            assert_eq!(
                (f.status, f.body.as_slice()),
                (200, content.as_bytes()),
                "{build:?} {target}"
            );
            assert_eq!(
                header(&f.headers, "content-type"),
                Some(ctype),
                "{build:?} {target}"
            );
        }

        for (target, location) in [
            ("/docs", "docs/"),
            ("/docs?a=1", "docs/?a=1"),
            ("/my%20dir", "my%20dir/"),
        ] {
            let f = get_clean(build, &server, Method::GET, target).await;
            assert_eq!(f.status, 301, "{build:?} {target}");
            assert_eq!(
                header(&f.headers, "location"),
                Some(location),
                "{build:?} {target}"
            );
            assert!(f.body.is_empty(), "{build:?} {target}");
            assert_eq!(f.outcome, build.bodiless(), "{build:?} {target}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_short_text_with_the_right_status() {
    let site = site();
    for (build, server) in site.servers(&[]) {
        for (target, status) in [
            ("/missing.txt", 404),
            ("/empty/", 404),
            ("/hello.txt/", 404),
            ("/docs/nope/x", 404),
        ] {
            let f = get_clean(build, &server, Method::GET, target).await;
            assert_eq!(f.status, status, "{build:?} {target}");
            assert_eq!(
                header(&f.headers, "content-type"),
                Some("text/plain; charset=utf-8"),
                "{build:?} {target}"
            );
            assert_eq!(f.body, b"404 Not Found\n", "{build:?} {target}");
            assert_eq!(f.outcome, Outcome::Finished, "{build:?} {target}");
        }
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let f = get_clean(build, &server, method.clone(), "/hello.txt").await;
            assert_eq!(f.status, 405, "{build:?} {method}");
            assert_eq!(
                header(&f.headers, "allow"),
                Some("GET, HEAD, OPTIONS"),
                "{build:?} {method}"
            );
            assert_eq!(f.body, b"405 Method Not Allowed\n", "{build:?} {method}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_paths_get_400_or_404_and_never_the_secret() {
    let site = site();
    for (build, mode) in builds_and_modes() {
        let server = site.server_of(build, &[("TRANSFER", mode)]);
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
                let f = get_clean(build, &server, method.clone(), target).await;
                assert!(
                    f.status == 400 || f.status == 404,
                    "{build:?} {mode} {method} {target}: status {}",
                    f.status
                );
                assert!(
                    !contains(&f.body, SECRET),
                    "{build:?} {mode} {method} {target} leaked the secret"
                );
                assert!(
                    !f.outcome.is_trapped(),
                    "{build:?} {mode} {method} {target}: {:?}",
                    f.outcome
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_setting_selects_the_preopen() {
    let site = site();
    for build in BUILDS {
        let config = ServerConfig::new(site.root())
            .component(build.component())
            .guest_path("/srv/www");
        let mounted = Server::new(config.clone().env("ROOT", "/srv/www/")).unwrap();
        let f = get_clean(build, &mounted, Method::GET, "/hello.txt").await;
        assert_eq!(
            (f.status, f.body.as_slice()),
            (200, &b"hello"[..]),
            "{build:?}"
        );
        // Default ROOT=/ has no preopen here: a clear 500, not a trap.
        let unmounted = Server::new(config).unwrap();
        let f = get_clean(build, &unmounted, Method::GET, "/hello.txt").await;
        assert_eq!(f.status, 500, "{build:?}");
        assert!(!f.outcome.is_trapped(), "{build:?}: {:?}", f.outcome);
    }
}
