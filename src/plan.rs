//! Decide: request + filesystem facts + settings -> what to answer. Pure; no WASI.

use crate::config::Settings;
use crate::content_type::content_type_for;
use crate::file_lookup::{Entry, FileLookup, LookupError};
use crate::file_meta::FileMeta;
use crate::request::accept_encoding::{preferred, Encoding};
use crate::request::conditional::{check_if_range, evaluate, Preconditions, Validators, Verdict};
use crate::request::path::{resolve_path, ResolvedPath};
use crate::request::range::{parse_range, ByteRange, RangeRequest};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Options,
    Other,
}

/// The parts of a request the decision needs.
#[derive(Clone, Debug)]
pub struct RequestFacts<'a> {
    pub method: Method,
    /// Path and query (`/a/b?x`), from the request line or `spin-path-info`.
    pub target: &'a str,
    pub preconditions: &'a Preconditions,
    /// The Range header, if any.
    pub range: Option<&'a str>,
    pub accept_encoding: Option<&'a str>,
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
    /// Not from `decide`: the glue could not get the memory a body needs
    /// (an instance serving many requests at once hit its memory cap). The
    /// request may succeed later, so 503, not a trap that would end every
    /// request in the instance.
    Unavailable,
}

/// One file as it will be sent: the bytes on disk (perhaps a precompressed
/// variant) and the metadata that describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Representation {
    /// Relative to the root: the file actually read.
    pub path: String,
    pub meta: FileMeta,
    /// From the name the client asked for, not the variant's.
    pub content_type: &'static str,
    pub encoding: Option<Encoding>,
    /// A precompressed variant exists: responses vary on Accept-Encoding.
    pub negotiable: bool,
}

impl Representation {
    /// The variant's own strong ETag; the encoding is part of it so that two
    /// encodings can never share one.
    pub fn etag(&self) -> String {
        let tag = self.meta.etag();
        match self.encoding {
            Some(e) => format!("{}-{}\"", &tag[..tag.len() - 1], e.token()),
            None => tag,
        }
    }
}

/// Which bytes of the representation the response carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The whole file.
    Whole,
    /// 206 with these ranges: one is a plain partial response, several are
    /// multipart/byteranges.
    Ranges(Vec<ByteRange>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Send (or, for HEAD, describe) a file; `status` is 200, or 404 for the
    /// custom 404 page.
    File {
        status: u16,
        file: Representation,
        selection: Selection,
    },
    /// 304: the client's copy is current.
    NotModified(Representation),
    /// 416: no requested range overlaps the file.
    RangeNotSatisfiable {
        size: u64,
    },
    /// An HTML listing of the directory at `path` (relative), titled `title`.
    Listing {
        path: String,
        title: String,
    },
    /// A directory asked for without its trailing slash.
    Redirect {
        location: String,
    },
    /// 204 with `Allow`.
    Options,
    Fail(Failure),
}

pub fn decide(request: &RequestFacts<'_>, fs: &impl FileLookup, settings: &Settings) -> Plan {
    match request.method {
        Method::Get | Method::Head => {}
        Method::Options => return Plan::Options,
        Method::Other => return Plan::Fail(Failure::MethodNotAllowed),
    }
    let Ok(path) = resolve_path(request.target) else {
        return Plan::Fail(Failure::BadRequest);
    };
    if path.is_hidden() && !settings.serve_hidden {
        return not_found(request, fs, settings);
    }
    let relative = path.relative();
    match fs.stat(&relative) {
        Ok(Entry::File(meta)) if !path.trailing_slash => {
            serve_file(request, fs, relative, path.file_name(), meta, 200)
        }
        // "/file.txt/" names a directory that does not exist.
        Ok(Entry::File(_)) | Ok(Entry::Other) => not_found(request, fs, settings),
        Ok(Entry::Directory) if !path.trailing_slash => Plan::Redirect {
            location: directory_location(&path),
        },
        Ok(Entry::Directory) => {
            let index = path.join(&settings.index_file);
            match fs.stat(&index) {
                Ok(Entry::File(meta)) => {
                    serve_file(request, fs, index, &settings.index_file, meta, 200)
                }
                Ok(_) | Err(LookupError::NotFound) if settings.directory_listing => {
                    let title = format!(
                        "/{}",
                        path.segments
                            .iter()
                            .map(|s| format!("{s}/"))
                            .collect::<String>()
                    );
                    Plan::Listing {
                        path: relative,
                        title,
                    }
                }
                Ok(_) | Err(LookupError::NotFound) => not_found(request, fs, settings),
                Err(e) => Plan::Fail(lookup_failure(e)),
            }
        }
        Err(LookupError::NotFound) => not_found(request, fs, settings),
        Err(e) => Plan::Fail(lookup_failure(e)),
    }
}

