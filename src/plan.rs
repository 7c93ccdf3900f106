//! Decide: request + filesystem facts + settings -> what to answer. Pure; no WASI.

use std::time::SystemTime;

use percent_encoding::utf8_percent_encode;

use crate::config::{Settings, TrailingSlash};
use crate::content_type::content_type_for;
use crate::file_lookup::{Entry, FileLookup, LookupError};
use crate::file_meta::FileMeta;
use crate::http_date;
use crate::manifest::digest::Sha256Digest;
use crate::request::accept_encoding::{choose, Encoding};
use crate::request::conditional::{check_if_range, evaluate, Preconditions, Validators, Verdict};
use crate::request::incoming::IncomingRequest;
use crate::request::method::Method;
use crate::request::path::{resolve_path, ResolvedPath};
use crate::request::range::{parse_range, ByteRange, RangeRequest};
use crate::request::want_digest::DigestPreference;
use crate::rules::redirects::RuleKind;
use crate::rules::scan::RedirectMatch;
use crate::uri_encoding::NOT_URI;

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
    /// The server's clock: no `Last-Modified` may be later.
    pub now: SystemTime,
    /// The `_redirects` rule that matched the path, if any.
    pub redirect: Option<&'a RedirectMatch>,
    pub want_repr_digest: DigestPreference,
}

impl<'a> RequestFacts<'a> {
    pub fn of(
        request: &'a IncomingRequest,
        now: SystemTime,
        redirect: Option<&'a RedirectMatch>,
    ) -> RequestFacts<'a> {
        RequestFacts {
            method: request.method,
            target: &request.target,
            preconditions: &request.headers.preconditions,
            range: request.headers.range.as_deref(),
            accept_encoding: request.headers.accept_encoding.as_deref(),
            now,
            redirect,
            want_repr_digest: request.headers.want_repr_digest,
        }
    }
}

/// Why `decide` answers with an error status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PreconditionFailed,
    /// A `_redirects` 410 rule whose page is missing.
    Gone,
    Internal,
}

/// One file as it will be sent: the bytes on disk (perhaps a precompressed
/// variant) and the metadata that describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Representation {
    /// Relative to the root: the file actually read.
    pub path: String,
    pub meta: FileMeta,
    /// `Last-Modified` as sent: whole seconds, never after the response's date.
    pub last_modified: Option<SystemTime>,
    /// From the name the client asked for, not the variant's.
    pub content_type: &'static str,
    pub encoding: Option<Encoding>,
    /// Whether a precompressed variant exists, so responses vary on Accept-Encoding.
    pub variants: Variants,
    /// The manifest's hash of exactly these bytes (the variant's own entry
    /// for a precompressed variant).
    pub digest: Option<Sha256Digest>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variants {
    /// Only the file itself: the same bytes for every request.
    None,
    /// A `.br` or `.gz` beside it: every response says `Vary: Accept-Encoding`.
    Negotiable,
}

impl Representation {
    /// The variant's own strong ETag; the encoding is part of it so that two
    /// encodings can never share one.
    pub fn etag(&self) -> String {
        if let Some(digest) = self.digest {
            return digest.etag();
        }
        match self.encoding {
            Some(e) => self.meta.etag_with_suffix(e.token()),
            None => self.meta.etag(),
        }
    }
}

/// Which bytes of the representation the response carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The whole file.
    Whole,
    /// 206 with one range.
    Range(ByteRange),
    /// 206 multipart/byteranges with these ranges (several).
    Multipart(Vec<ByteRange>),
}

