//! Range (single ranges) and conditional requests against the real component,
//! on both builds.

use crate::common::*;
use host_test::Server;
use http::Method;

/// A date before any file here was written.
const LONG_AGO: &str = "Sun, 06 Nov 1994 08:49:37 GMT";

async fn send(
    build: Build,
    server: &Server,
    method: Method,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, http::HeaderMap, Vec<u8>, host_test::Outcome) {
    let f = fetch(server, method, target, headers).await;
    assert!(f.summary.is_clean(), "{build:?} {target}: {:?}", f.summary);
    (f.status, f.headers, f.body, f.outcome)
}

/// A GET of `target` with `Range: range`.
async fn get_range(
    build: Build,
    server: &Server,
    target: &str,
    range: &str,
) -> (u16, http::HeaderMap, Vec<u8>, host_test::Outcome) {
    send(build, server, Method::GET, target, &[("range", range)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_ranges_in_both_modes() {
    let site = Site::new();
    let data = std::fs::read(site.file("data.bin", 200_000)).unwrap();
    let huge = 5 * GIB;
    site.sparse("huge.bin", huge);
    for (build, mode) in builds_and_modes() {
        let server = site.server_of(build, &[("TRANSFER", mode)]);
        for (range, start, end) in [
            ("bytes=10-19", 10, 20),
            ("bytes=199990-", 199_990, 200_000),
            ("bytes=-5", 199_995, 200_000),
            ("bytes=65530-131080", 65_530, 131_081),
        ] {
            let (status, headers, body, _) = get_range(build, &server, "/data.bin", range).await;
            assert_eq!(status, 206, "{build:?} {mode} {range}");
            assert_eq!(
                header(&headers, "content-range"),
                Some(format!("bytes {}-{}/200000", start, end - 1).as_str()),
                "{build:?} {mode} {range}"
            );
            assert_eq!(
                header(&headers, "content-length"),
                Some((end - start).to_string().as_str()),
                "{build:?} {mode} {range}"
            );
            assert_eq!(body, data[start..end], "{build:?} {mode} {range}");
        }
        let (status, headers, body, _) =
            get_range(build, &server, "/data.bin", "bytes=200000-").await;
        assert_eq!(
            (status, header(&headers, "content-range")),
            (416, Some("bytes */200000")),
            "{build:?} {mode}"
        );
        assert_eq!(body, b"416 Range Not Satisfiable\n", "{build:?} {mode}");
        for ignored in ["items=0-1", "bytes=9-1", "bytes=0-10,5-20"] {
            let (status, _, body, _) = get_range(build, &server, "/data.bin", ignored).await;
            assert_eq!(
                (status, body.len()),
                (200, 200_000),
                "{build:?} {mode} {ignored}"
            );
        }
        // Beyond 4 GiB: u64 offsets all the way.
        let (status, headers, body, _) =
            get_range(build, &server, "/huge.bin", "bytes=5368709100-").await;
        assert_eq!(status, 206, "{build:?} {mode}");
        assert_eq!(
            header(&headers, "content-range"),
            Some("bytes 5368709100-5368709119/5368709120"),
            "{build:?} {mode}"
        );
        assert_eq!(body, vec![0u8; 20], "{build:?} {mode}");
        let (_, headers, _, _) = send(build, &server, Method::HEAD, "/huge.bin", &[]).await;
        assert_eq!(
            header(&headers, "content-length"),
            Some("5368709120"),
            "{build:?} {mode}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_requests() {
    let site = Site::new();
    site.text("a.txt", "hello");
    for (build, server) in site.servers(&[]) {
        let (_, headers, _, _) = send(build, &server, Method::GET, "/a.txt", &[]).await;
        let etag = header(&headers, "etag").unwrap().to_string();
        let date = header(&headers, "last-modified").unwrap().to_string();
        let weak = format!("W/{etag}");

        for (name, value) in [
            ("if-none-match", etag.as_str()),
            ("if-none-match", weak.as_str()),
            ("if-none-match", "*"),
            ("if-modified-since", date.as_str()),
        ] {
            for method in [Method::GET, Method::HEAD] {
                let (status, h, body, outcome) =
                    send(build, &server, method.clone(), "/a.txt", &[(name, value)]).await;
                let what = format!("{build:?} {method} {name}: {value}");
                assert_eq!(status, 304, "{what}");
                assert_eq!(header(&h, "etag"), Some(etag.as_str()), "{what}");
                assert_eq!(header(&h, "last-modified"), Some(date.as_str()), "{what}");
                assert!(body.is_empty(), "{what}");
                assert_eq!(outcome, build.bodiless(), "{what}: a 304 has no body");
            }
        }
        let failed = &b"412 Precondition Failed\n"[..];
        let whole = &b"hello"[..];
        for (name, value, want) in [
            ("if-match", "\"nope\"", (412, failed)),
            ("if-match", weak.as_str(), (412, failed)),
            ("if-unmodified-since", LONG_AGO, (412, failed)),
            ("if-none-match", "\"other\"", (200, whole)),
            ("if-modified-since", LONG_AGO, (200, whole)),
            ("if-modified-since", "garbage", (200, whole)),
            ("if-match", etag.as_str(), (200, whole)),
        ] {
            let (status, _, body, _) =
                send(build, &server, Method::GET, "/a.txt", &[(name, value)]).await;
            assert_eq!((status, body.as_slice()), want, "{build:?} {name}: {value}");
        }
        // If-Range: a matching strong tag or the exact date keeps the range; else the whole file.
        for (if_range, status) in [
            (etag.as_str(), 206),
            (date.as_str(), 206),
            (weak.as_str(), 200),
            ("\"old\"", 200),
        ] {
            let (got, _, _, _) = send(
                build,
                &server,
                Method::GET,
                "/a.txt",
                &[("range", "bytes=1-2"), ("if-range", if_range)],
            )
            .await;
            assert_eq!(got, status, "{build:?} If-Range: {if_range}");
        }
    }
}
