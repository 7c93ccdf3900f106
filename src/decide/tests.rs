//! `decide` end to end over a fake filesystem.

use super::*;
use crate::decide::fake_fs::FakeFs;
use crate::decide::file_lookup::{Entry, LookupError};
use crate::decide::file_meta::FileMeta;
use crate::decide::file_meta::Timestamp;
use crate::decide::locations::relative_location;
use crate::decide::plan::*;
use crate::request::accept::ListingFormat;
use crate::request::accept_encoding::Encoding;
use crate::request::conditional::Preconditions;
use crate::request::path::ResolvedPath;
use crate::request::range::ByteRange;
use crate::request::want_digest::DigestPreference;
use std::time::Duration;
use std::time::SystemTime;

/// The tests' clock: after every fixture's modification time.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
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
    FakeFs::new([
        (".", Ok(Entry::Directory(None))),
        ("index.html", Ok(Entry::File(META))),
        ("a.txt", Ok(Entry::File(META))),
        ("docs", Ok(Entry::Directory(None))),
        ("empty", Ok(Entry::Directory(None))),
        ("docs/index.html", Ok(Entry::File(META))),
        ("fifo", Ok(Entry::Other)),
        ("locked", Err(LookupError::Denied)),
        ("broken", Err(LookupError::Failed)),
        (".env", Ok(Entry::File(META))),
        (".well-known", Ok(Entry::Directory(None))),
        (".well-known/security.txt", Ok(Entry::File(META))),
        ("app.js", Ok(Entry::File(META))),
        ("app.js.gz", Ok(Entry::File(GZ))),
        ("app.js.br", Ok(Entry::File(BR))),
        ("style.css", Ok(Entry::File(META))),
        ("style.css.gz", Ok(Entry::File(GZ))),
        ("data.json", Ok(Entry::File(META))),
        ("data.json.zst", Ok(Entry::File(BR))),
        ("data.json.gz", Ok(Entry::File(GZ))),
        ("photo.jpg", Ok(Entry::File(META))),
        ("photo.jpg.gz", Ok(Entry::File(GZ))),
        ("spa.html", Ok(Entry::File(META))),
        ("404.html", Ok(Entry::File(META))),
    ])
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
        accept: None,
        now: now(),
        redirect: None,
        want_repr_digest: DigestPreference::Unstated,
    }
}

/// A GET of `target` with these settings.
fn get_with(target: &str, settings: &Settings) -> Plan {
    decide(&facts(Method::Get, target), &fs(), settings)
}

