//! Table-driven conformance suite: one case per HTTP rule, with the exact
//! status, headers and body the real component must answer. The cases are
//! in conformance.toml; this file reads them, builds the site they are run
//! against, and holds the case format, which site_rules.toml shares.

use crate::common::*;
use host_test::{read_all, request, Outcome, Server};
use http::Method;
use toml::{Table, Value};

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
    check_every_case(&site(), &CASES.read()).await;
}

const CASES: CaseFile = CaseFile {
    name: "conformance.toml",
    text: include_str!("conformance.toml"),
    array: "case",
    keys: &[
        "rule",
        "env",
        "method",
        "target",
        "headers",
        "status",
        "expect",
        "absent",
        "body",
        "body_contains",
        "no_body",
    ],
    body_required: true,
};

// The case format, shared with site_rules.rs: a file of `[[case]]` (or
// `[[row]]`) entries, each one request and what its answer must be; the
// top of conformance.toml says what each key means. An entry that does not
// parse (an unknown key, a missing or mistyped field) panics while the file
// is read: the test fails, no case is skipped.

/// A file of cases, and which keys its entries may have.
pub(crate) struct CaseFile {
    pub name: &'static str,
    pub text: &'static str,
    /// The entries are `[[array]]`.
    pub array: &'static str,
    pub keys: &'static [&'static str],
    /// Whether every entry must say what its body is (`body`,
    /// `body_contains` or `no_body`); if not, an entry without `body`
    /// leaves it unchecked.
    pub body_required: bool,
}

/// One request and what its answer must be.
pub(crate) struct Case {
    pub rule: String,
    pub env: Vec<(String, String)>,
    pub method: Method,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub status: u16,
    /// `None`: the header must be absent.
    pub expect: Vec<(String, Option<String>)>,
    pub body: Body,
}

pub(crate) enum Body {
    /// `body = "..."`
    Exact(Vec<u8>),
    /// `body_contains = "..."`
    Contains(String),
    /// `no_body = true`: no body at all (what the build sends for a
    /// bodiless response), not merely an empty one.
    NoBody,
    /// None of the three, where the file allows that.
    Unchecked,
}

impl CaseFile {
    /// Every `[[array]]` entry, in order. Panics, naming the entry, on a key
    /// not in `keys`, a missing `rule`, `target` or `status` (or body, if
    /// required), a value of the wrong type, two entries with one rule, or
    /// anything at the top level but the array.
    pub fn read(&self) -> Vec<Case> {
        let (file, array) = (self.name, self.array);
        let mut top: Table = self.text.parse().unwrap_or_else(|e| panic!("{file}: {e}"));
        let entries = match top.remove(array) {
            Some(Value::Array(entries)) if !entries.is_empty() => entries,
            other => panic!("{file}: no [[{array}]] entries: {other:?}"),
        };
        let extra: Vec<_> = top.keys().collect();
        assert!(extra.is_empty(), "{file}: unknown keys {extra:?}");
        let cases: Vec<Case> = entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                let Value::Table(table) = entry else {
                    panic!("{file}: [[{array}]] #{} is not a table", i + 1)
                };
                let rule = table.get("rule").and_then(Value::as_str).unwrap_or("?");
                let at = format!("{file}: [[{array}]] #{} ({rule:?})", i + 1);
                for key in table.keys() {
                    let known = self.keys.contains(&key.as_str());
                    assert!(known, "{at}: unknown key {key:?}");
                }
                Entry { at, table }.case(self.body_required)
            })
            .collect();
        for (i, case) in cases.iter().enumerate() {
            let again = cases[..i].iter().any(|c| c.rule == case.rule);
            assert!(!again, "{file}: two entries say {:?}", case.rule);
        }
        cases
    }
}

