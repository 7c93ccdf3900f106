//! Decide: request + filesystem facts -> what to answer. Pure; no WASI.

use crate::content_type::content_type_for;
use crate::file_lookup::{Entry, FileLookup, LookupError};
use crate::file_meta::FileMeta;
use crate::request::path::{resolve_path, ResolvedPath};

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Internal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Send (or, for HEAD, describe) a regular file.
    File { path: String, meta: FileMeta, content_type: &'static str },
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
        Ok(Entry::File(meta)) if !path.trailing_slash => file_plan(relative, path.file_name(), meta),
        // "/file.txt/" names a directory that does not exist.
        Ok(Entry::File(_)) | Ok(Entry::Other) => Plan::Fail(Failure::NotFound),
        Ok(Entry::Directory) if !path.trailing_slash => Plan::Redirect { location: directory_location(&path) },
        Ok(Entry::Directory) => {
            let index = path.join(INDEX_FILE);
            match fs.stat(&index) {
                Ok(Entry::File(meta)) => file_plan(index, INDEX_FILE, meta),
                Ok(_) => Plan::Fail(Failure::NotFound),
                Err(e) => Plan::Fail(lookup_failure(e)),
            }
        }
        Err(e) => Plan::Fail(lookup_failure(e)),
    }
}

fn file_plan(path: String, name: &str, meta: FileMeta) -> Plan {
    Plan::File { path, meta, content_type: content_type_for(name) }
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

    fn get(target: &str) -> Plan {
        decide(&RequestFacts { method: Method::Get, target }, &fs())
    }

    #[test]
    fn serves_files_and_indexes() {
        assert_eq!(
            get("/a.txt?v=1"),
            Plan::File { path: "a.txt".into(), meta: META, content_type: "text/plain; charset=utf-8" }
        );
        assert!(matches!(get("/"), Plan::File { ref path, content_type: "text/html; charset=utf-8", .. } if path == "index.html"));
        assert!(matches!(get("/docs/"), Plan::File { ref path, .. } if path == "docs/index.html"));
        let head = decide(&RequestFacts { method: Method::Head, target: "/a.txt" }, &fs());
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
        let post = decide(&RequestFacts { method: Method::Other, target: "/a.txt" }, &fs());
        assert_eq!(post, Plan::Fail(Failure::MethodNotAllowed));
    }

    #[test]
    fn location_cannot_become_a_scheme() {
        let fs = FakeFs(HashMap::from([("javascript:x", Ok(Entry::Directory))]));
        let plan = decide(&RequestFacts { method: Method::Get, target: "/javascript:x" }, &fs);
        assert_eq!(plan, Plan::Redirect { location: "./javascript:x/".into() });
    }
}
