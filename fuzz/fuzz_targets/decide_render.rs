#![no_main]
//! The whole decision and its rendering, over a fake file system: arbitrary
//! request facts, file entries (odd and extreme sizes and times, odd names)
//! and settings. Invariants: no panic; Content-Length equals the bytes the
//! segments produce; every range lies inside its file; no path asked of the
//! file system or served leaves the root; HEAD has no body; Last-Modified is
//! never after the clock; header values carry no line breaks.

use std::time::{Duration, SystemTime};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasi_fileserver_core::settings::Settings;
use wasi_fileserver_core::decide::fake_fs::FakeFs;
use wasi_fileserver_core::decide::file_lookup::{Entry, LookupError};
use wasi_fileserver_core::decide::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::manifest::digest::Sha256Digest;
use wasi_fileserver_core::decide::decide;
use wasi_fileserver_core::decide::plan::{Plan, Selection};
use wasi_fileserver_core::decide::request_facts::RequestFacts;
use wasi_fileserver_core::render::reply::{render, ReplyBody, StreamedBody};
use wasi_fileserver_core::request::conditional::Preconditions;
use wasi_fileserver_core::request::method::Method;
use wasi_fileserver_core::request::want_digest::DigestPreference;
use wasi_fileserver_core::send::segment::Segment;

/// Names the targets and entries are made of, so that they meet.
const NAMES: &[&str] = &[
    "a.txt", "a.txt.gz", "a.txt.br", "a.txt.zst", "p.jpg", "p.jpg.gz", "dir", "index.html", "404.html", "spa.html", ".env",
    ".well-known", "x", "é", "a:b", "big.iso", "%2e", "..", ".", "a%2fb", "file.js",
];

#[derive(Arbitrary, Debug)]
enum Kind {
    File { size: u64, seconds: u64, nanoseconds: u32, timeless: bool },
    Directory,
    Other,
    Denied,
    Failed,
}

#[derive(Arbitrary, Debug)]
struct FakeEntry {
    /// Indexes into NAMES, joined with `/`.
    path: Vec<u8>,
    kind: Kind,
}

#[derive(Arbitrary, Debug)]
enum Target {
    /// Segments from NAMES, a trailing slash, a query.
    Built { segments: Vec<u8>, slash: bool, query: Option<String> },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    target: Target,
    entries: Vec<FakeEntry>,
    if_match: Option<String>,
    if_unmodified_since: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    if_range: Option<String>,
    range: Option<String>,
    accept_encoding: Option<String>,
    accept: Option<String>,
    now_seconds: u64,
    index_file: Option<u8>,
    directory_listing: bool,
    directory_download: bool,
    serve_hidden: bool,
    fallback: Option<u8>,
    custom_404: Option<u8>,
    cache_control: bool,
}

fn name(index: u8) -> &'static str {
    NAMES[usize::from(index) % NAMES.len()]
}

fn joined(indexes: &[u8]) -> String {
    indexes.iter().take(6).map(|&i| name(i)).collect::<Vec<_>>().join("/")
}

/// Some files have a manifest entry.
fn some_digests(_path: &str, size: u64) -> Option<Sha256Digest> {
    (size % 3 == 0).then(|| Sha256Digest([size.to_le_bytes()[0]; 32]))
}

/// A path the WASI `*-at` calls may take: relative, inside the root.
fn stays_inside(path: &str) -> bool {
    path == "."
        || (!path.starts_with('/')
            && path.split('/').all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains(['\\', '\0'])))
}

