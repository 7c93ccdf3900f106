//! One request's pass over the rule files: which redirect rule applies to
//! its path, and which header changes. The glue feeds the bytes of each
//! file as it reads them; a malformed line is reported once per instance
//! (per version of the file), with its number, and skipped.

use std::cell::RefCell;

use super::headers::{HeaderOp, HeaderRules, Scrutiny};
use super::lines::{Flow, Line, LineSplitter, MAX_LINE};
use super::pattern::cannot_match;
use super::redirects::{parse_line, redirect_source, target, RuleKind};
use crate::decide::file_meta::FileMeta;
use crate::request::path::ResolvedPath;

/// The largest rule file read; a larger one is refused, once, on stderr,
/// and the site is served without its rules.
pub(crate) const MAX_RULES_FILE: u64 = 128 * 1024;

/// Which rule file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleFile {
    Redirects,
    Headers,
}

/// The redirect rule that matched a request, resolved against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectMatch {
    pub kind: RuleKind,
    /// `to` with the captures (and, for a redirect, the query) filled in.
    pub target: String,
    pub forced: bool,
}

/// The decoded path rules match: `/` and the segments, with the trailing
/// slash if the request had one.
fn rule_path(path: &ResolvedPath) -> String {
    let mut out = String::from("/");
    out.push_str(&path.segments.join("/"));
    if path.trailing_slash && !path.segments.is_empty() {
        out.push('/');
    }
    out
}

/// What the rule files say about one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteRules {
    pub redirect: Option<RedirectMatch>,
    pub headers: Vec<HeaderOp>,
}

impl SiteRules {
    /// Keeps what a finished scan found.
    pub fn add(&mut self, result: ScanResult) {
        match result {
            ScanResult::Redirect(found) => self.redirect = found,
            ScanResult::Headers(ops) => self.headers = ops,
        }
    }
}

/// What the rules match a request target against: its decoded path (see
/// `rule_path`) and its query; `None` for a target `decide` refuses anyway.
pub fn rule_request(target: &str) -> Option<(String, Option<String>)> {
    let path = crate::request::path::resolve_path(target).ok()?;
    Some((rule_path(&path), path.query))
}

/// The rule files `settings` name, each with what a scan of it looks for.
pub(crate) fn rule_files(
    settings: &crate::settings::Settings,
) -> impl Iterator<Item = (RuleFile, &str)> {
    [
        (RuleFile::Redirects, settings.redirects_file.as_deref()),
        (RuleFile::Headers, settings.headers_file.as_deref()),
    ]
    .into_iter()
    .filter_map(|(file, name)| Some((file, name?)))
}

/// Bytes a glue reads from a rule file at a time.
pub(crate) const READ_CHUNK: u64 = 4096;

/// Reading one rule file for one request.
pub struct FileScan<'p> {
    file: RuleFile,
    splitter: LineSplitter,
    /// Whether every line is checked (and its mistakes reported).
    scrutiny: Scrutiny,
    work: Work<'p>,
}

enum Work<'p> {
    Redirects {
        path: &'p str,
        query: Option<&'p str>,
        found: Option<RedirectMatch>,
    },
    Headers(HeaderRules<'p>),
}