/// Why a file is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// The file asked for (or `FALLBACK_PATH`): 200, or 206 for ranges.
    Requested,
    /// `CUSTOM_404_PATH`, or a `_redirects` 404 rule's page: 404, whole,
    /// no conditionals.
    NotFoundPage,
    /// A `_redirects` 410 rule's page: 410, whole, no conditionals.
    GonePage,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Send (or, for HEAD, describe) a file.
    File {
        role: FileRole,
        file: Representation,
        selection: Selection,
        /// `Repr-Digest` to send: the file's digest on 200 and 206, unless
        /// the client declined it.
        repr_digest: Option<Sha256Digest>,
    },
    /// 304: the client's copy is current.
    NotModified(Representation),
    /// 416: no requested range overlaps the representation.
    RangeNotSatisfiable(Representation),
    /// An HTML listing of the directory at `path` (relative), titled
    /// `title`, without the entries named in `hidden` (the rule files).
    Listing {
        path: String,
        title: String,
        hidden: Vec<String>,
    },
    /// 301, 302, 303, 307 or 308 to `location` (relative for this site's
    /// own paths, so that it stays right under any route prefix).
    Redirect {
        status: u16,
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
    // A forced rule (`!`) applies whatever is at the path.
    if let Some(rule) = request.redirect.filter(|rule| rule.forced) {
        return apply_rule(request, fs, settings, &path, rule);
    }
    // The rule files are never served, and hidden paths only if asked.
    if is_unserved_file(&path, settings) || (path.is_hidden() && !settings.serve_hidden) {
        return missing(request, fs, settings, &path);
    }
    locate(request, fs, settings, &path)
}

/// What the path itself leads to; `missing` when nothing is there.
fn locate(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    settings: &Settings,
    path: &ResolvedPath,
) -> Plan {
    let relative = path.relative();
    match fs.stat(&relative) {
        Ok(Entry::File(meta)) if !path.trailing_slash => {
            if let Some(location) = canonical_page(fs, settings, path) {
                return Plan::Redirect {
                    status: 308,
                    location,
                };
            }
            serve_file(
                request,
                fs,
                relative,
                path.file_name(),
                meta,
                FileRole::Requested,
            )
        }
        // "/file.txt/" names a directory that does not exist.
        Ok(Entry::File(_)) | Ok(Entry::Other) => missing(request, fs, settings, path),
        Ok(Entry::Directory) if !path.trailing_slash => match settings.trailing_slash {
            TrailingSlash::Never => directory_index(request, fs, settings, path),
            TrailingSlash::Auto | TrailingSlash::Always => Plan::Redirect {
                status: 301,
                location: directory_location(path),
            },
        },
        Ok(Entry::Directory) => match settings.trailing_slash {
            TrailingSlash::Never if !path.segments.is_empty() => Plan::Redirect {
                status: 308,
                location: with_query(
                    &format!(
                        "../{}",
                        utf8_percent_encode(&path.last_raw_segment, NOT_URI)
                    ),
                    path,
                ),
            },
            _ => directory_index(request, fs, settings, path),
        },
        Err(LookupError::NotFound) => missing(request, fs, settings, path),
        Err(e) => Plan::Fail(lookup_failure(e)),
    }
}

/// A directory: its index file, else its listing (if enabled), else missing.
fn directory_index(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    settings: &Settings,
    path: &ResolvedPath,
) -> Plan {
    let index = path.join(&settings.index_file);
    match fs.stat(&index) {
        Ok(Entry::File(meta)) => serve_file(
            request,
            fs,
            index,
            &settings.index_file,
            meta,
            FileRole::Requested,
        ),
        Ok(_) | Err(LookupError::NotFound) if settings.directory_listing => {
            let title = format!(
                "/{}",
                path.segments
                    .iter()
                    .map(|s| format!("{s}/"))
                    .collect::<String>()
            );
            let relative = path.relative();
            Plan::Listing {
                hidden: unserved_files_in(&relative, settings),
                path: relative,
                title,
            }
        }
        Ok(_) | Err(LookupError::NotFound) => missing(request, fs, settings, path),
        Err(e) => Plan::Fail(lookup_failure(e)),
    }
}

/// Nothing servable at the path: a clean URL's page, then a redirect rule,
/// then the fallback pages.
fn missing(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    settings: &Settings,
    path: &ResolvedPath,
) -> Plan {
    if settings.clean_urls && !path.is_hidden() && !is_unserved_file(path, settings) {
        if let Some(plan) = clean_url_page(request, fs, settings, path) {
            return plan;
        }
    }
    if let Some(rule) = request.redirect {
        return apply_rule(request, fs, settings, path, rule);
    }
    not_found(request, fs, settings)
}

