//! A mixed sequence of requests for instance-reuse tests: GET, HEAD, single
//! and multipart ranges, 304s, 404s, redirects, listings, precompressed
//! variants, errors, aborted downloads and stalled clients, in a fixed cycle.
//! The same mix runs in `host-test` (tests/instance_reuse.rs, which measures
//! memory) and under `wasmtime serve` (tests/wasmtime_serve.rs, over TCP).

use http::Method;

use super::{contains, sha256, Site, MIB};

/// The component's settings for the mix. The stall timeout is short so that
/// the stalled clients in the mix cost little time.
pub const MIX_ENV: &[(&str, &str)] = &[("STALL_TIMEOUT", "300ms"), ("DIRECTORY_LISTING", "true")];

/// One stalled client every this many requests, starting at `STALL_OFFSET`
/// (inside the first hundred, so the first hundred requests cover every kind).
pub const STALL_EVERY: usize = 2500;
pub const STALL_OFFSET: usize = 50;

/// Size of `big.bin` (sparse): larger than any socket buffer, so a client that
/// stops reading it is seen by the guest.
pub const BIG: u64 = 64 * MIB;
/// Bytes a client reads before it aborts or stalls.
pub const READ_BEFORE_LEAVING: u64 = 64 * 1024;

/// How a client consumes the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// To the end; the status and body are checked.
    Whole,
    /// At least `READ_BEFORE_LEAVING` bytes, then the client goes away.
    Abort,
    /// At least `READ_BEFORE_LEAVING` bytes, then no more: the server must
    /// give up after STALL_TIMEOUT (the body ends with an error).
    Stall,
}

#[derive(Debug, Clone)]
pub enum Expect {
    Exact(Vec<u8>),
    Empty,
    /// Every needle occurs in the body.
    Contains(Vec<Vec<u8>>),
    /// Not read to the end (aborts and stalls).
    Unchecked,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: &'static str,
    pub method: Method,
    pub target: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub read: Read,
    pub status: u16,
    pub body: Expect,
}

impl Step {
    /// `Err` with what differs from the expectation.
    pub fn check(&self, status: u16, body: &[u8]) -> Result<(), String> {
        if status != self.status {
            return Err(format!(
                "{}: status {status}, expected {}",
                self.name, self.status
            ));
        }
        let ok = match &self.body {
            Expect::Exact(want) => body == want.as_slice(),
            Expect::Empty => body.is_empty(),
            Expect::Contains(needles) => needles.iter().all(|n| contains(body, n)),
            Expect::Unchecked => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{}: unexpected body ({} bytes, sha256 {:02x?})",
                self.name,
                body.len(),
                &sha256(body)[..8]
            ))
        }
    }

    /// A request of `target` (a GET unless `method` says otherwise) that
    /// must be answered `status` with `body`.
    fn new(name: &'static str, target: &'static str, status: u16, body: Expect) -> Step {
        Step {
            name,
            method: Method::GET,
            target,
            headers: Vec::new(),
            read: Read::Whole,
            status,
            body,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Step {
        self.headers.push((name, value.into()));
        self
    }

    fn method(mut self, method: Method) -> Step {
        self.method = method;
        self
    }

    fn read(mut self, read: Read) -> Step {
        self.read = read;
        self
    }
}

/// The site the mix is served from.
pub struct MixSite {
    pub site: Site,
    /// Content of `data.bin` (200,000 pseudo-random bytes).
    pub data: Vec<u8>,
}

impl MixSite {
    pub fn new() -> MixSite {
        let site = Site::new();
        site.text("hello.txt", "hello\n");
        let data = std::fs::read(site.file("data.bin", 200_000)).unwrap();
        site.sparse("big.bin", BIG);
        site.texts(&[
            ("app.js", "console.log('plain')"),
            ("app.js.gz", "GZ-BYTES"),
            ("docs/index.html", "<h1>docs</h1>"),
            ("list/a.txt", "a"),
            ("list/b.txt", "b"),
        ]);
        MixSite { site, data }
    }

    /// The `i`-th request of the mix; `etag` is `data.bin`'s, from an earlier
    /// response (the 304s send it back in If-None-Match).
    pub fn step(&self, i: usize, etag: &str) -> Step {
        use Expect::*;
        if i % STALL_EVERY == STALL_OFFSET {
            return Step::new("stalled GET", "/big.bin", 200, Unchecked).read(Read::Stall);
        }
        let data = |range: std::ops::Range<usize>| self.data[range].to_vec();
        match i % 16 {
            0 => Step::new("GET small", "/hello.txt", 200, Exact(b"hello\n".into())),
            1 => Step::new("GET 200 KB", "/data.bin", 200, Exact(self.data.clone())),
            2 => Step::new("HEAD", "/data.bin", 200, Empty).method(Method::HEAD),
            3 => Step::new("single range", "/data.bin", 206, Exact(data(100..200)))
                .header("range", "bytes=100-199"),
            4 => {
                let parts = vec![
                    b"content-range: bytes 0-9/200000".into(),
                    data(0..10),
                    b"content-range: bytes 20-29/200000".into(),
                    data(20..30),
                ];
                Step::new("multipart ranges", "/data.bin", 206, Contains(parts))
                    .header("range", "bytes=0-9,20-29")
            }
            5 => Step::new("304", "/data.bin", 304, Empty).header("if-none-match", etag),
            6 => Step::new("404", "/missing.txt", 404, Exact(b"404 Not Found\n".into())),
            7 => Step::new("aborted GET", "/big.bin", 200, Unchecked).read(Read::Abort),
            8 => Step::new("301", "/docs", 301, Unchecked),
            9 => Step::new("index", "/docs/", 200, Exact(b"<h1>docs</h1>".into())),
            10 => {
                let names = Contains(vec![b"a.txt".into(), b"b.txt".into()]);
                Step::new("listing", "/list/", 200, names)
            }
            11 => Step::new("precompressed", "/app.js", 200, Exact(b"GZ-BYTES".into()))
                .header("accept-encoding", "gzip"),
            12 => Step::new("405", "/hello.txt", 405, Unchecked).method(Method::DELETE),
            13 => Step::new("416", "/data.bin", 416, Unchecked).header("range", "bytes=300000-"),
            14 => Step::new("400", "/..%2fsecret.txt", 400, Unchecked),
            _ => Step::new(
                "If-None-Match miss",
                "/data.bin?v=2",
                200,
                Exact(self.data.clone()),
            )
            .header("if-none-match", "\"other\""),
        }
    }
}