fuzz_target!(|input: Input| {
    let method = match input.method % 4 {
        0 => Method::Get,
        1 => Method::Head,
        2 => Method::Options,
        _ => Method::Other,
    };
    let target = match &input.target {
        Target::Built { segments, slash, query } => {
            let mut t = format!("/{}", joined(segments));
            if *slash && !t.ends_with('/') {
                t.push('/');
            }
            if let Some(q) = query {
                t.push('?');
                t.push_str(q);
            }
            t
        }
        Target::Raw(raw) => raw.clone(),
    };
    let fs = FakeFs::new(
        input
            .entries
            .iter()
            .map(|e| {
                let entry = match e.kind {
                    Kind::File { size, seconds, nanoseconds, timeless } => Ok(Entry::File(FileMeta {
                        size,
                        modified: (!timeless).then_some(Timestamp { seconds, nanoseconds }),
                    })),
                    Kind::Directory => Ok(Entry::Directory(None)),
                    Kind::Other => Ok(Entry::Other),
                    Kind::Denied => Err(LookupError::Denied),
                    Kind::Failed => Err(LookupError::Failed),
                };
                let path = if e.path.is_empty() { ".".to_string() } else { joined(&e.path) };
                (path, entry)
            })
            .collect::<Vec<_>>(),
    )
    .with_digests(some_digests);
    // Settings as the component reads them: through their own parsers.
    let env: Vec<(&str, String)> = [
        ("INDEX_FILE", input.index_file.map(|i| name(i).to_string())),
        ("DIRECTORY_LISTING", Some(input.directory_listing.to_string())),
        ("DIRECTORY_DOWNLOAD", Some(if input.directory_download { "tar" } else { "off" }.to_string())),
        ("SERVE_HIDDEN", Some(input.serve_hidden.to_string())),
        ("FALLBACK_PATH", input.fallback.map(|i| name(i).to_string())),
        ("CUSTOM_404_PATH", input.custom_404.map(|i| name(i).to_string())),
        ("CACHE_CONTROL", input.cache_control.then(|| "max-age=60".to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect();
    let (settings, _warnings) =
        Settings::from_lookup(|key| env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()));
    let preconditions = Preconditions {
        if_match: input.if_match.clone(),
        if_unmodified_since: input.if_unmodified_since.clone(),
        if_none_match: input.if_none_match.clone(),
        if_modified_since: input.if_modified_since.clone(),
        if_range: input.if_range.clone(),
    };
    // Any clock the platform can hold, from 1970 on.
    let now = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(input.now_seconds % (1 << 40)))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let facts = RequestFacts {
        method,
        target: &target,
        preconditions: &preconditions,
        range: input.range.as_deref(),
        accept_encoding: input.accept_encoding.as_deref(),
        accept: input.accept.as_deref(),
        now,
        redirect: None,
        want_repr_digest: match input.now_seconds % 3 {
            0 => DigestPreference::Unstated,
            1 => DigestPreference::Wanted,
            _ => DigestPreference::Refused,
        },
    };
    let plan = decide(&facts, &fs, &settings);
    for asked in fs.asked().iter() {
        assert!(stays_inside(asked), "asked the file system for {asked:?}");
    }
    // Ranges lie inside the representation they cut.
    if let Plan::File { file, selection, .. } = &plan {
        let ranges = match selection {
            Selection::Whole => Vec::new(),
            Selection::Range(range) => vec![*range],
            Selection::Multipart(ranges) => ranges.clone(),
        };
        for r in ranges {
            assert!(r.len > 0, "{r:?}");
            assert!(r.start.checked_add(r.len).is_some_and(|end| end <= file.meta.size), "{r:?} of {}", file.meta.size);
        }
    }
    let reply = render(plan, method, &settings, None, &[], || "B0UNDARY".to_string());
    assert!((100..600).contains(&reply.status));
    for (name, value) in &reply.headers {
        assert!(!value.contains(['\r', '\n', '\0']), "{name}: {value:?}");
    }
    let header = |name: &str| reply.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
    if let Some(date) = header("last-modified") {
        let stated = httpdate::parse_http_date(date).expect("a valid HTTP date");
        assert!(stated <= now, "Last-Modified {date} after the clock");
    }
    if method == Method::Head {
        assert_eq!(reply.body, ReplyBody::None);
    }
    match &reply.body {
        ReplyBody::Streamed(StreamedBody::File { path, segments }) => {
            assert!(stays_inside(path), "serves {path:?}");
            let total: u128 = segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(text) => text.len() as u128,
                    Segment::FileRange { len, .. } => u128::from(*len),
                })
                .sum();
            let length: u128 = header("content-length").expect("a file body has a length").parse().unwrap();
            assert_eq!(length, total);
        }
        ReplyBody::Streamed(StreamedBody::Listing { path, .. }) => assert!(stays_inside(path), "lists {path:?}"),
        ReplyBody::Streamed(StreamedBody::Archive { path, .. }) => assert!(stays_inside(path), "archives {path:?}"),
        ReplyBody::Text(text) => {
            assert_eq!(header("content-length"), Some(text.len().to_string().as_str()));
        }
        ReplyBody::None => {}
    }
});
