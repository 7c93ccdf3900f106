//! `_headers` (Cloudflare Pages' and Netlify's format): a path line, then
//! indented `Name: value` lines, `! Name` to remove a header (Cloudflare),
//! `#` comments. Evaluated for one request path as the file is read: every
//! block whose path matches applies, in file order (Cloudflare); within a
//! block its removals come first, then each header is set the first time
//! the rules name it (replacing what the server would send, e.g.
//! `CACHE_CONTROL`) and appended to after that (values joined with `, `;
//! `Set-Cookie` lines stay separate). `:splat` and `:name` in values become
//! what the block's path captured.
//!
//! Headers that carry the response's framing or validators cannot be set or
//! removed: see `FORBIDDEN`.

use std::borrow::Cow;

use super::pattern::{cannot_match, Captures, Pattern, PatternError};

/// How closely a scan reads a rule file (`_headers` here, `_redirects` in
/// `scan.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scrutiny {
    /// The first read of this version of the file in this instance: every
    /// line is parsed and checked, and its mistakes are reported (once).
    EveryLine,
    /// Later reads: a rule whose path cannot match the request's
    /// (`cannot_match`) is skipped unparsed, with the lines of its header
    /// block; what applies is the same, since a skipped line (malformed or
    /// not) would not have applied either.
    ApplicableOnly,
}

/// Headers a rule may not set or remove: framing, validators and
/// negotiation the server computes (a wrong one corrupts downloads or
/// caches), hop-by-hop headers, `Location` (use `_redirects`) and Netlify's
/// `Basic-Auth` pseudo-header (it would publish the passwords).
pub const FORBIDDEN: &[&str] = &[
    "accept-ranges",
    "allow",
    "basic-auth",
    "connection",
    "content-encoding",
    "content-length",
    "content-range",
    "date",
    "etag",
    "host",
    "keep-alive",
    "last-modified",
    "location",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "vary",
];

/// The most header lines the rules may add to one response, and their bytes.
pub const MAX_OPS: usize = 32;
const MAX_OP_BYTES: usize = 8 * 1024;

/// One change to a response's headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderOp {
    /// Remove every field of this name.
    Remove(String),
    /// Set (the first time the rules name it) or append.
    Add { name: String, value: String },
}

/// Why a line is skipped (reported once, with its number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineError {
    Path(PatternError),
    HostQualified,
    HeaderBeforePath,
    Name,
    Value,
    Forbidden,
    TooManyBlocks,
}

impl LineError {
    pub fn describe(self) -> &'static str {
        match self {
            LineError::Path(error) => error.describe(),
            LineError::HostQualified => "host-qualified paths (https://host/...) are not supported",
            LineError::HeaderBeforePath => "a header line must follow a path line",
            LineError::Name => "not a header name (letters, digits and !#$%&'*+-.^_`|~)",
            LineError::Value => "a header value must be non-empty, without control characters",
            LineError::Forbidden => "this header is the server's to set (see the docs)",
            LineError::TooManyBlocks => "more than 100 path blocks: the rest is ignored",
        }
    }
}

/// The most path blocks a `_headers` file may have (Cloudflare's limit).
const MAX_BLOCKS: usize = 100;

/// Evaluates `_headers` line by line for one request path.
pub(crate) struct HeaderRules<'p> {
    path: &'p str,
    scrutiny: Scrutiny,
    blocks: usize,
    /// The current block matched, with what its path captured.
    current: Option<Captures>,
    /// The current block's removals and additions, applied when it ends.
    removals: Vec<String>,
    additions: Vec<(String, String)>,
    ops: Vec<HeaderOp>,
    op_bytes: usize,
}