/// FALLBACK_PATH (200) wins over CUSTOM_404_PATH (404), else a plain 404.
fn not_found(request: &RequestFacts<'_>, fs: &impl FileLookup, settings: &Settings) -> Plan {
    if let Some(fallback) = &settings.fallback_path {
        if let Ok(Entry::File(meta)) = fs.stat(fallback) {
            return serve_file(request, fs, fallback.clone(), fallback, meta, 200);
        }
    }
    if let Some(page) = &settings.custom_404_path {
        if let Ok(Entry::File(meta)) = fs.stat(page) {
            // An error page: no validators to honour, no ranges to cut.
            let file = negotiate(request, fs, page.clone(), page, meta);
            return Plan::File {
                status: 404,
                file,
                selection: Selection::Whole,
            };
        }
    }
    Plan::Fail(Failure::NotFound)
}

fn serve_file(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    path: String,
    name: &str,
    meta: FileMeta,
    status: u16,
) -> Plan {
    let file = negotiate(request, fs, path, name, meta);
    let etag = file.etag();
    let validators = Validators {
        etag: &etag,
        last_modified: file.meta.modified_time(),
    };
    match evaluate(request.preconditions, validators) {
        Verdict::Proceed => {}
        Verdict::NotModified => return Plan::NotModified(file),
        Verdict::PreconditionFailed => return Plan::Fail(Failure::PreconditionFailed),
    }
    // Range is defined for GET only (RFC 9110 section 14.2): HEAD ignores it.
    let range = request.range.filter(|_| request.method == Method::Get);
    let selection = match range {
        Some(range) if check_if_range(request.preconditions.if_range.as_deref(), validators) => {
            match parse_range(range, file.meta.size) {
                RangeRequest::Unsatisfiable => {
                    return Plan::RangeNotSatisfiable {
                        size: file.meta.size,
                    }
                }
                RangeRequest::Partial(ranges) => Selection::Ranges(ranges),
                RangeRequest::Whole => Selection::Whole,
            }
        }
        _ => Selection::Whole,
    };
    Plan::File {
        status,
        file,
        selection,
    }
}

