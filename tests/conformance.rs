//! Table-driven conformance suite: one case per HTTP rule, with the exact
//! status, headers and body the real component must answer. The cases are
//! in conformance.toml (the format: `common::case_file`); this file builds
//! the site they are run against.

use crate::common::case_file::{check_every_case, read_cases};
use crate::common::*;
use host_test::{read_all, request, Outcome};
use http::Method;

fn site() -> Site {
    let site = Site::basic();
    let files = [
        ("app.js", "console.log('plain')"),
        ("app.js.gz", "GZ-BYTES"),
        ("app.js.br", "BR-BYTES"),
        ("style.css", "a{}"),
        ("style.css.gz", "CSS-GZ"),
        ("orphan.txt.gz", "no original"),
        ("data.json", "{}"),
        ("data.json.zst", "ZST-BYTES"),
        ("data.json.gz", "JSON-GZ"),
        ("photo.jpg", "JPEG"),
        ("photo.jpg.gz", "never served"),
        ("cors-rule.txt", "rule"),
        ("cors-off.txt", "off"),
        (
            "_headers",
            "/cors-rule.txt\n  Access-Control-Allow-Origin: https://rule.example\n\
             /cors-off.txt\n  ! Access-Control-Allow-Origin\n",
        ),
        ("docs/home.htm", "<h1>alt index</h1>"),
        ("list/a.txt", "a"),
        ("list/b <c>&.txt", "b"),
        ("list/sub/x.txt", "x"),
        ("list/.hidden", "h"),
        (".env", "SECRET=1"),
        (".well-known/security.txt", "Contact: x"),
        ("spa.html", "<div id=app></div>"),
        ("404.html", "<h1>custom 404</h1>"),
    ];
    site.texts(&files);
    // sha256("hello"); read only where MANIFEST names it. The ETag and
    // Repr-Digest the manifest cases expect are taken from it.
    site.text(
        "SHA256SUMS",
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  hello.txt\n# size 5\n",
    );
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule() {
    let cases = read_cases("conformance.toml", include_str!("conformance.toml"));
    check_every_case(&site(), &cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_lists_every_entry_once() {
    let site = site();
    for (build, server) in site.servers(&[("DIRECTORY_LISTING", "true")]) {
        let ex = server
            .handle(request(Method::GET, "/list/", &[]))
            .await
            .unwrap();
        let (bytes, summary) = read_all(ex.body).await;
        assert!(summary.is_clean(), "{build:?}");
        let page = String::from_utf8(bytes).unwrap();
        for row in [
            "<a href=\"a.txt\">a.txt</a>",
            "<a href=\"sub/\">sub/</a>",
            "<a href=\"../\">../</a>",
            "<title>Index of /list/</title>",
        ] {
            assert_eq!(page.matches(row).count(), 1, "{build:?}: {row} in {page}");
        }
        assert!(!page.contains(".hidden"), "{build:?}");
        assert!(page.ends_with("</html>\n"), "{build:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_listing_takes_nginx_shape() {
    let site = site();
    for (build, server) in site.servers(&[("DIRECTORY_LISTING", "true")]) {
        let json = [("accept", "application/json")];
        let f = fetch(&server, Method::GET, "/list/", &json).await;
        assert_clean(&f, &format!("{build:?}"));
        assert_eq!(header(&f.headers, "content-type"), Some("application/json"));
        assert_eq!(header(&f.headers, "vary"), Some("accept"), "{build:?}");
        let listing: Vec<serde_json::Value> = serde_json::from_slice(&f.body).unwrap();
        let mut names: Vec<&str> = listing
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["a.txt", "b <c>&.txt", "sub"],
            "{build:?}: no hidden file"
        );
        for entry in &listing {
            let modified = entry["mtime"].as_str().expect("an mtime");
            assert!(
                httpdate::parse_http_date(modified).is_ok(),
                "{build:?}: {modified}"
            );
            let (kind, size) = match entry["name"].as_str() {
                Some("sub") => ("directory", None),
                _ => ("file", Some(1)),
            };
            assert_eq!(entry["type"], kind, "{build:?}");
            assert_eq!(
                entry.get("size").and_then(|s| s.as_u64()),
                size,
                "{build:?}"
            );
        }
        // A browser still gets HTML, and HEAD no body.
        let browser = [("accept", "text/html,application/xhtml+xml,*/*;q=0.8")];
        let f = fetch(&server, Method::GET, "/list/", &browser).await;
        assert_eq!(
            header(&f.headers, "content-type"),
            Some("text/html; charset=utf-8")
        );
        let f = fetch(&server, Method::HEAD, "/list/", &json).await;
        assert!(f.body.is_empty(), "{build:?}: HEAD");
    }
}

/// Splits a multipart/byteranges body into (content-range, data) parts.
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
    let text = body;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = text
        .strip_prefix(delimiter.as_bytes())
        .expect("starts with the delimiter");
    loop {
        if rest.starts_with(b"--\r\n") {
            assert_eq!(rest.len(), 4, "nothing after the closing delimiter");
            return parts;
        }
        rest = rest.strip_prefix(b"\r\n").expect("CRLF after delimiter");
        let head_end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("part head");
        let head = std::str::from_utf8(&rest[..head_end]).unwrap().to_string();
        rest = &rest[head_end + 4..];
        let next = format!("\r\n--{boundary}");
        let data_end = rest
            .windows(next.len())
            .position(|w| w == next.as_bytes())
            .expect("next delimiter");
        let range = head
            .lines()
            .find_map(|l| l.strip_prefix("content-range: "))
            .expect("content-range")
            .to_string();
        assert!(
            head.contains("content-type: application/octet-stream"),
            "{head}"
        );
        parts.push((range, rest[..data_end].to_vec()));
        rest = &rest[data_end + next.len()..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_ranges_byte_for_byte_in_both_modes() {
    let site = Site::new();
    let data = std::fs::read(site.file("data.bin", 300_000)).unwrap();
    for (build, transfer) in builds_and_modes() {
        let mode = format!("{build:?} {transfer}");
        let server = site.server_of(build, &[("TRANSFER", transfer)]);
        let ranges = [("range", "bytes=0-9, 100000-165535, -5")];
        let ex = server
            .handle(request(Method::GET, "/data.bin", &ranges))
            .await
            .unwrap();
        assert_eq!(ex.status, 206, "{mode}");
        let ctype = header(&ex.headers, "content-type").unwrap().to_string();
        let boundary = ctype
            .strip_prefix("multipart/byteranges; boundary=")
            .expect(&ctype)
            .to_string();
        assert!(boundary.len() >= 32, "a random boundary: {boundary}");
        let length: usize = header(&ex.headers, "content-length")
            .unwrap()
            .parse()
            .unwrap();
        let (body, summary) = read_all(ex.body).await;
        assert!(summary.is_clean(), "{mode}: {summary:?}");
        assert_eq!(
            body.len(),
            length,
            "{mode}: Content-Length computed up front"
        );
        let parts = parse_multipart(&body, &boundary);
        let want = [(0usize, 10usize), (100_000, 65_536), (299_995, 5)];
        assert_eq!(parts.len(), 3);
        for ((range, bytes), (start, len)) in parts.iter().zip(want) {
            assert_eq!(
                range,
                &format!("bytes {}-{}/300000", start, start + len - 1)
            );
            assert_eq!(bytes[..], data[start..start + len], "{mode}: part {range}");
        }
        assert_eq!(ex.report.wait().await.outcome, Outcome::Finished);
    }
}