impl<'p> HeaderRules<'p> {
    /// `path`: the request's decoded path.
    pub fn new(path: &'p str, scrutiny: Scrutiny) -> HeaderRules<'p> {
        HeaderRules {
            path,
            scrutiny,
            blocks: 0,
            current: None,
            removals: Vec::new(),
            additions: Vec::new(),
            ops: Vec::new(),
            op_bytes: 0,
        }
    }

    /// One line of the file; `Err` says why it is skipped.
    pub fn line(&mut self, line: &str) -> Result<(), LineError> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(());
        }
        if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
            self.end_block();
            self.blocks = self.blocks.saturating_add(1);
            return Err(LineError::HostQualified);
        }
        if trimmed.starts_with('/') {
            self.end_block();
            self.blocks = self.blocks.saturating_add(1);
            if self.blocks > MAX_BLOCKS {
                return Err(LineError::TooManyBlocks);
            }
            if self.scrutiny == Scrutiny::ApplicableOnly && cannot_match(trimmed, self.path) {
                return Ok(());
            }
            let pattern = Pattern::parse(trimmed).map_err(LineError::Path)?;
            self.current = pattern.matches(self.path);
            return Ok(());
        }
        if self.blocks == 0 {
            return Err(LineError::HeaderBeforePath);
        }
        if self.blocks > MAX_BLOCKS {
            return Err(LineError::TooManyBlocks);
        }
        // The lines of a block that does not apply would change nothing.
        if self.scrutiny == Scrutiny::ApplicableOnly && self.current.is_none() {
            return Ok(());
        }
        if let Some(name) = trimmed.strip_prefix("! ") {
            let name = checked_name(name.trim())?;
            if self.current.is_some() {
                self.removals.push(name);
            }
            return Ok(());
        }
        let (name, value) = trimmed.split_once(':').ok_or(LineError::Name)?;
        let name = checked_name(name.trim())?;
        let value = value.trim();
        if value.is_empty() || value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(LineError::Value);
        }
        if let Some(captures) = &self.current {
            let value = substitute(value, captures);
            self.additions.push((name, value));
        }
        Ok(())
    }

    /// The changes for this path, in the order they apply.
    pub fn finish(mut self) -> Vec<HeaderOp> {
        self.end_block();
        self.ops
    }

    fn end_block(&mut self) {
        if self.current.take().is_none() {
            self.removals.clear();
            self.additions.clear();
            return;
        }
        let removals = std::mem::take(&mut self.removals);
        let additions = std::mem::take(&mut self.additions);
        for name in removals {
            self.push(HeaderOp::Remove(name));
        }
        for (name, value) in additions {
            self.push(HeaderOp::Add { name, value });
        }
    }

    /// Within the per-response bounds, or not at all.
    fn push(&mut self, op: HeaderOp) {
        let bytes = match &op {
            HeaderOp::Remove(name) => name.len(),
            HeaderOp::Add { name, value } => name.len().saturating_add(value.len()),
        };
        let total = self.op_bytes.saturating_add(bytes);
        if self.ops.len() < MAX_OPS && total <= MAX_OP_BYTES {
            self.op_bytes = total;
            self.ops.push(op);
        }
    }
}

/// An RFC 9110 token, lowercased; forbidden names refused.
fn checked_name(name: &str) -> Result<String, LineError> {
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(LineError::Name);
    }
    let name = name.to_ascii_lowercase();
    if FORBIDDEN.contains(&name.as_str()) {
        return Err(LineError::Forbidden);
    }
    Ok(name)
}

/// `:splat` and `:name` in a value, from the captures; control characters
/// a path may carry (`%0D`) stay percent-encoded, as a header cannot hold them.
fn substitute(value: &str, captures: &Captures) -> String {
    let mut out = value.to_string();
    for (name, captured) in &captures.values {
        let safe = percent_encoding::utf8_percent_encode(captured, percent_encoding::CONTROLS);
        out = out.replace(&format!(":{name}"), &safe.to_string());
    }
    out
}

