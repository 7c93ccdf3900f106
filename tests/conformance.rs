//! Table-driven conformance suite: one row per HTTP rule, with the exact
//! status, headers and body the real component must answer.

use crate::common::*;
use host_test::{read_all, request, Outcome, Server};
use http::Method;

enum Body {
    Exact(&'static [u8]),
    Contains(&'static str),
    Empty,
}

struct Case {
    rule: &'static str,
    env: &'static [(&'static str, &'static str)],
    method: Method,
    target: &'static str,
    headers: &'static [(&'static str, &'static str)],
    status: u16,
    /// `None`: the header must be absent.
    expect: &'static [(&'static str, Option<&'static str>)],
    body: Body,
}

fn site() -> Site {
    let site = Site::basic();
    site.text("app.js", "console.log('plain')");
    site.text("app.js.gz", "GZ-BYTES");
    site.text("app.js.br", "BR-BYTES");
    site.text("style.css", "a{}");
    site.text("style.css.gz", "CSS-GZ");
    site.text("orphan.txt.gz", "no original");
    site.text("docs/home.htm", "<h1>alt index</h1>");
    site.text("list/a.txt", "a");
    site.text("list/b <c>&.txt", "b");
    site.text("list/sub/x.txt", "x");
    site.text("list/.hidden", "h");
    site.text(".env", "SECRET=1");
    site.text(".well-known/security.txt", "Contact: x");
    site.text("spa.html", "<div id=app></div>");
    site.text("404.html", "<h1>custom 404</h1>");
    // sha256("hello"); read only where MANIFEST names it.
    site.text(
        "SHA256SUMS",
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  hello.txt\n# size 5\n",
    );
    site
}

const MANIFEST: &[(&str, &str)] = &[("MANIFEST", "/SHA256SUMS")];
const HELLO_DIGEST: &str = "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:";
const HELLO_ETAG: &str = "\"sha256-2cf24dba5fb0a30e26e83b2ac5b9e29e\"";

const NONE: &[(&str, &str)] = &[];

fn cases() -> Vec<Case> {
    use Body::*;
    let get = Method::GET;
    let head = Method::HEAD;
    vec![
        Case {
            rule: "GET file: type, length, validators, nosniff",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: NONE,
            status: 200,
            expect: &[
                ("content-type", Some("text/plain; charset=utf-8")),
                ("content-length", Some("5")),
                ("accept-ranges", Some("bytes")),
                ("x-content-type-options", Some("nosniff")),
                ("cache-control", None),
                ("vary", None),
            ],
            body: Exact(b"hello"),
        },
        Case {
            rule: "HEAD: headers, no body",
            env: NONE,
            method: head.clone(),
            target: "/hello.txt",
            headers: NONE,
            status: 200,
            expect: &[("content-length", Some("5"))],
            body: Empty,
        },
        Case {
            rule: "OPTIONS: 204 with Allow",
            env: NONE,
            method: Method::OPTIONS,
            target: "/hello.txt",
            headers: NONE,
            status: 204,
            expect: &[("allow", Some("GET, HEAD, OPTIONS"))],
            body: Empty,
        },
        Case {
            rule: "other methods: 405 with Allow",
            env: NONE,
            method: Method::DELETE,
            target: "/hello.txt",
            headers: NONE,
            status: 405,
            expect: &[("allow", Some("GET, HEAD, OPTIONS"))],
            body: Exact(b"405 Method Not Allowed\n"),
        },
        Case {
            rule: "CACHE_CONTROL on file responses",
            env: &[("CACHE_CONTROL", "public, max-age=600")],
            method: get.clone(),
            target: "/hello.txt",
            headers: NONE,
            status: 200,
            expect: &[("cache-control", Some("public, max-age=600"))],
            body: Exact(b"hello"),
        },
        Case {
            rule: "CACHE_CONTROL on 304",
            env: &[("CACHE_CONTROL", "no-cache")],
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("if-none-match", "*")],
            status: 304,
            expect: &[
                ("cache-control", Some("no-cache")),
                ("content-length", None),
            ],
            body: Empty,
        },
        Case {
            rule: "precompressed: br preferred on a tie",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("accept-encoding", "gzip, deflate, br")],
            status: 200,
            expect: &[
                ("content-encoding", Some("br")),
                ("content-type", Some("text/javascript; charset=utf-8")),
                ("vary", Some("accept-encoding")),
                ("content-length", Some("8")),
            ],
            body: Exact(b"BR-BYTES"),
        },
        Case {
            rule: "precompressed: q-values",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("accept-encoding", "br;q=0.2, gzip;q=0.8")],
            status: 200,
            expect: &[
                ("content-encoding", Some("gzip")),
                ("vary", Some("accept-encoding")),
            ],
            body: Exact(b"GZ-BYTES"),
        },
        Case {
            rule: "precompressed: q=0 excludes",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("accept-encoding", "br;q=0, gzip;q=0")],
            status: 200,
            expect: &[
                ("content-encoding", None),
                ("vary", Some("accept-encoding")),
            ],
            body: Exact(b"console.log('plain')"),
        },
        Case {
            rule: "precompressed: no Accept-Encoding still varies",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: NONE,
            status: 200,
            expect: &[
                ("content-encoding", None),
                ("vary", Some("accept-encoding")),
            ],
            body: Exact(b"console.log('plain')"),
        },
        Case {
            rule: "precompressed: only existing variants",
            env: NONE,
            method: get.clone(),
            target: "/style.css",
            headers: &[("accept-encoding", "br")],
            status: 200,
            expect: &[
                ("content-encoding", None),
                ("vary", Some("accept-encoding")),
            ],
            body: Exact(b"a{}"),
        },
        Case {
            rule: "precompressed: ranges apply to the encoded bytes",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("accept-encoding", "gzip"), ("range", "bytes=0-1")],
            status: 206,
            expect: &[
                ("content-encoding", Some("gzip")),
                ("content-range", Some("bytes 0-1/8")),
            ],
            body: Exact(b"GZ"),
        },
        Case {
            rule: "precompressed: the original must exist",
            env: NONE,
            method: get.clone(),
            target: "/orphan.txt",
            headers: &[("accept-encoding", "gzip")],
            status: 404,
            expect: &[],
            body: Exact(b"404 Not Found\n"),
        },
        Case {
            rule: "unknown extension: octet-stream",
            env: NONE,
            method: get.clone(),
            target: "/orphan.txt.gz",
            headers: NONE,
            status: 200,
            expect: &[("content-type", Some("application/gzip"))],
            body: Exact(b"no original"),
        },
        Case {
            rule: "INDEX_FILE",
            env: &[("INDEX_FILE", "home.htm")],
            method: get.clone(),
            target: "/docs/",
            headers: NONE,
            status: 200,
            expect: &[("content-type", Some("text/html; charset=utf-8"))],
            body: Exact(b"<h1>alt index</h1>"),
        },
        Case {
            rule: "directory without index, listing off: 404",
            env: NONE,
            method: get.clone(),
            target: "/list/",
            headers: NONE,
            status: 404,
            expect: &[],
            body: Exact(b"404 Not Found\n"),
        },
        Case {
            rule: "DIRECTORY_LISTING: escaped names, encoded links, no hidden",
            env: &[("DIRECTORY_LISTING", "true")],
            method: get.clone(),
            target: "/list/",
            headers: NONE,
            status: 200,
            expect: &[
                ("content-type", Some("text/html; charset=utf-8")),
                ("content-length", None),
            ],
            body: Contains("<a href=\"b%20%3Cc%3E%26.txt\">b &lt;c&gt;&amp;.txt</a>"),
        },
        Case {
            rule: "hidden files: 404",
            env: NONE,
            method: get.clone(),
            target: "/.env",
            headers: NONE,
            status: 404,
            expect: &[],
            body: Exact(b"404 Not Found\n"),
        },
        Case {
            rule: "hidden files: .well-known is served",
            env: NONE,
            method: get.clone(),
            target: "/.well-known/security.txt",
            headers: NONE,
            status: 200,
            expect: &[],
            body: Exact(b"Contact: x"),
        },
        Case {
            rule: "SERVE_HIDDEN",
            env: &[("SERVE_HIDDEN", "1")],
            method: get.clone(),
            target: "/.env",
            headers: NONE,
            status: 200,
            expect: &[],
            body: Exact(b"SECRET=1"),
        },
        Case {
            rule: "FALLBACK_PATH: 200 with the fallback's type",
            env: &[("FALLBACK_PATH", "/spa.html")],
            method: get.clone(),
            target: "/app/route.json",
            headers: NONE,
            status: 200,
            expect: &[("content-type", Some("text/html; charset=utf-8"))],
            body: Exact(b"<div id=app></div>"),
        },
        Case {
            rule: "CUSTOM_404_PATH: status 404",
            env: &[("CUSTOM_404_PATH", "/404.html")],
            method: get.clone(),
            target: "/nope.txt",
            headers: NONE,
            status: 404,
            expect: &[("content-type", Some("text/html; charset=utf-8"))],
            body: Exact(b"<h1>custom 404</h1>"),
        },
        Case {
            rule: "fallback wins over custom 404",
            env: &[
                ("CUSTOM_404_PATH", "/404.html"),
                ("FALLBACK_PATH", "/spa.html"),
            ],
            method: get.clone(),
            target: "/nope",
            headers: NONE,
            status: 200,
            expect: &[],
            body: Exact(b"<div id=app></div>"),
        },
        Case {
            rule: "CUSTOM_404_PATH on HEAD: no body",
            env: &[("CUSTOM_404_PATH", "/404.html")],
            method: head.clone(),
            target: "/nope",
            headers: NONE,
            status: 404,
            expect: &[("content-length", Some("19"))],
            body: Empty,
        },
        Case {
            rule: "spin-path-info never picks the file by default",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("spin-path-info", "/index.html")],
            status: 200,
            expect: &[],
            body: Exact(b"hello"),
        },
        Case {
            rule: "PATH_SOURCE=spin-path-info: it replaces the path",
            env: &[("PATH_SOURCE", "spin-path-info")],
            method: get.clone(),
            target: "/static/anything",
            headers: &[("spin-path-info", "/hello.txt")],
            status: 200,
            expect: &[],
            body: Exact(b"hello"),
        },
        Case {
            rule: "PATH_SOURCE=spin-path-info: the last line (Spin's own) counts",
            env: &[("PATH_SOURCE", "spin-path-info")],
            method: get.clone(),
            target: "/static/hello.txt",
            headers: &[
                ("spin-path-info", "/index.html"),
                ("spin-path-info", "/hello.txt"),
            ],
            status: 200,
            expect: &[],
            body: Exact(b"hello"),
        },
        Case {
            rule: "PATH_SOURCE=spin-path-info: the path is untrusted",
            env: &[("PATH_SOURCE", "spin-path-info")],
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("spin-path-info", "/../secret.txt")],
            status: 400,
            expect: &[],
            body: Exact(b"400 Bad Request\n"),
        },
        Case {
            rule: "Range: unit other than bytes ignored",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("range", "lines=0-1")],
            status: 200,
            expect: &[],
            body: Exact(b"hello"),
        },
        Case {
            rule: "Range: suffix",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("range", "bytes=-3")],
            status: 206,
            expect: &[
                ("content-range", Some("bytes 2-4/5")),
                ("content-length", Some("3")),
            ],
            body: Exact(b"llo"),
        },
        Case {
            rule: "Range: overlapping served whole",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("range", "bytes=0-2,1-3")],
            status: 200,
            expect: &[],
            body: Exact(b"hello"),
        },
        Case {
            rule: "Range: unsatisfiable",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("range", "bytes=5-")],
            status: 416,
            expect: &[("content-range", Some("bytes */5"))],
            body: Exact(b"416 Range Not Satisfiable\n"),
        },
        Case {
            rule: "Range on HEAD ignored",
            env: NONE,
            method: head.clone(),
            target: "/hello.txt",
            headers: &[("range", "bytes=0-1")],
            status: 200,
            expect: &[("content-length", Some("5"))],
            body: Empty,
        },
        Case {
            rule: "If-Unmodified-Since in the past: 412",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("if-unmodified-since", "Sun, 06 Nov 1994 08:49:37 GMT")],
            status: 412,
            expect: &[],
            body: Exact(b"412 Precondition Failed\n"),
        },
        Case {
            rule: "If-Modified-Since unparseable: ignored",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("if-modified-since", "not a date")],
            status: 200,
            expect: &[],
            body: Exact(b"hello"),
        },
        Case {
            rule: "If-Match that cannot be parsed: 412 (lost-update protection)",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("if-match", "not-a-tag")],
            status: 412,
            expect: &[],
            body: Exact(b"412 Precondition Failed\n"),
        },
        Case {
            rule: "empty If-None-Match: If-Modified-Since still decides",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[
                ("if-none-match", ""),
                ("if-modified-since", "Fri, 31 Dec 9999 23:59:59 GMT"),
            ],
            status: 304,
            expect: &[],
            body: Empty,
        },
        Case {
            rule: "/file/. is /file/ (RFC 3986 5.2.4): 404",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt/.",
            headers: NONE,
            status: 404,
            expect: &[],
            body: Exact(b"404 Not Found\n"),
        },
        Case {
            rule: "/dir/x/.. is /dir/: its index",
            env: NONE,
            method: get.clone(),
            target: "/docs/x/..",
            headers: NONE,
            status: 200,
            expect: &[],
            body: Exact(b"<h1>docs</h1>"),
        },
        Case {
            rule: "Accept-Encoding: identity weighed above a coding",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("accept-encoding", "gzip;q=0.5, br;q=0.4, identity")],
            status: 200,
            expect: &[
                ("content-encoding", None),
                ("vary", Some("accept-encoding")),
            ],
            body: Exact(b"console.log('plain')"),
        },
        Case {
            rule: "Accept-Encoding: identity;q=0 takes a coding",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("accept-encoding", "gzip, identity;q=0")],
            status: 200,
            expect: &[("content-encoding", Some("gzip"))],
            body: Exact(b"GZ-BYTES"),
        },
        Case {
            rule: "416 of a negotiable resource says Vary",
            env: NONE,
            method: get.clone(),
            target: "/app.js",
            headers: &[("range", "bytes=1000-")],
            status: 416,
            expect: &[
                ("content-range", Some("bytes */20")),
                ("vary", Some("accept-encoding")),
            ],
            body: Exact(b"416 Range Not Satisfiable\n"),
        },
        Case {
            rule: "manifest: ETag from the content hash, Repr-Digest (RFC 9530)",
            env: MANIFEST,
            method: get.clone(),
            target: "/hello.txt",
            headers: NONE,
            status: 200,
            expect: &[
                ("etag", Some(HELLO_ETAG)),
                ("repr-digest", Some(HELLO_DIGEST)),
            ],
            body: Exact(b"hello"),
        },
        Case {
            rule: "manifest: a range carries the whole representation's digest",
            env: MANIFEST,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("range", "bytes=1-2")],
            status: 206,
            expect: &[
                ("content-range", Some("bytes 1-2/5")),
                ("repr-digest", Some(HELLO_DIGEST)),
            ],
            body: Exact(b"el"),
        },
        Case {
            rule: "manifest: Want-Repr-Digest sha-256=0 declines the digest",
            env: MANIFEST,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("want-repr-digest", "sha-256=0")],
            status: 200,
            expect: &[("etag", Some(HELLO_ETAG)), ("repr-digest", None)],
            body: Exact(b"hello"),
        },
        Case {
            rule: "manifest: the hash ETag revalidates",
            env: MANIFEST,
            method: get.clone(),
            target: "/hello.txt",
            headers: &[("if-none-match", HELLO_ETAG)],
            status: 304,
            expect: &[("etag", Some(HELLO_ETAG)), ("repr-digest", None)],
            body: Empty,
        },
        Case {
            rule: "manifest: never served itself",
            env: MANIFEST,
            method: get.clone(),
            target: "/SHA256SUMS",
            headers: NONE,
            status: 404,
            expect: &[],
            body: Contains("404 Not Found"),
        },
        Case {
            rule: "manifest: a file without an entry has no digest",
            env: MANIFEST,
            method: get.clone(),
            target: "/style.css",
            headers: NONE,
            status: 200,
            expect: &[("repr-digest", None)],
            body: Exact(b"a{}"),
        },
        Case {
            rule: "no manifest: no digest",
            env: NONE,
            method: get.clone(),
            target: "/hello.txt",
            headers: NONE,
            status: 200,
            expect: &[("repr-digest", None)],
            body: Exact(b"hello"),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule() {
    let site = site();
    let mut failures = Vec::new();
    for (build, case) in BUILDS
        .into_iter()
        .flat_map(|build| cases().into_iter().map(move |case| (build, case)))
    {
        let server: Server = site.server_of(build, case.env);
        let Fetched {
            status,
            headers,
            body: bytes,
            summary,
            outcome,
        } = fetch(&server, case.method.clone(), case.target, case.headers).await;
        let mut problems = Vec::new();
        if status != case.status {
            problems.push(format!("status {status}, want {}", case.status));
        }
        for (name, want) in case.expect {
            let got = header(&headers, name);
            if got != *want {
                problems.push(format!("{name}: {got:?}, want {want:?}"));
            }
        }
        match case.body {
            Body::Exact(want) if bytes != want => {
                problems.push(format!("body {:?}", String::from_utf8_lossy(&bytes)))
            }
            Body::Contains(want) if !contains(&bytes, want.as_bytes()) => problems.push(format!(
                "body lacks {want:?}: {:?}",
                String::from_utf8_lossy(&bytes)
            )),
            Body::Empty if !bytes.is_empty() || outcome != build.bodiless() => {
                problems.push(format!("a body: {outcome:?}"))
            }
            _ => {}
        }
        if !summary.is_clean() || outcome.is_trapped() {
            problems.push(format!("ended {summary:?} / {outcome:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!("{build:?} {}: {}", case.rule, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_lists_every_entry_once() {
    let site = site();
    for build in BUILDS {
        let server = site.server_of(build, &[("DIRECTORY_LISTING", "true")]);
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
        let ex = server
            .handle(request(
                Method::GET,
                "/data.bin",
                &[("range", "bytes=0-9, 100000-165535, -5")],
            ))
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
