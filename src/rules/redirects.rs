//! `_redirects` lines (Netlify's and Cloudflare Pages' format):
//! `from to [status][!]`, `#` comments, one rule per line.
//!
//! Where the two dialects differ, this server takes:
//! - the default status 302 (Cloudflare): a mistaken 301 stays in browsers'
//!   caches for good;
//! - `!` (Netlify) to force a rule over an existing file; without it a rule
//!   applies only where no file is (Netlify: `/* /index.html 200` must not
//!   hide the site's files);
//! - status 200 rewrites and 404/410 (Netlify) to serve `to` with that status,
//!   both to paths of the site only (no proxying: the component makes no
//!   outgoing requests);
//! - no query matching (neither dialect agrees on it): a `from` with `?` is
//!   an error, not silently widened as Cloudflare does.

use super::pattern::{Captures, Pattern, PatternError};

/// What a matched rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// 301, 302, 303, 307 or 308 with `Location`.
    Redirect(u16),
    /// 200: serve `to` as if it had been asked for.
    Rewrite,
    /// 404 or 410: serve `to` with this status.
    Page(u16),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RedirectRule<'a> {
    pub from: Pattern,
    pub to: &'a str,
    pub kind: RuleKind,
    /// `!`: applies even where a file exists.
    pub forced: bool,
}

/// Why a line is skipped (reported once, with its number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineError {
    Tokens,
    From(PatternError),
    To,
    Status,
    RewriteElsewhere,
}

impl LineError {
    pub fn describe(self) -> &'static str {
        match self {
            LineError::Tokens => {
                "expected `from to [status][!]` (query or condition tokens are not supported)"
            }
            LineError::From(error) => error.describe(),
            LineError::To => "the target must be a path starting with / or an http(s):// URL",
            LineError::Status => "the status must be 200, 301, 302, 303, 307, 308, 404 or 410",
            LineError::RewriteElsewhere => {
                "a 200, 404 or 410 rule must point at a path of this site"
            }
        }
    }
}

/// Parses one line; `Ok(None)` for a blank line or a comment.
/// A line's source path as written (its first token), unless the line is
/// blank or a comment.
pub(crate) fn redirect_source(line: &str) -> Option<&str> {
    line.split_whitespace()
        .next()
        .filter(|t| !t.starts_with('#'))
}

pub(crate) fn parse_line(line: &str) -> Result<Option<RedirectRule<'_>>, LineError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut tokens = line.split_whitespace();
    let (Some(from), Some(to)) = (tokens.next(), tokens.next()) else {
        return Err(LineError::Tokens);
    };
    let status = tokens.next().filter(|t| !t.starts_with('#'));
    if status.is_some() && tokens.next().is_some_and(|t| !t.starts_with('#')) {
        return Err(LineError::Tokens);
    }
    let from = Pattern::parse(from).map_err(LineError::From)?;
    let relative = to.starts_with('/');
    if !relative && !to.starts_with("https://") && !to.starts_with("http://") {
        return Err(LineError::To);
    }
    let (code, forced) = match status {
        None => ("302", false),
        Some(status) => match status.strip_suffix('!') {
            Some(code) => (code, true),
            None => (status, false),
        },
    };
    let kind = match code {
        "301" | "302" | "303" | "307" | "308" => {
            RuleKind::Redirect(code.parse().map_err(|_| LineError::Status)?)
        }
        "200" => RuleKind::Rewrite,
        "404" | "410" => RuleKind::Page(code.parse().map_err(|_| LineError::Status)?),
        _ => return Err(LineError::Status),
    };
    if !matches!(kind, RuleKind::Redirect(_)) && !relative {
        return Err(LineError::RewriteElsewhere);
    }
    Ok(Some(RedirectRule {
        from,
        to,
        kind,
        forced,
    }))
}