/// With clean URLs, `/about` is `about.html` (and `/about/` too, redirected
/// to the form `TRAILING_SLASH` prefers).
fn clean_url_page(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    settings: &Settings,
    path: &ResolvedPath,
) -> Option<Plan> {
    let last = path.segments.last()?;
    let page = format!("{}.html", path.relative());
    let Ok(Entry::File(meta)) = fs.stat(&page) else {
        return None;
    };
    let raw = utf8_percent_encode(&path.last_raw_segment, NOT_URI).to_string();
    let redirect = match (path.trailing_slash, settings.trailing_slash) {
        (true, TrailingSlash::Auto | TrailingSlash::Never) => Some(format!("../{raw}")),
        (false, TrailingSlash::Always) => Some(format!("{}{raw}/", scheme_guard(&raw))),
        _ => None,
    };
    Some(match redirect {
        Some(location) => Plan::Redirect {
            status: 308,
            location: with_query(&location, path),
        },
        None => serve_file(
            request,
            fs,
            page,
            &format!("{last}.html"),
            meta,
            FileRole::Requested,
        ),
    })
}

/// With clean URLs, where a request for an existing `.html` file is sent:
/// `/about.html` to `/about` (or `/about/`), `/docs/index.html` to `/docs/`;
/// `None` to serve it as asked (no clean URLs, or the shorter path is taken).
fn canonical_page(
    fs: &impl FileLookup,
    settings: &Settings,
    path: &ResolvedPath,
) -> Option<String> {
    if !settings.clean_urls {
        return None;
    }
    let last = path.segments.last()?;
    let raw = utf8_percent_encode(&path.last_raw_segment, NOT_URI).to_string();
    let raw_stem = raw.strip_suffix(".html")?;
    if *last == settings.index_file {
        let location = match settings.trailing_slash {
            TrailingSlash::Never if path.segments.len() > 1 => {
                let parent = path.segments.get(path.segments.len().saturating_sub(2))?;
                format!("../{}", utf8_percent_encode(parent, NOT_URI))
            }
            _ => "./".to_string(),
        };
        return Some(with_query(&location, path));
    }
    let stem = last.strip_suffix(".html").filter(|stem| !stem.is_empty())?;
    // A file or directory at the shorter path would be served there instead.
    let shorter = path.join_sibling(stem);
    if !matches!(fs.stat(&shorter), Err(LookupError::NotFound)) {
        return None;
    }
    let slash = if settings.trailing_slash == TrailingSlash::Always {
        "/"
    } else {
        ""
    };
    Some(with_query(
        &format!("{}{raw_stem}{slash}", scheme_guard(raw_stem)),
        path,
    ))
}

/// A matched `_redirects` rule, applied.
fn apply_rule(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    settings: &Settings,
    path: &ResolvedPath,
    rule: &RedirectMatch,
) -> Plan {
    match rule.kind {
        RuleKind::Redirect(status) => Plan::Redirect {
            status,
            location: if rule.target.starts_with('/') {
                relative_location(path, &rule.target)
            } else {
                utf8_percent_encode(&rule.target, NOT_URI).to_string()
            },
        },
        RuleKind::Rewrite => serve_target(request, fs, settings, &rule.target, FileRole::Requested),
        RuleKind::Page(410) => {
            serve_target(request, fs, settings, &rule.target, FileRole::GonePage)
        }
        RuleKind::Page(_) => {
            serve_target(request, fs, settings, &rule.target, FileRole::NotFoundPage)
        }
    }
}

