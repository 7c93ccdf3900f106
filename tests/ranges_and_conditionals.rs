//! Range (single ranges) and conditional requests against the real component.

mod common;

use common::*;
use host_test::{Outcome, Server};
use http::Method;

async fn send(
    server: &Server,
    method: Method,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, http::HeaderMap, Vec<u8>, Outcome) {
    let f = fetch(server, method, target, headers).await;
    assert!(f.summary.is_clean(), "{target}: {:?}", f.summary);
    (f.status, f.headers, f.body, f.outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_ranges_in_both_modes() {
    let site = Site::new();
    let data = std::fs::read(site.file("data.bin", 200_000)).unwrap();
    let huge = 5 * GIB;
    site.sparse("huge.bin", huge);
    for mode in MODES {
        let server = site.server(&[("TRANSFER", mode)]);
        for (range, start, end) in [
            ("bytes=10-19", 10, 20),
            ("bytes=199990-", 199_990, 200_000),
            ("bytes=-5", 199_995, 200_000),
            ("bytes=65530-131080", 65_530, 131_081),
        ] {
            let (status, headers, body, _) =
                send(&server, Method::GET, "/data.bin", &[("range", range)]).await;
            assert_eq!(status, 206, "{mode} {range}");
            assert_eq!(
                header(&headers, "content-range"),
                Some(format!("bytes {}-{}/200000", start, end - 1).as_str())
            );
            assert_eq!(
                header(&headers, "content-length"),
                Some((end - start).to_string().as_str())
            );
            assert_eq!(body, data[start..end], "{mode} {range}");
        }
        let (status, headers, body, _) = send(
            &server,
            Method::GET,
            "/data.bin",
            &[("range", "bytes=200000-")],
        )
        .await;
        assert_eq!(
            (status, header(&headers, "content-range")),
            (416, Some("bytes */200000"))
        );
        assert_eq!(body, b"416 Range Not Satisfiable\n");
        for ignored in ["items=0-1", "bytes=9-1", "bytes=0-10,5-20"] {
            let (status, _, body, _) =
                send(&server, Method::GET, "/data.bin", &[("range", ignored)]).await;
            assert_eq!((status, body.len()), (200, 200_000), "{ignored}");
        }
        // Beyond 4 GiB: u64 offsets all the way.
        let (status, headers, body, _) = send(
            &server,
            Method::GET,
            "/huge.bin",
            &[("range", "bytes=5368709100-")],
        )
        .await;
        assert_eq!(status, 206);
        assert_eq!(
            header(&headers, "content-range"),
            Some("bytes 5368709100-5368709119/5368709120")
        );
        assert_eq!(body, vec![0u8; 20]);
        let (_, headers, _, _) = send(&server, Method::HEAD, "/huge.bin", &[]).await;
        assert_eq!(header(&headers, "content-length"), Some("5368709120"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_requests() {
    let site = Site::new();
    site.text("a.txt", "hello");
    let server = site.server(&[]);
    let (_, headers, _, _) = send(&server, Method::GET, "/a.txt", &[]).await;
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
                send(&server, method.clone(), "/a.txt", &[(name, value)]).await;
            assert_eq!(status, 304, "{method} {name}: {value}");
            assert_eq!(header(&h, "etag"), Some(etag.as_str()));
            assert_eq!(header(&h, "last-modified"), Some(date.as_str()));
            assert!(body.is_empty());
            assert_eq!(outcome, Outcome::NoBody, "a 304 has no body resource");
        }
    }
    for (name, value) in [
        ("if-match", "\"nope\""),
        ("if-match", weak.as_str()),
        ("if-unmodified-since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ] {
        let (status, _, body, _) = send(&server, Method::GET, "/a.txt", &[(name, value)]).await;
        assert_eq!(
            (status, body.as_slice()),
            (412, &b"412 Precondition Failed\n"[..]),
            "{name}: {value}"
        );
    }
    for (name, value) in [
        ("if-none-match", "\"other\""),
        ("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("if-modified-since", "garbage"),
        ("if-match", etag.as_str()),
    ] {
        let (status, _, body, _) = send(&server, Method::GET, "/a.txt", &[(name, value)]).await;
        assert_eq!(
            (status, body.as_slice()),
            (200, &b"hello"[..]),
            "{name}: {value}"
        );
    }
    // If-Range: a matching strong tag or the exact date keeps the range; else the whole file.
    for (if_range, status) in [
        (etag.as_str(), 206),
        (date.as_str(), 206),
        (weak.as_str(), 200),
        ("\"old\"", 200),
    ] {
        let (got, _, _, _) = send(
            &server,
            Method::GET,
            "/a.txt",
            &[("range", "bytes=1-2"), ("if-range", if_range)],
        )
        .await;
        assert_eq!(got, status, "If-Range: {if_range}");
    }
}