impl<'p> FileScan<'p> {
    /// A scan for `path` (see `rule_path`) of `file`, whose metadata is
    /// `meta`; `None` when the file is too large (reported once).
    pub fn start(
        file: RuleFile,
        name: &str,
        meta: FileMeta,
        path: &'p str,
        query: Option<&'p str>,
    ) -> Option<FileScan<'p>> {
        let first_time = first_sight(file, meta);
        let scrutiny = if first_time {
            Scrutiny::EveryLine
        } else {
            Scrutiny::ApplicableOnly
        };
        if meta.size > MAX_RULES_FILE {
            if first_time {
                eprintln!(
                    "wasi-fileserver: {name} is {} bytes, over the {} KiB limit for rule files: \
                     its rules are not applied",
                    meta.size,
                    MAX_RULES_FILE / 1024
                );
            }
            return None;
        }
        Some(FileScan::new(file, path, query, scrutiny))
    }

    /// A scan with the given scrutiny, whatever was read before (`start`
    /// decides it by the file's version, and refuses files too large).
    pub fn new(
        file: RuleFile,
        path: &'p str,
        query: Option<&'p str>,
        scrutiny: Scrutiny,
    ) -> FileScan<'p> {
        let work = match file {
            RuleFile::Redirects => Work::Redirects {
                path,
                query,
                found: None,
            },
            RuleFile::Headers => Work::Headers(HeaderRules::new(path, scrutiny)),
        };
        FileScan {
            file,
            splitter: LineSplitter::default(),
            scrutiny,
            work,
        }
    }

    /// The next bytes of the file; `Stop` when the rest is not needed.
    pub fn feed(&mut self, name: &str, bytes: &[u8]) -> Flow {
        let FileScan {
            splitter,
            scrutiny,
            work,
            ..
        } = self;
        splitter.feed(bytes, |number, line| {
            take_line(work, *scrutiny, name, number, line)
        })
    }

    /// The end of the file.
    pub fn finish(mut self, name: &str) -> ScanResult {
        let scrutiny = self.scrutiny;
        let FileScan { splitter, work, .. } = &mut self;
        splitter.finish(|number, line| take_line(work, scrutiny, name, number, line));
        match self.work {
            Work::Redirects { found, .. } => ScanResult::Redirect(found),
            Work::Headers(rules) => ScanResult::Headers(rules.finish()),
        }
    }

    pub fn file(&self) -> RuleFile {
        self.file
    }
}

/// What a scan found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanResult {
    Redirect(Option<RedirectMatch>),
    Headers(Vec<HeaderOp>),
}