/// The file a rewrite or page rule points at: looked up like a request,
/// but never redirected, and never through the rules again.
fn serve_target(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    settings: &Settings,
    target: &str,
    role: FileRole,
) -> Plan {
    let absent = || match role {
        FileRole::Requested => not_found(request, fs, settings),
        FileRole::NotFoundPage => Plan::Fail(Failure::NotFound),
        FileRole::GonePage => Plan::Fail(Failure::Gone),
    };
    let Ok(path) = resolve_path(target) else {
        return absent();
    };
    if is_unserved_file(&path, settings) || (path.is_hidden() && !settings.serve_hidden) {
        return absent();
    }
    match fs.stat(&path.relative()) {
        Ok(Entry::File(meta)) => {
            serve_role(request, fs, path.relative(), path.file_name(), meta, role)
        }
        Ok(Entry::Directory) => {
            let index = path.join(&settings.index_file);
            match fs.stat(&index) {
                Ok(Entry::File(meta)) => {
                    serve_role(request, fs, index, &settings.index_file, meta, role)
                }
                _ => absent(),
            }
        }
        _ => absent(),
    }
}

fn serve_role(
    request: &RequestFacts<'_>,
    fs: &impl FileLookup,
    path: String,
    name: &str,
    meta: FileMeta,
    role: FileRole,
) -> Plan {
    match role {
        FileRole::Requested => serve_file(request, fs, path, name, meta, role),
        // An error page: no validators to honour, no ranges to cut.
        FileRole::NotFoundPage | FileRole::GonePage => Plan::File {
            role,
            file: negotiate(request, fs, path, name, meta),
            selection: Selection::Whole,
            repr_digest: None,
        },
    }
}

/// Whether `path` is one of the site's own files (never served).
fn is_unserved_file(path: &ResolvedPath, settings: &Settings) -> bool {
    let relative = path.relative();
    settings.unserved_files().any(|file| *file == relative)
}

/// The names of the site's own files that live in the directory `relative`.
fn unserved_files_in(relative: &str, settings: &Settings) -> Vec<String> {
    settings
        .unserved_files()
        .filter_map(|file| {
            let (dir, name) = file.rsplit_once('/').unwrap_or((".", file.as_str()));
            (dir == relative).then(|| name.to_string())
        })
        .collect()
}

/// `target` (an absolute path of the site, `/new/page?x`) relative to the
/// request's path, so that it stays right under any route prefix a host
/// serves the site below.
fn relative_location(path: &ResolvedPath, target: &str) -> String {
    let base_dirs = if path.trailing_slash {
        &path.segments[..]
    } else {
        path.segments.split_last().map_or(&[][..], |(_, dirs)| dirs)
    };
    // Climb only above the directories the request and the target share.
    let mut target_dirs: Vec<&str> = target.trim_start_matches('/').split('/').collect();
    let target_last = target_dirs.pop().unwrap_or("");
    let shared = base_dirs
        .iter()
        .zip(&target_dirs)
        .take_while(|(a, b)| a.as_str() == **b)
        .count();
    let mut rest: Vec<&str> = target_dirs.get(shared..).unwrap_or_default().to_vec();
    rest.push(target_last);
    let rest = utf8_percent_encode(&rest.join("/"), NOT_URI).to_string();
    let climb = base_dirs.len().saturating_sub(shared);
    let location = format!("{}{rest}", "../".repeat(climb));
    if location.is_empty() || location.starts_with('?') {
        return format!("./{location}");
    }
    let first = location.split('/').next().unwrap_or("");
    format!("{}{location}", scheme_guard(first))
}

/// "a:b/" would read as a URI with scheme "a"; "./a:b/" cannot.
fn scheme_guard(first_segment: &str) -> &'static str {
    if first_segment.contains(':') {
        "./"
    } else {
        ""
    }
}

/// `location` with the request's query, percent-encoded where needed.
fn with_query(location: &str, path: &ResolvedPath) -> String {
    match &path.query {
        Some(q) => format!("{location}?{}", utf8_percent_encode(q, NOT_URI)),
        None => location.to_string(),
    }
}

/// The other paths `decide` asks about once `path` turned out to be a file
/// (its precompressed variants, for `Vary`, whatever the request accepts): a
/// glue that looks paths up ahead of the decision can fetch them with it.
pub fn companion_paths(path: &str) -> impl Iterator<Item = String> + '_ {
    Encoding::ALL.iter().map(move |e| e.variant_path(path))
}

