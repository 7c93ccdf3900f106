//! The classes of input that once trapped the component, in both builds:
//! file times the date format cannot hold, request heads larger than what the
//! component may keep, and directory entries whose names are not UTF-8. Each
//! gets an HTTP answer and a cleanly ended body, never a trap.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, SystemTime};

use crate::common::*;
use host_test::{Server, ServerConfig};
use http::Method;

/// Seconds since 1970 of a time far past year 9999 (in year 11476).
const PAST_9999: u64 = 300_000_000_000;

fn set_mtime(path: &std::path::Path, seconds: u64) {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
    let kept = std::fs::metadata(path).unwrap().modified().unwrap();
    assert_eq!(
        kept, time,
        "the file system must keep this time for the test to mean anything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modification_times_past_now_and_past_year_9999() {
    let site = Site::on_tmpfs();
    set_mtime(&site.text("far.txt", "far"), PAST_9999);
    set_mtime(&site.text("u64max.txt", "max"), i64::MAX as u64 / 2);
    // 2100: in the future, but a year the format holds.
    set_mtime(&site.text("future.txt", "future"), 4_102_444_800);
    set_mtime(&site.text("app.js", "plain"), PAST_9999);
    set_mtime(&site.text("app.js.gz", "gz"), PAST_9999 + 1);
    for (build, server) in site.servers(&[]) {
        for target in ["/far.txt", "/u64max.txt", "/future.txt", "/app.js"] {
            let what = format!("{build:?} {target}");
            let before = SystemTime::now();
            for headers in [&[][..], &[("accept-encoding", "gzip")]] {
                let f = fetch(&server, Method::GET, target, headers).await;
                assert_clean(&f, &what);
                assert_eq!(f.status, 200, "{what}");
                // RFC 9110 8.8.2.1: never later than the response's date.
                let last_modified = header(&f.headers, "last-modified").expect(&what);
                let stated = httpdate::parse_http_date(last_modified).unwrap();
                assert!(stated <= SystemTime::now(), "{what}: {last_modified}");
                assert!(
                    stated + Duration::from_secs(2) >= before,
                    "{what}: the response's date, not some other time: {last_modified}"
                );
                // The validator a client got back works.
                let f = fetch(
                    &server,
                    Method::GET,
                    target,
                    &[("if-modified-since", last_modified)],
                )
                .await;
                assert_eq!(f.status, 304, "{what}");
            }
        }
    }
}

/// The in-process host with its head limit lifted, so that the component
/// itself meets heads as large as `wasmtime serve` passes on.
fn unlimited_server(site: &Site, build: Build) -> Server {
    let config = ServerConfig::new(site.root())
        .component(build.component())
        .max_request_head(None);
    Server::new(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_beyond_what_the_component_keeps_get_414_and_431() {
    let site = Site::new();
    site.text("a.txt", "a");
    let tags = (0..20_000)
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    assert!(tags.len() > 128_000);
    let long_path = format!("/{}", "a/".repeat(20_000));
    let junk = "x".repeat(200_000);
    for build in BUILDS {
        let server = unlimited_server(&site, build);
        for (what, target, headers, status) in [
            (
                "128 KB If-None-Match",
                "/a.txt",
                vec![("if-none-match", tags.as_str())],
                431,
            ),
            (
                "128 KB Accept-Encoding",
                "/a.txt",
                vec![("accept-encoding", tags.as_str())],
                431,
            ),
            ("40 KB path", long_path.as_str(), vec![], 414),
            // A header the component never reads costs it nothing.
            (
                "200 KB cookie",
                "/a.txt",
                vec![("cookie", junk.as_str())],
                200,
            ),
        ] {
            let what = format!("{build:?} {what}");
            for method in [Method::GET, Method::HEAD] {
                let f = fetch(&server, method.clone(), target, &headers).await;
                assert_clean(&f, &what);
                assert_eq!(f.status, status, "{what} {method}");
            }
        }
        // And the instance is fine afterwards.
        assert_eq!(fetch(&server, Method::GET, "/a.txt", &[]).await.body, b"a");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_is_not_utf8_leaves_the_listing_whole() {
    let site = Site::new();
    site.text("d/a.txt", "a");
    site.text("d/z.txt", "z");
    let bad = site
        .root()
        .join("d")
        .join(OsStr::from_bytes(b"bad-\xff-name"));
    std::fs::write(&bad, "x").unwrap();
    for (build, server) in site.servers(&[("DIRECTORY_LISTING", "true")]) {
        let f = fetch(&server, Method::GET, "/d/", &[]).await;
        assert_clean(&f, &format!("{build:?}"));
        assert_eq!(f.status, 200);
        let page = String::from_utf8(f.body).unwrap();
        assert!(page.ends_with("</html>\n"), "{build:?}: {page}");
        assert!(page.contains("not UTF-8"), "{build:?}: says so: {page}");
        match build {
            // WASI 0.2 reports the entry and goes on: every other one is listed.
            Build::P2 => {
                assert!(
                    page.contains(">a.txt<") && page.contains(">z.txt<"),
                    "{page}"
                );
                assert!(
                    page.contains("1 entry with a name that is not UTF-8"),
                    "{page}"
                );
            }
            // wasmtime 48's WASI 0.3 stream ends at it; the page says where.
            Build::P3 => assert!(page.contains("ends at"), "{page}"),
        }
        // JSON leaves it out as well; where the entries stop at it, JSON
        // has no way to say so, and the response ends in an error.
        let json = [("accept", "application/json")];
        let f = fetch(&server, Method::GET, "/d/", &json).await;
        assert!(!f.outcome.is_trapped(), "{build:?} JSON: {:?}", f.outcome);
        match build {
            Build::P2 => {
                assert!(f.summary.is_clean(), "{:?}", f.summary);
                let listing: Vec<serde_json::Value> = serde_json::from_slice(&f.body).unwrap();
                let names: Vec<&str> = listing.iter().filter_map(|e| e["name"].as_str()).collect();
                assert_eq!(names.len(), 2, "{names:?}");
                assert!(
                    names.contains(&"a.txt") && names.contains(&"z.txt"),
                    "{names:?}"
                );
            }
            Build::P3 => assert!(!f.summary.is_clean(), "P3 JSON: {:?}", f.summary),
        }
        // An archive cannot hold the entry: it ends in an error, never short.
        let server = site.server_of(build, &[("DIRECTORY_DOWNLOAD", "tar")]);
        let f = fetch(&server, Method::GET, "/d/?download=tar", &[]).await;
        assert!(!f.outcome.is_trapped(), "{build:?} tar: {:?}", f.outcome);
        assert!(!f.summary.is_clean(), "{build:?} tar: {:?}", f.summary);
    }
}