fn take_line(
    work: &mut Work<'_>,
    scrutiny: Scrutiny,
    name: &str,
    number: usize,
    line: Line<'_>,
) -> Flow {
    let report = scrutiny == Scrutiny::EveryLine;
    let text = match line {
        Line::Text(text) => text,
        Line::TooLong => {
            warn(
                report,
                name,
                number,
                &format!("longer than {MAX_LINE} characters"),
            );
            return Flow::Continue;
        }
        Line::NotUtf8 => {
            warn(report, name, number, "not UTF-8");
            return Flow::Continue;
        }
    };
    if let (Scrutiny::ApplicableOnly, Work::Redirects { path, .. }) = (scrutiny, &*work) {
        if redirect_source(text).is_some_and(|from| cannot_match(from, path)) {
            return Flow::Continue;
        }
    }
    match work {
        Work::Redirects { path, query, found } => match parse_line(text) {
            Ok(Some(rule)) => {
                if found.is_none() {
                    if let Some(captures) = rule.from.matches(path) {
                        let query = query.filter(|_| matches!(rule.kind, RuleKind::Redirect(_)));
                        *found = Some(RedirectMatch {
                            kind: rule.kind,
                            target: target(rule.to, &captures, query),
                            forced: rule.forced,
                        });
                        if !report {
                            return Flow::Stop;
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(error) => warn(report, name, number, error.describe()),
        },
        Work::Headers(rules) => {
            if let Err(error) = rules.line(text) {
                warn(report, name, number, error.describe());
            }
        }
    }
    Flow::Continue
}

fn warn(report: bool, name: &str, number: usize, why: &str) {
    if report {
        eprintln!("wasi-fileserver: {name} line {number} skipped: {why}");
    }
}

/// Whether this version (size and time) of `file` is read for the first
/// time in this instance; it is then remembered.
fn first_sight(file: RuleFile, meta: FileMeta) -> bool {
    thread_local! {
        static SEEN: RefCell<Vec<(RuleFile, FileMeta)>> = const { RefCell::new(Vec::new()) };
    }
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.contains(&(file, meta)) {
            return false;
        }
        seen.retain(|(f, _)| *f != file);
        seen.push((file, meta));
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::file_meta::Timestamp;
    use crate::request::path::resolve_path;

    fn meta(size: u64, seconds: u64) -> FileMeta {
        FileMeta {
            size,
            modified: Some(Timestamp {
                seconds,
                nanoseconds: 0,
            }),
        }
    }

    fn redirect(file: &str, target_path: &str, seconds: u64) -> Option<RedirectMatch> {
        let resolved = resolve_path(target_path).unwrap();
        let path = rule_path(&resolved);
        let mut scan = FileScan::start(
            RuleFile::Redirects,
            "_redirects",
            meta(file.len() as u64, seconds),
            &path,
            resolved.query.as_deref(),
        )
        .unwrap();
        for chunk in file.as_bytes().chunks(7) {
            if scan.feed("_redirects", chunk) == Flow::Stop {
                break;
            }
        }
        match scan.finish("_redirects") {
            ScanResult::Redirect(found) => found,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn first_matching_rule_wins() {
        let file = "/old /new 301\n/blog/:year/* /posts/:year/:splat\n/* /index.html 200\n";
        assert_eq!(
            redirect(file, "/old?x=1", 1),
            Some(RedirectMatch {
                kind: RuleKind::Redirect(301),
                target: "/new?x=1".into(),
                forced: false
            })
        );
        assert_eq!(
            redirect(file, "/blog/2024/a/b", 1).map(|m| m.target),
            Some("/posts/2024/a/b".into())
        );
        assert_eq!(
            redirect(file, "/anything?q", 1),
            Some(RedirectMatch {
                kind: RuleKind::Rewrite,
                target: "/index.html".into(),
                forced: false
            }),
            "a rewrite does not take the query"
        );
    }

    #[test]
    fn rule_paths_are_decoded_with_their_slash() {
        let path = |t: &str| rule_path(&resolve_path(t).unwrap());
        assert_eq!(path("/"), "/");
        assert_eq!(path("/a%20b/c/"), "/a b/c/");
        assert_eq!(path("/a/./b/../c"), "/a/c");
    }

    #[test]
    fn too_large_files_are_refused() {
        assert!(FileScan::start(
            RuleFile::Headers,
            "_headers",
            meta(MAX_RULES_FILE + 1, 7),
            "/",
            None
        )
        .is_none());
        assert!(FileScan::start(RuleFile::Headers, "_headers", meta(10, 7), "/", None).is_some());
    }

    /// A scan that skips the rules that cannot apply finds what a scan of
    /// every line finds, whatever the path, malformed lines included.
    #[test]
    fn skipping_rules_that_cannot_match_changes_nothing() {
        let headers = "/*\n  X-All: 1\n/assets/*\n  Cache-Control: immutable\n  ! X-All\n\
                       /blog/:year/:slug\n  X-Year: :year\n/caf%C3%A9/*\n  X-Cafe: :splat\n\
                       /bad%FF\n  X-Bad: 1\nhttps://example.com/*\n  X-Host: 1\n\
                       /docs/*\n  Bad Name: 1\n  X-Docs: 1\n/a:b\n  X-Colon: 1\n\
                       # comment\n/assets/v1/*\n  X-V1: :splat\n";
        let redirects = "# old\n/old/*  /new/:splat  301\n/blog/:year/:slug  /posts/:year/:slug\n\
                         /caf%C3%A9  /cafe  308\n/bad  nowhere\n/retired  /gone.html  410\n\
                         https://example.com/*  /x  301\n/app/*  /index.html  200\n\
                         /a:b  /colon  302\n/*  /fallback.html  200\n";
        let paths = [
            "/",
            "/assets/v1/app.js",
            "/blog/2024/hello",
            "/café/menu",
            "/old/a/b",
            "/docs/x",
            "/a:b",
            "/retired",
            "/app/deep/link",
            "/caf",
            "/unknown",
        ];
        for path in paths {
            for query in [None, Some("q=1")] {
                for (file, text) in [
                    (RuleFile::Headers, headers),
                    (RuleFile::Redirects, redirects),
                ] {
                    let scan = |scrutiny| {
                        let mut scan = FileScan::new(file, path, query, scrutiny);
                        let _ = scan.feed("rules", text.as_bytes());
                        scan.finish("rules")
                    };
                    assert_eq!(
                        scan(Scrutiny::ApplicableOnly),
                        scan(Scrutiny::EveryLine),
                        "{file:?} for {path}"
                    );
                }
            }
        }
    }

    #[test]
    fn each_version_is_reported_once() {
        assert!(first_sight(RuleFile::Redirects, meta(5, 100)));
        assert!(!first_sight(RuleFile::Redirects, meta(5, 100)));
        assert!(first_sight(RuleFile::Redirects, meta(6, 100)), "changed");
        assert!(first_sight(RuleFile::Headers, meta(5, 100)));
    }
}