/// FALLBACK_PATH (200) wins over CUSTOM_404_PATH (404), else a plain 404.
fn not_found(request: &RequestFacts<'_>, fs: &impl FileLookup, settings: &Settings) -> Plan {
    if let Some(fallback) = &settings.fallback_path {
        if let Ok(Entry::File(meta)) = fs.stat(fallback) {
            return serve_file(
                request,
                fs,
                fallback.clone(),
                fallback,
                meta,
                FileRole::Requested,
            );
        }
    }
    if let Some(page) = &settings.custom_404_path {
        if let Ok(Entry::File(meta)) = fs.stat(page) {
            return serve_role(
                request,
                fs,
                page.clone(),
                page,
                meta,
                FileRole::NotFoundPage,
            );
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
    role: FileRole,
) -> Plan {
    let file = negotiate(request, fs, path, name, meta);
    let etag = file.etag();
    let validators = Validators {
        etag: &etag,
        last_modified: file.last_modified,
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
                RangeRequest::Unsatisfiable => return Plan::RangeNotSatisfiable(file),
                RangeRequest::Partial(ranges) => match ranges.as_slice() {
                    [range] => Selection::Range(*range),
                    _ => Selection::Multipart(ranges),
                },
                RangeRequest::Whole => Selection::Whole,
            }
        }
        _ => Selection::Whole,
    };
    let repr_digest = match request.want_repr_digest {
        DigestPreference::Refused => None,
        DigestPreference::Unstated | DigestPreference::Wanted => file.digest,
    };
    Plan::File {
        role,
        file,
        selection,
        repr_digest,
    }
}

/// Picks a precompressed variant (`name.br`, `name.gz`) the client prefers.
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
    let found = Encoding::ALL.map(|e| match fs.stat(&e.variant_path(&path)) {
        Ok(Entry::File(meta)) => Some((e, meta)),
        _ => None,
    });
    let variants = if found.iter().any(Option::is_some) {
        Variants::Negotiable
    } else {
        Variants::None
    };
    let variant = |wanted: Encoding| found.iter().flatten().find(|(e, _)| *e == wanted).copied();
    let chosen = choose(request.accept_encoding, |e| variant(e).is_some()).and_then(variant);
    let (path, meta, encoding) = match chosen {
        Some((encoding, variant_meta)) => {
            (encoding.variant_path(&path), variant_meta, Some(encoding))
        }
        None => (path, meta, None),
    };
    let digest = fs.digest(&path, meta.size);
    Representation {
        path,
        last_modified: meta
            .modified_time()
            .map(|modified| http_date::last_modified(modified, request.now)),
        meta,
        content_type,
        encoding,
        variants,
        digest,
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
    // As the client sent them, but with anything a header value or a URI
    // cannot carry (controls, spaces, non-ASCII) percent-encoded: a host
    // may pass such bytes on.
    let segment = utf8_percent_encode(&path.last_raw_segment, NOT_URI);
    let prefix = scheme_guard(&path.last_raw_segment);
    with_query(&format!("{prefix}{segment}/"), path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_meta::Timestamp;
    use std::collections::HashMap;
    use std::time::Duration;

    /// The tests' clock: after every fixture's modification time.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

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
            now: now(),
            redirect: None,
            want_repr_digest: DigestPreference::Unstated,
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
            let fs = FakeFs(HashMap::from([(directory, Ok(Entry::Directory))]));
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
            matches!(&plan, Plan::File { role: FileRole::Requested, file, .. } if file.path == "spa.html"),
            "{plan:?}"
        );
        let custom = Settings {
            custom_404_path: Some("404.html".into()),
            ..Settings::default()
        };
        let plan = decide(&facts(Method::Get, "/nope.txt"), &fs(), &custom);
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
            decide(&facts(Method::Get, "/.env"), &fs(), &custom),
            Plan::File {
                role: FileRole::NotFoundPage,
                ..
            }
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
                title: "/empty/".into(),
                hidden: Vec::new(),
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
}
