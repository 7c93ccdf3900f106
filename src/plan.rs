//! Decide: request + filesystem facts -> what to answer. Pure; no WASI.

use crate::content_type::content_type_for;
use crate::file_lookup::{Entry, FileLookup, LookupError};
use crate::file_meta::FileMeta;
use crate::request::conditional::{check_if_range, evaluate, Preconditions, Validators, Verdict};
use crate::request::path::{resolve_path, ResolvedPath};
use crate::request::range::{parse_range, ByteRange, RangeRequest};

/// The index file served for a directory path ending in `/`.
pub const INDEX_FILE: &str = "index.html";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Other,
}

/// The parts of a request the decision needs.
#[derive(Clone, Debug)]
pub struct RequestFacts<'a> {
    pub method: Method,
    /// Path and query, as in the request line (`/a/b?x`).
    pub target: &'a str,
    pub preconditions: &'a Preconditions,
    /// The Range header, if any.
    pub range: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PreconditionFailed,
    RangeNotSatisfiable,
    Internal,
}

/// Which bytes of the file the response carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// 200, the whole file.
    Whole,
    /// 206, one range.
    Range(ByteRange),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Send (or, for HEAD, describe) a regular file.
    File { path: String, meta: FileMeta, content_type: &'static str, selection: Selection },
    /// 304: the client's copy is current.
    NotModified { meta: FileMeta },
    /// 416: no requested range overlaps the file.
    RangeNotSatisfiable { size: u64 },
    /// A directory asked for without its trailing slash.
    Redirect { location: String },
    Fail(Failure),
}

pub fn decide(request: &RequestFacts<'_>, fs: &impl FileLookup) -> Plan {
    if request.method == Method::Other {
        return Plan::Fail(Failure::MethodNotAllowed);
    }
    let path = match resolve_path(request.target) {
        Ok(path) => path,
        Err(_) => return Plan::Fail(Failure::BadRequest),
    };
    let relative = path.relative();
    match fs.stat(&relative) {
        Ok(Entry::File(meta)) if !path.trailing_slash => file_plan(request, relative, path.file_name(), meta),
        // "/file.txt/" names a directory that does not exist.
        Ok(Entry::File(_)) | Ok(Entry::Other) => Plan::Fail(Failure::NotFound),
        Ok(Entry::Directory) if !path.trailing_slash => Plan::Redirect { location: directory_location(&path) },
        Ok(Entry::Directory) => {
            let index = path.join(INDEX_FILE);
            match fs.stat(&index) {
                Ok(Entry::File(meta)) => file_plan(request, index, INDEX_FILE, meta),
                Ok(_) => Plan::Fail(Failure::NotFound),
                Err(e) => Plan::Fail(lookup_failure(e)),
            }
        }
        Err(e) => Plan::Fail(lookup_failure(e)),
    }
}

fn file_plan(request: &RequestFacts<'_>, path: String, name: &str, meta: FileMeta) -> Plan {
    let etag = meta.etag();
    let validators = Validators { etag: &etag, last_modified: meta.modified_time() };
    match evaluate(request.preconditions, validators) {
        Verdict::Proceed => {}
        Verdict::NotModified => return Plan::NotModified { meta },
        Verdict::PreconditionFailed => return Plan::Fail(Failure::PreconditionFailed),
    }
    // Range is defined for GET only (RFC 9110 section 14.2): HEAD ignores it.
    let range = request.range.filter(|_| request.method == Method::Get);
    let selection = match range {
        Some(range) if check_if_range(request.preconditions.if_range.as_deref(), validators) => {
            match parse_range(range, meta.size) {
                RangeRequest::Unsatisfiable => return Plan::RangeNotSatisfiable { size: meta.size },
                RangeRequest::Partial(ranges) if ranges.len() == 1 => Selection::Range(ranges[0]),
                // Several ranges are answered whole until multipart/byteranges
                // is streamed (a server may always ignore Range).
                RangeRequest::Partial(_) | RangeRequest::Whole => Selection::Whole,
            }
        }
        _ => Selection::Whole,
    };
    Plan::File { path, meta, content_type: content_type_for(name), selection }
}

pub fn lookup_failure(e: LookupError) -> Failure {
    match e {
        LookupError::NotFound => Failure::NotFound,
        LookupError::Denied => Failure::Forbidden,
        LookupError::Failed => Failure::Internal,
    }
}