/// Runs every case against both builds; the panic names each failing case's
/// build and rule, and what was wrong.
pub(crate) async fn check_every_case(site: &Site, cases: &[Case]) {
    let mut failures = Vec::new();
    for build in BUILDS {
        for case in cases {
            let problems = case.check(site, build).await;
            if !problems.is_empty() {
                failures.push(format!("{build:?} {}: {}", case.rule, problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

impl Case {
    async fn check(&self, site: &Site, build: Build) -> Vec<String> {
        let env: Vec<(&str, &str)> = pairs(&self.env);
        let server: Server = site.server_of(build, &env);
        let Fetched {
            status,
            headers,
            body: bytes,
            summary,
            outcome,
        } = fetch(
            &server,
            self.method.clone(),
            &self.target,
            &pairs(&self.headers),
        )
        .await;
        let mut problems = Vec::new();
        if status != self.status {
            problems.push(format!("status {status}, want {}", self.status));
        }
        for (name, want) in &self.expect {
            let got = header(&headers, name);
            if got != want.as_deref() {
                problems.push(format!("{name}: {got:?}, want {want:?}"));
            }
        }
        match &self.body {
            Body::Exact(want) if bytes != *want => {
                problems.push(format!("body {:?}", String::from_utf8_lossy(&bytes)))
            }
            Body::Contains(want) if !contains(&bytes, want.as_bytes()) => problems.push(format!(
                "body lacks {want:?}: {:?}",
                String::from_utf8_lossy(&bytes)
            )),
            Body::NoBody if !bytes.is_empty() || outcome != build.bodiless() => {
                problems.push(format!("a body: {outcome:?}"))
            }
            _ => {}
        }
        if !summary.is_clean() || outcome.is_trapped() {
            problems.push(format!("ended {summary:?} / {outcome:?}"));
        }
        problems
    }
}

fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// One entry being read; `at` names it in every panic.
struct Entry {
    at: String,
    table: Table,
}

impl Entry {
    fn case(mut self, body_required: bool) -> Case {
        let rule = self.required_string("rule");
        let env = match self.table.remove("env") {
            None => Vec::new(),
            Some(Value::Table(env)) => env
                .into_iter()
                .map(|(name, value)| {
                    let value = self.string_of(&format!("env.{name}"), value);
                    (name, value)
                })
                .collect(),
            Some(other) => panic!("{}: env must be a table, not {other}", self.at),
        };
        let method = match self.string("method").as_deref() {
            None | Some("GET") => Method::GET,
            Some("HEAD") => Method::HEAD,
            Some("OPTIONS") => Method::OPTIONS,
            Some("DELETE") => Method::DELETE,
            Some("POST") => Method::POST,
            Some("PUT") => Method::PUT,
            Some("PATCH") => Method::PATCH,
            Some(other) => panic!("{}: unknown method {other:?}", self.at),
        };
        let target = self.required_string("target");
        let headers = self.header_lines("headers");
        let status = match self.table.remove("status") {
            Some(Value::Integer(n)) if (100..=599).contains(&n) => n as u16,
            None => panic!("{}: status is missing", self.at),
            Some(other) => panic!("{}: status must be 100 to 599, not {other:?}", self.at),
        };
        let mut expect: Vec<_> = self
            .header_lines("expect")
            .into_iter()
            .map(|(name, value)| (name, Some(value)))
            .collect();
        expect.extend(self.strings("absent").into_iter().map(|name| (name, None)));
        let body = match (
            self.string("body"),
            self.string("body_contains"),
            self.table.remove("no_body"),
        ) {
            (Some(exact), None, None) => Body::Exact(exact.into_bytes()),
            (None, Some(part), None) => Body::Contains(part),
            (None, None, Some(Value::Boolean(true))) => Body::NoBody,
            (None, None, None) if !body_required => Body::Unchecked,
            _ => panic!(
                "{}: needs one of body, body_contains, no_body = true",
                self.at
            ),
        };
        assert!(
            self.table.is_empty(),
            "{}: unread {:?}",
            self.at,
            self.table
        );
        Case {
            rule,
            env,
            method,
            target,
            headers,
            status,
            expect,
            body,
        }
    }

    fn string_of(&self, key: &str, value: Value) -> String {
        match value {
            Value::String(s) => s,
            other => panic!("{}: {key} must be a string, not {other}", self.at),
        }
    }

    fn string(&mut self, key: &str) -> Option<String> {
        let value = self.table.remove(key)?;
        Some(self.string_of(key, value))
    }

    fn required_string(&mut self, key: &str) -> String {
        self.string(key)
            .unwrap_or_else(|| panic!("{}: {key} is missing", self.at))
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        match self.table.remove(key) {
            None => Vec::new(),
            Some(Value::Array(values)) => {
                values.into_iter().map(|v| self.string_of(key, v)).collect()
            }
            Some(other) => panic!("{}: {key} must be an array, not {other}", self.at),
        }
    }

    /// `["name: value", ...]`, in order; `"name:"` is an empty value.
    fn header_lines(&mut self, key: &str) -> Vec<(String, String)> {
        self.strings(key)
            .into_iter()
            .map(|line| match line.split_once(':') {
                Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    (name.to_string(), value.to_string())
                }
                _ => panic!("{}: {key}: {line:?} is not \"name: value\"", self.at),
            })
            .collect()
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_listing_takes_nginx_shape() {
    let site = site();
    for build in BUILDS {
        let server = site.server_of(build, &[("DIRECTORY_LISTING", "true")]);
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