/// `to` with `:splat` and `:name` replaced by what the match captured
/// (percent-encoded again where a URL needs it), and, for a redirect, the
/// request's query when `to` has none.
pub fn target(to: &str, captures: &Captures, query: Option<&str>) -> String {
    let mut out = String::with_capacity(to.len());
    let mut rest = to;
    while let Some(at) = rest.find(':') {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let after_colon = after.get(1..).unwrap_or("");
        let name_len = after_colon
            .char_indices()
            .take_while(|(i, c)| {
                if *i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric() || *c == '_'
                }
            })
            .map(|(i, c)| i.saturating_add(c.len_utf8()))
            .last()
            .unwrap_or(0);
        let (name, tail) = after_colon.split_at(name_len);
        match captures.get(name).filter(|_| !name.is_empty()) {
            Some(value) => out.extend(percent_encoding::utf8_percent_encode(value, CAPTURED)),
            None => {
                out.push(':');
                out.push_str(name);
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    // A relative target that now starts with `//` or `/\` would leave the
    // site (a splat can carry `/evil.example`): one slash.
    if out.starts_with("//") || out.starts_with("/\\") {
        let trimmed = out.trim_start_matches(['/', '\\']).to_string();
        out = format!("/{trimmed}");
    }
    if let Some(query) = query.filter(|q| !q.is_empty() && !to.contains('?')) {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// What a captured path piece keeps raw in a URL: `/` (a splat spans
/// segments) and the characters a path segment may hold; so what no URI
/// holds raw, and the delimiters that would end or escape a segment.
const CAPTURED: &percent_encoding::AsciiSet = &crate::decide::uri_encoding::NOT_URI
    .add(b'#')
    .add(b'%')
    .add(b'?');

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(line: &str) -> RedirectRule<'_> {
        parse_line(line).unwrap().unwrap()
    }

    #[test]
    fn lines() {
        assert_eq!(parse_line("  # a comment"), Ok(None));
        assert_eq!(parse_line(""), Ok(None));
        let r = rule("/old /new");
        assert_eq!(
            (r.to, r.kind, r.forced),
            ("/new", RuleKind::Redirect(302), false)
        );
        let r = rule("/old  https://example.com/x   301!  # moved");
        assert_eq!(
            (r.to, r.kind, r.forced),
            ("https://example.com/x", RuleKind::Redirect(301), true)
        );
        assert_eq!(rule("/* /index.html 200").kind, RuleKind::Rewrite);
        assert_eq!(rule("/gone /410.html 410").kind, RuleKind::Page(410));
        assert_eq!(rule("/a /b 308").kind, RuleKind::Redirect(308));
        for (line, error) in [
            ("/only", LineError::Tokens),
            ("/a /b 301 extra", LineError::Tokens),
            ("/store id=:id /blog/:id 301", LineError::Tokens),
            ("a /b", LineError::From(PatternError::NotAbsolute)),
            (
                "/a?x=1 /b",
                LineError::From(PatternError::HasQueryOrFragment),
            ),
            ("/a ftp://x", LineError::To),
            ("/a /b 418", LineError::Status),
            ("/a /b 301!!", LineError::Status),
            (
                "/api/* https://api.example.com/:splat 200",
                LineError::RewriteElsewhere,
            ),
        ] {
            assert_eq!(parse_line(line), Err(error), "{line}");
        }
    }

    #[test]
    fn targets() {
        let captures = Captures {
            values: vec![
                ("year".into(), "2024".into()),
                ("splat".into(), "a b/c".into()),
            ],
        };
        assert_eq!(
            target("/blog/:year/:splat", &captures, None),
            "/blog/2024/a%20b/c"
        );
        assert_eq!(
            target("/x", &captures, Some("q=1")),
            "/x?q=1",
            "the query comes along"
        );
        assert_eq!(
            target("/x?y=2", &captures, Some("q=1")),
            "/x?y=2",
            "unless to has one"
        );
        assert_eq!(target("/:missing", &captures, None), "/:missing");
        assert_eq!(target("https://h/:year", &captures, None), "https://h/2024");
        let evil = Captures {
            values: vec![("splat".into(), "/evil.example/x".into())],
        };
        assert_eq!(
            target("/:splat", &evil, None),
            "/evil.example/x",
            "never //host"
        );
    }
}