/// Picks a precompressed variant (`name.br`, `name.gz`) the client accepts.
/// Both variants are looked up even when the client accepts neither, because
/// every response for a negotiable resource must say `Vary: Accept-Encoding`.
fn negotiate(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    path: String,
    name: &str,
    meta: FileMeta,
) -> Representation {
    let content_type = content_type_for(name);
    let variants = Encoding::ALL.map(|e| match fs.stat(&format!("{path}{}", e.file_suffix())) {
        Ok(Entry::File(meta)) => Some((e, meta)),
        _ => None,
    });
    let negotiable = variants.iter().any(Option::is_some);
    let chosen = preferred(request.accept_encoding).find_map(|wanted| {
        variants
            .iter()
            .flatten()
            .find(|(e, _)| *e == wanted)
            .copied()
    });
    match chosen {
        Some((encoding, variant_meta)) => Representation {
            path: format!("{path}{}", encoding.file_suffix()),
            meta: variant_meta,
            content_type,
            encoding: Some(encoding),
            negotiable,
        },
        None => Representation {
            path,
            meta,
            content_type,
            encoding: None,
            negotiable,
        },
    }
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

    const META: FileMeta = FileMeta {
        size: 42,
        modified: Some(Timestamp {
            seconds: 1,
            nanoseconds: 2,
        }),
    };
    const GZ: FileMeta = FileMeta {
        size: 20,
        modified: Some(Timestamp {
            seconds: 3,
            nanoseconds: 4,
        }),
    };
    const BR: FileMeta = FileMeta {
        size: 10,
        modified: Some(Timestamp {
            seconds: 3,
            nanoseconds: 4,
        }),
    };

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
            (".env", Ok(Entry::File(META))),
            (".well-known", Ok(Entry::Directory)),
            (".well-known/security.txt", Ok(Entry::File(META))),
            ("app.js", Ok(Entry::File(META))),
            ("app.js.gz", Ok(Entry::File(GZ))),
            ("app.js.br", Ok(Entry::File(BR))),
            ("style.css", Ok(Entry::File(META))),
            ("style.css.gz", Ok(Entry::File(GZ))),
            ("spa.html", Ok(Entry::File(META))),
            ("404.html", Ok(Entry::File(META))),
        ]))
    }

    const NONE: &Preconditions = &Preconditions {
        if_match: None,
        if_unmodified_since: None,
        if_none_match: None,
        if_modified_since: None,
        if_range: None,
    };

    fn facts(method: Method, target: &str) -> RequestFacts<'_> {
        RequestFacts {
            method,
            target,
            preconditions: NONE,
            range: None,
            accept_encoding: None,
        }
    }

    fn get(target: &str) -> Plan {
        decide(&facts(Method::Get, target), &fs(), &Settings::default())
    }

    fn served_path(plan: Plan) -> String {
        match plan {
            Plan::File { file, .. } => file.path,
            other => panic!("expected a file, got {other:?}"),
        }
    }

    #[test]
    fn serves_files_and_indexes() {
        let Plan::File {
            status,
            file,
            selection,
        } = get("/a.txt?v=1")
        else {
            panic!()
        };
        assert_eq!(
            (status, &file.path, file.content_type),
            (200, &"a.txt".to_string(), "text/plain; charset=utf-8")
        );
        assert_eq!(
            (file.encoding, file.negotiable, selection),
            (None, false, Selection::Whole)
        );
        assert_eq!(served_path(get("/")), "index.html");
        assert_eq!(served_path(get("/docs/")), "docs/index.html");
        let head = decide(&facts(Method::Head, "/a.txt"), &fs(), &Settings::default());
        assert!(matches!(head, Plan::File { .. }));
    }

    #[test]
    fn redirects_directories_without_slash() {
        assert_eq!(
            get("/docs"),
            Plan::Redirect {
                location: "docs/".into()
            }
        );
        assert_eq!(
            get("/docs?x=1&y"),
            Plan::Redirect {
                location: "docs/?x=1&y".into()
            }
        );
        assert_eq!(
            get("/a/../docs"),
            Plan::Redirect {
                location: "docs/".into()
            }
        );
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
        let post = decide(&facts(Method::Other, "/a.txt"), &fs(), &Settings::default());
        assert_eq!(post, Plan::Fail(Failure::MethodNotAllowed));
        let options = decide(
            &facts(Method::Options, "/anything"),
            &fs(),
            &Settings::default(),
        );
        assert_eq!(options, Plan::Options);
    }

    #[test]
    fn location_cannot_become_a_scheme() {
        let fs = FakeFs(HashMap::from([("javascript:x", Ok(Entry::Directory))]));
        let plan = decide(
            &facts(Method::Get, "/javascript:x"),
            &fs,
            &Settings::default(),
        );
        assert_eq!(
            plan,
            Plan::Redirect {
                location: "./javascript:x/".into()
            }
        );
    }

    #[test]
    fn hidden_files() {
        assert_eq!(get("/.env"), Plan::Fail(Failure::NotFound));
        assert_eq!(
            served_path(get("/.well-known/security.txt")),
            ".well-known/security.txt"
        );
        let settings = Settings {
            serve_hidden: true,
            ..Settings::default()
        };
        assert_eq!(
            served_path(decide(&facts(Method::Get, "/.env"), &fs(), &settings)),
            ".env"
        );
    }

    #[test]
    fn site_fallbacks() {
        let spa = Settings {
            fallback_path: Some("spa.html".into()),
            custom_404_path: Some("404.html".into()),
            ..Settings::default()
        };
        let plan = decide(&facts(Method::Get, "/deep/link"), &fs(), &spa);
        assert!(
            matches!(&plan, Plan::File { status: 200, file, .. } if file.path == "spa.html"),
            "{plan:?}"
        );
        let custom = Settings {
            custom_404_path: Some("404.html".into()),
            ..Settings::default()
        };
        let plan = decide(&facts(Method::Get, "/nope.txt"), &fs(), &custom);
        let Plan::File {
            status: 404,
            file,
            selection: Selection::Whole,
        } = plan
        else {
            panic!("{plan:?}")
        };
        assert_eq!(
            (file.path.as_str(), file.content_type),
            ("404.html", "text/html; charset=utf-8")
        );
        // Hidden paths fall back too, and a missing fallback file is a plain 404.
        assert!(matches!(
            decide(&facts(Method::Get, "/.env"), &fs(), &custom),
            Plan::File { status: 404, .. }
        ));
        let broken = Settings {
            fallback_path: Some("gone.html".into()),
            ..Settings::default()
        };
        assert_eq!(
            decide(&facts(Method::Get, "/x"), &fs(), &broken),
            Plan::Fail(Failure::NotFound)
        );
        // Bad requests stay bad requests.
        assert_eq!(
            decide(&facts(Method::Get, "/../x"), &fs(), &spa),
            Plan::Fail(Failure::BadRequest)
        );
    }

    #[test]
    fn directory_listing() {
        let listing = Settings {
            directory_listing: true,
            ..Settings::default()
        };
        assert_eq!(
            decide(&facts(Method::Get, "/empty/"), &fs(), &listing),
            Plan::Listing {
                path: "empty".into(),
                title: "/empty/".into()
            }
        );
        assert!(
            matches!(
                decide(&facts(Method::Get, "/docs/"), &fs(), &listing),
                Plan::File { .. }
            ),
            "index wins"
        );
        let index = Settings {
            index_file: "a.txt".into(),
            ..Settings::default()
        };
        assert_eq!(
            served_path(decide(&facts(Method::Get, "/"), &fs(), &index)),
            "a.txt"
        );
    }

    #[test]
    fn precompressed_variants() {
        let with = |ae: &'static str, target: &'static str| {
            let facts = RequestFacts {
                accept_encoding: Some(ae),
                ..facts(Method::Get, target)
            };
            match decide(&facts, &fs(), &Settings::default()) {
                Plan::File { file, .. } => file,
                other => panic!("{other:?}"),
            }
        };
        let br = with("gzip, br", "/app.js");
        assert_eq!(
            (br.path.as_str(), br.encoding, br.meta, br.content_type),
            (
                "app.js.br",
                Some(Encoding::Brotli),
                BR,
                "text/javascript; charset=utf-8"
            )
        );
        assert!(br.negotiable);
        assert_eq!(
            with("br;q=0.5, gzip", "/app.js").encoding,
            Some(Encoding::Gzip)
        );
        assert_eq!(
            with("br", "/style.css").encoding,
            None,
            "no .br beside style.css"
        );
        let plain = with("identity", "/app.js");
        assert_eq!((plain.path.as_str(), plain.negotiable), ("app.js", true));
        assert!(!with("gzip", "/a.txt").negotiable);
        // Distinct ETags even when a variant's size and time equal another's.
        assert_ne!(
            with("br", "/app.js").etag(),
            Representation {
                encoding: None,
                ..br.clone()
            }
            .etag()
        );
        assert!(with("br", "/app.js").etag().ends_with("-br\""));
    }

    #[test]
    fn preconditions_and_ranges() {
        let etag = Representation {
            path: "a.txt".into(),
            meta: META,
            content_type: "",
            encoding: None,
            negotiable: false,
        }
        .etag();
        let plan = |method, pre: &Preconditions, range: Option<&str>| {
            let facts = RequestFacts {
                method,
                target: "/a.txt",
                preconditions: pre,
                range,
                accept_encoding: None,
            };
            decide(&facts, &fs(), &Settings::default())
        };
        let inm = Preconditions {
            if_none_match: Some(etag.clone()),
            ..NONE.clone()
        };
        assert!(matches!(
            plan(Method::Get, &inm, None),
            Plan::NotModified(_)
        ));
        let im = Preconditions {
            if_match: Some("\"nope\"".into()),
            ..NONE.clone()
        };
        assert_eq!(
            plan(Method::Get, &im, Some("bytes=0-1")),
            Plan::Fail(Failure::PreconditionFailed)
        );
        let selection = |p: Plan| match p {
            Plan::File { selection, .. } => selection,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            selection(plan(Method::Get, NONE, Some("bytes=2-"))),
            Selection::Ranges(vec![ByteRange { start: 2, len: 40 }])
        );
        assert_eq!(
            selection(plan(Method::Get, NONE, Some("bytes=0-0,-1"))).clone(),
            Selection::Ranges(vec![
                ByteRange { start: 0, len: 1 },
                ByteRange { start: 41, len: 1 }
            ])
        );
        assert_eq!(
            selection(plan(Method::Head, NONE, Some("bytes=2-"))),
            Selection::Whole,
            "HEAD ignores Range"
        );
        assert_eq!(
            plan(Method::Get, NONE, Some("bytes=42-")),
            Plan::RangeNotSatisfiable { size: 42 }
        );
        let stale = Preconditions {
            if_range: Some("\"old\"".into()),
            ..NONE.clone()
        };
        assert_eq!(
            selection(plan(Method::Get, &stale, Some("bytes=2-"))),
            Selection::Whole
        );
        let fresh = Preconditions {
            if_range: Some(etag),
            ..NONE.clone()
        };
        assert!(matches!(
            selection(plan(Method::Get, &fresh, Some("bytes=2-"))),
            Selection::Ranges(_)
        ));
    }
}