/// A relative `Location` (`name/`, query kept): it stays right whatever
/// prefix a host routes this component under.
fn directory_location(path: &ResolvedPath) -> String {
    let segment = &path.last_raw_segment;
    // "a:b/" would read as a URI with scheme "a"; "./a:b/" cannot.
    let prefix = if segment.contains(':') { "./" } else { "" };
    match &path.query {
        Some(q) => format!("{prefix}{segment}/?{q}"),
        None => format!("{prefix}{segment}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_meta::Timestamp;
    use std::collections::HashMap;

    struct FakeFs(HashMap<&'static str, Result<Entry, LookupError>>);

    impl FileLookup for FakeFs {
        fn stat(&self, path: &str) -> Result<Entry, LookupError> {
            *self.0.get(path).unwrap_or(&Err(LookupError::NotFound))
        }
    }

    const META: FileMeta = FileMeta { size: 42, modified: Some(Timestamp { seconds: 1, nanoseconds: 2 }) };

    fn fs() -> FakeFs {
        FakeFs(HashMap::from([
            (".", Ok(Entry::Directory)),
            ("index.html", Ok(Entry::File(META))),
            ("a.txt", Ok(Entry::File(META))),
            ("docs", Ok(Entry::Directory)),
            ("empty", Ok(Entry::Directory)),
            ("docs/index.html", Ok(Entry::File(META))),
            ("fifo", Ok(Entry::Other)),
            ("locked", Err(LookupError::Denied)),
            ("broken", Err(LookupError::Failed)),
        ]))
    }

    const NO_PRECONDITIONS: &Preconditions = &Preconditions {
        if_match: None,
        if_unmodified_since: None,
        if_none_match: None,
        if_modified_since: None,
        if_range: None,
    };

    fn facts(method: Method, target: &str) -> RequestFacts<'_> {
        RequestFacts { method, target, preconditions: NO_PRECONDITIONS, range: None }
    }

    fn get(target: &str) -> Plan {
        decide(&facts(Method::Get, target), &fs())
    }

    #[test]
    fn serves_files_and_indexes() {
        assert_eq!(
            get("/a.txt?v=1"),
            Plan::File {
                path: "a.txt".into(),
                meta: META,
                content_type: "text/plain; charset=utf-8",
                selection: Selection::Whole
            }
        );
        assert!(matches!(get("/"), Plan::File { ref path, content_type: "text/html; charset=utf-8", .. } if path == "index.html"));
        assert!(matches!(get("/docs/"), Plan::File { ref path, .. } if path == "docs/index.html"));
        let head = decide(&facts(Method::Head, "/a.txt"), &fs());
        assert!(matches!(head, Plan::File { .. }));
    }

    #[test]
    fn redirects_directories_without_slash() {
        assert_eq!(get("/docs"), Plan::Redirect { location: "docs/".into() });
        assert_eq!(get("/docs?x=1&y"), Plan::Redirect { location: "docs/?x=1&y".into() });
        assert_eq!(get("/a/../docs"), Plan::Redirect { location: "docs/".into() });
    }

    #[test]
    fn failures() {
        assert_eq!(get("/missing"), Plan::Fail(Failure::NotFound));
        assert_eq!(get("/empty/"), Plan::Fail(Failure::NotFound));
        assert_eq!(get("/a.txt/"), Plan::Fail(Failure::NotFound));
        assert_eq!(get("/fifo"), Plan::Fail(Failure::NotFound));
        assert_eq!(get("/locked"), Plan::Fail(Failure::Forbidden));
        assert_eq!(get("/broken"), Plan::Fail(Failure::Internal));
        assert_eq!(get("/../a.txt"), Plan::Fail(Failure::BadRequest));
        assert_eq!(get("/a%2fb"), Plan::Fail(Failure::BadRequest));
        let post = decide(&facts(Method::Other, "/a.txt"), &fs());
        assert_eq!(post, Plan::Fail(Failure::MethodNotAllowed));
    }

    #[test]
    fn location_cannot_become_a_scheme() {
        let fs = FakeFs(HashMap::from([("javascript:x", Ok(Entry::Directory))]));
        let plan = decide(&facts(Method::Get, "/javascript:x"), &fs);
        assert_eq!(plan, Plan::Redirect { location: "./javascript:x/".into() });
    }

    #[test]
    fn preconditions_and_ranges() {
        let etag = META.etag();
        let pre = |f: fn(&mut Preconditions, String)| {
            let mut p = NO_PRECONDITIONS.clone();
            f(&mut p, etag.clone());
            p
        };
        let plan = |method, pre: &Preconditions, range: Option<&str>| {
            decide(&RequestFacts { method, target: "/a.txt", preconditions: pre, range }, &fs())
        };
        let inm = pre(|p, e| p.if_none_match = Some(e));
        assert_eq!(plan(Method::Get, &inm, None), Plan::NotModified { meta: META });
        let im = pre(|p, _| p.if_match = Some("\"nope\"".into()));
        assert_eq!(plan(Method::Get, &im, Some("bytes=0-1")), Plan::Fail(Failure::PreconditionFailed));
        let none = NO_PRECONDITIONS;
        let selection = |p: Plan| match p {
            Plan::File { selection, .. } => selection,
            other => panic!("{other:?}"),
        };
        assert_eq!(selection(plan(Method::Get, none, Some("bytes=2-"))), Selection::Range(ByteRange { start: 2, len: 40 }));
        assert_eq!(selection(plan(Method::Head, none, Some("bytes=2-"))), Selection::Whole, "HEAD ignores Range");
        assert_eq!(plan(Method::Get, none, Some("bytes=42-")), Plan::RangeNotSatisfiable { size: 42 });
        let stale = pre(|p, _| p.if_range = Some("\"old\"".into()));
        assert_eq!(selection(plan(Method::Get, &stale, Some("bytes=2-"))), Selection::Whole);
        let fresh = pre(|p, e| p.if_range = Some(e));
        assert!(matches!(selection(plan(Method::Get, &fresh, Some("bytes=2-"))), Selection::Range(_)));
    }
}