/// Applies `ops` to `headers`: a name set by the rules replaces the
/// server's fields of that name the first time, and is appended to after.
pub fn apply(headers: &mut Vec<(Cow<'static, str>, String)>, ops: &[HeaderOp]) {
    let mut set_by_rules: Vec<&str> = Vec::new();
    for op in ops {
        match op {
            HeaderOp::Remove(name) => {
                headers.retain(|(n, _)| n != name);
                set_by_rules.retain(|n| n != name);
            }
            HeaderOp::Add { name, value } => {
                if !set_by_rules.contains(&name.as_str()) {
                    headers.retain(|(n, _)| n != name);
                    headers.push((Cow::Owned(name.clone()), value.clone()));
                    set_by_rules.push(name);
                } else if name == "set-cookie" {
                    headers.push((Cow::Owned(name.clone()), value.clone()));
                } else if let Some((_, existing)) =
                    headers.iter_mut().rev().find(|(n, _)| n == name)
                {
                    existing.push_str(", ");
                    existing.push_str(value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(file: &str, path: &str) -> (Vec<HeaderOp>, Vec<LineError>) {
        let mut rules = HeaderRules::new(path, Scrutiny::EveryLine);
        let errors = file.lines().filter_map(|l| rules.line(l).err()).collect();
        (rules.finish(), errors)
    }

    fn add(name: &str, value: &str) -> HeaderOp {
        HeaderOp::Add {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn every_matching_block_applies_in_order() {
        let file = "# site\n/*\n  X-Frame-Options: DENY\n  Cache-Control: no-cache\n\
                    /assets/*\n  ! Cache-Control\n  Cache-Control: public, max-age=31536000, immutable\n\
                    /downloads/:name\n  Content-Disposition: attachment; filename=\":name\"\n";
        let (got, errors) = ops(file, "/assets/app.3f2a.js");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            got,
            vec![
                add("x-frame-options", "DENY"),
                add("cache-control", "no-cache"),
                HeaderOp::Remove("cache-control".into()),
                add("cache-control", "public, max-age=31536000, immutable"),
            ]
        );
        let (got, _) = ops(file, "/downloads/tool.tar.gz");
        assert_eq!(
            got.last(),
            Some(&add(
                "content-disposition",
                "attachment; filename=\"tool.tar.gz\""
            ))
        );
    }

    #[test]
    fn bad_lines_are_skipped_with_a_reason() {
        let file = "X-Early: 1\n/a\n  Content-Length: 5\n  Bad Name: x\n  X-Empty:\n  ETag: \"x\"\nhttps://h/a\n  X-A: 1\n";
        let (got, errors) = ops(file, "/a");
        assert!(got.is_empty(), "{got:?}");
        assert_eq!(
            errors,
            vec![
                LineError::HeaderBeforePath,
                LineError::Forbidden,
                LineError::Name,
                LineError::Value,
                LineError::Forbidden,
                LineError::HostQualified,
            ]
        );
    }

    #[test]
    fn applying_sets_then_appends() {
        let mut headers: Vec<(Cow<'static, str>, String)> = vec![
            ("content-type".into(), "text/html".to_string()),
            ("cache-control".into(), "max-age=60".to_string()),
        ];
        apply(
            &mut headers,
            &[
                add("cache-control", "no-cache"),
                add("cache-control", "no-store"),
                add("set-cookie", "a=1"),
                add("set-cookie", "b=2"),
                HeaderOp::Remove("content-type".into()),
            ],
        );
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_ref(), v.as_str()))
            .collect();
        assert_eq!(
            headers,
            vec![
                ("cache-control", "no-cache, no-store"),
                ("set-cookie", "a=1"),
                ("set-cookie", "b=2"),
            ]
        );
    }

    #[test]
    fn bounded_per_response() {
        let mut file = String::from("/*\n");
        for i in 0..100 {
            file.push_str(&format!("  X-H{i}: {}\n", "v".repeat(100)));
        }
        let (got, _) = ops(&file, "/x");
        assert_eq!(got.len(), MAX_OPS);
    }
}