fn get(target: &str) -> Plan {
    get_with(target, &Settings::default())
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
        role,
        file,
        selection,
        ..
    } = get("/a.txt?v=1")
    else {
        panic!()
    };
    assert_eq!(
        (role, &file.path, file.content_type),
        (
            FileRole::Requested,
            &"a.txt".to_string(),
            "text/plain; charset=utf-8"
        )
    );
    assert_eq!(
        (file.encoding, file.variants, selection),
        (None, Variants::None, Selection::Whole)
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
            status: 301,
            location: "docs/".into()
        }
    );
    assert_eq!(
        get("/docs?x=1&y"),
        Plan::Redirect {
            status: 301,
            location: "docs/?x=1&y".into()
        }
    );
    assert_eq!(
        get("/a/../docs"),
        Plan::Redirect {
            status: 301,
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

/// A directory's slash redirect: its Location is relative, percent-encodes
/// controls and spaces, and cannot be read as a scheme.
#[test]
fn directory_redirect_locations_are_safe() {
    for (directory, target, location) in [
        ("a b", "/a b?x=\r\n y", "a%20b/?x=%0D%0A%20y"),
        ("javascript:x", "/javascript:x", "./javascript:x/"),
    ] {
        let fs = FakeFs::new([(directory, Ok(Entry::Directory(None)))]);
        let plan = decide(&facts(Method::Get, target), &fs, &Settings::default());
        let expected = Plan::Redirect {
            status: 301,
            location: location.into(),
        };
        assert_eq!(plan, expected, "{target:?}");
    }
}

#[test]
fn rule_locations_climb_only_above_shared_directories() {
    let at = |segments: &[&str], trailing_slash| ResolvedPath {
        segments: segments.iter().map(|s| s.to_string()).collect(),
        trailing_slash,
        last_raw_segment: String::new(),
        query: None,
    };
    let cases = [
        (
            at(&["docs", "v1", "page"], false),
            "/docs/page.html",
            "../page.html",
        ),
        (at(&["docs", "v1", "page"], false), "/docs/v1/x", "x"),
        (at(&["docs", "v1"], true), "/", "../../"),
        (at(&["docs"], true), "/docs", "../docs"),
        (at(&["a"], false), "/", "./"),
        (at(&["a", "b"], false), "/c:d", "../c:d"),
        (at(&["a"], false), "/c:d", "./c:d"),
        (at(&["a", "b"], false), "/a/x y", "x%20y"),
    ];
    for (path, target, want) in cases {
        assert_eq!(relative_location(&path, target), want, "{target}");
    }
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
    assert_eq!(served_path(get_with("/.env", &settings)), ".env");
}

#[test]
fn site_fallbacks() {
    let spa = Settings {
        fallback_path: Some("spa.html".into()),
        custom_404_path: Some("404.html".into()),
        ..Settings::default()
    };
    let plan = get_with("/deep/link", &spa);
    assert!(
        matches!(&plan, Plan::File { role: FileRole::Requested, file, .. } if file.path == "spa.html"),
        "{plan:?}"
    );
    let custom = Settings {
        custom_404_path: Some("404.html".into()),
        ..Settings::default()
    };
    let plan = get_with("/nope.txt", &custom);
    let Plan::File {
        role: FileRole::NotFoundPage,
        file,
        selection: Selection::Whole,
        ..
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
        get_with("/.env", &custom),
        Plan::File {
            role: FileRole::NotFoundPage,
            ..
        }
    ));
    let broken = Settings {
        fallback_path: Some("gone.html".into()),
        ..Settings::default()
    };
    assert_eq!(get_with("/x", &broken), Plan::Fail(Failure::NotFound));
    // Bad requests stay bad requests.
    assert_eq!(get_with("/../x", &spa), Plan::Fail(Failure::BadRequest));
}

#[test]
fn directory_listing() {
    let listing = Settings {
        directory_listing: true,
        ..Settings::default()
    };
    assert_eq!(
        get_with("/empty/", &listing),
        Plan::Listing {
            path: "empty".into(),
            title: "/empty/".into(),
            hidden: Vec::new(),
            format: ListingFormat::Html,
        }
    );
    let json = RequestFacts {
        accept: Some("application/json"),
        ..facts(Method::Get, "/empty/")
    };
    assert!(matches!(
        decide(&json, &fs(), &listing),
        Plan::Listing {
            format: ListingFormat::Json,
            ..
        }
    ));
    assert!(
        matches!(get_with("/docs/", &listing), Plan::File { .. }),
        "index wins"
    );
    let index = Settings {
        index_file: "a.txt".into(),
        ..Settings::default()
    };
    assert_eq!(served_path(get_with("/", &index)), "a.txt");
}

#[test]
fn variants_are_looked_up_only_for_types_that_may_have_them() {
    let asked = |target: &'static str| {
        let facts = RequestFacts {
            accept_encoding: Some("br, zstd, gzip"),
            ..facts(Method::Get, target)
        };
        let fs = fs();
        decide(&facts, &fs, &Settings::default());
        // Each path once (the chosen file's digest asks it again).
        let mut paths = fs.asked();
        let mut seen = Vec::new();
        paths.retain(|path| {
            !seen.contains(path) && {
                seen.push(path.clone());
                true
            }
        });
        paths
    };
    assert_eq!(
        asked("/app.js"),
        ["app.js", "app.js.br", "app.js.zst", "app.js.gz"]
    );
    assert_eq!(asked("/photo.jpg"), ["photo.jpg"]);
    // The glues look up what `decide` will ask, and no more.
    for (target, name) in [("/app.js", "app.js"), ("/photo.jpg", "photo.jpg")] {
        let companions: Vec<String> = crate::decide::companion_paths(name).collect();
        assert_eq!(asked(target)[1..], companions[..], "{name}");
    }
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
    assert_eq!(br.variants, Variants::Negotiable);
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
    assert_eq!(
        (plain.path.as_str(), plain.variants),
        ("app.js", Variants::Negotiable)
    );
    assert_eq!(with("gzip", "/a.txt").variants, Variants::None);
    let zstd = with("gzip, zstd, br", "/data.json");
    assert_eq!(
        (zstd.path.as_str(), zstd.encoding),
        ("data.json.zst", Some(Encoding::Zstd))
    );
    assert_eq!(
        with("gzip, zstd;q=0.5", "/data.json").encoding,
        Some(Encoding::Gzip)
    );
    // A type compressed already: no variant served, none looked up, no Vary.
    let photo = with("gzip, br, zstd", "/photo.jpg");
    assert_eq!(
        (photo.path.as_str(), photo.encoding, photo.variants),
        ("photo.jpg", None, Variants::None)
    );
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
        last_modified: None,
        content_type: "",
        encoding: None,
        variants: Variants::None,
        digest: None,
    }
    .etag();
    let plan = |method, pre: &Preconditions, range: Option<&str>| {
        let facts = RequestFacts {
            method,
            target: "/a.txt",
            preconditions: pre,
            range,
            accept_encoding: None,
            accept: None,
            now: now(),
            redirect: None,
            want_repr_digest: DigestPreference::Unstated,
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
        Selection::Range(ByteRange { start: 2, len: 40 })
    );
    assert_eq!(
        selection(plan(Method::Get, NONE, Some("bytes=0-0,-1"))).clone(),
        Selection::Multipart(vec![
            ByteRange { start: 0, len: 1 },
            ByteRange { start: 41, len: 1 }
        ])
    );
    assert_eq!(
        selection(plan(Method::Head, NONE, Some("bytes=2-"))),
        Selection::Whole,
        "HEAD ignores Range"
    );
    assert!(matches!(
        plan(Method::Get, NONE, Some("bytes=42-")),
        Plan::RangeNotSatisfiable(file) if file.meta.size == 42
    ));
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
        Selection::Range(_)
    ));
}
