//! The request headers the decision reads, and how repeated field lines
//! combine. Every header read is copied into linear memory, so each one the
//! decision needs is read once, kept as that one copy, and only while the
//! headers read so far stay within `MAX_HEADER_BYTES`.

use std::sync::atomic::{AtomicBool, Ordering};

use super::conditional::Preconditions;
use super::path::{PathSource, SPIN_PATH_INFO};
use super::want_digest::{DigestOffer, DigestPreference};
use crate::settings::Settings;

/// The most bytes of header values the decision keeps per request. A host
/// may accept far larger heads (`wasmtime serve`: ~400 KiB); beyond this the
/// request gets 431, before anything is kept across a wait, so that an
/// instance running many requests at once holds at most this much per
/// request. 16 KiB holds ~1,000 entity tags.
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestHeaders {
    pub preconditions: Preconditions,
    pub range: Option<String>,
    pub accept_encoding: Option<String>,
    /// The path below the route, from the header `PathSource` names; only
    /// read where the deployment trusts it (untrusted, like the path itself).
    pub path_info: Option<String>,
    pub want_repr_digest: DigestPreference,
    /// `Origin` and `Access-Control-Request-Method`: read only where the
    /// settings turn CORS on.
    pub origin: Option<String>,
    pub cors_request_method: Option<String>,
    /// `Accept`: read only where directory listings are on (it picks their
    /// format).
    pub accept: Option<String>,
}

/// The header values the decision needs add up to more than `MAX_HEADER_BYTES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadersTooLarge;

impl RequestHeaders {
    /// `has(name)` says whether a field line named `name` exists (no copy);
    /// `get(name)` returns the value of every field line named `name`.
    /// `Want-Repr-Digest` is read only where the settings offer a digest, and
    /// a path header only where they trust one.
    pub fn read(
        has: impl Fn(&str) -> bool,
        get: impl Fn(&str) -> Vec<Vec<u8>>,
        settings: &Settings,
    ) -> Result<RequestHeaders, HeadersTooLarge> {
        let mut budget = MAX_HEADER_BYTES;
        // `has` first: most are absent, and an empty `get` costs more.
        let mut read = |name: &str| -> Result<Vec<Vec<u8>>, HeadersTooLarge> {
            if !has(name) {
                return Ok(Vec::new());
            }
            let values = get(name);
            let size = values
                .iter()
                .map(Vec::len)
                .fold(0usize, usize::saturating_add);
            budget = budget.checked_sub(size).ok_or(HeadersTooLarge)?;
            Ok(values)
        };
        let cors = settings.cors.is_some();
        Ok(RequestHeaders {
            preconditions: Preconditions {
                if_match: list(read("if-match")?),
                if_unmodified_since: single(read("if-unmodified-since")?),
                if_none_match: list(read("if-none-match")?),
                if_modified_since: single(read("if-modified-since")?),
                if_range: single(read("if-range")?),
            },
            range: single(read("range")?),
            accept_encoding: list(read("accept-encoding")?),
            path_info: match settings.path_source {
                PathSource::SpinPathInfo => last(read(SPIN_PATH_INFO)?),
                PathSource::RequestTarget => {
                    advise_untrusted_path_info(&has);
                    None
                }
            },
            want_repr_digest: match settings.digest_offer() {
                DigestOffer::Sha256 => {
                    DigestPreference::parse(list(read("want-repr-digest")?).as_deref())
                }
                DigestOffer::None => DigestPreference::Unstated,
            },
            origin: if cors { single(read("origin")?) } else { None },
            cors_request_method: if cors {
                single(read("access-control-request-method")?)
            } else {
                None
            },
            accept: if settings.directory_listing {
                list(read("accept")?)
            } else {
                None
            },
        })
    }
}

/// Says once per instance on stderr that a request carried `spin-path-info`
/// but the settings do not trust it: a Spin manifest from before
/// `PATH_SOURCE` serves by the request target, which under a route prefix
/// (`/static/...`) is not the file meant. After that, no further lookup.
fn advise_untrusted_path_info(has: impl Fn(&str) -> bool) {
    static ADVISED: AtomicBool = AtomicBool::new(false);
    if !ADVISED.load(Ordering::Relaxed) && has(SPIN_PATH_INFO) {
        ADVISED.store(true, Ordering::Relaxed);
        eprintln!(
            "wasi-fileserver: ignoring the {SPIN_PATH_INFO} header: the path comes from the \
             request target. Under Spin, set PATH_SOURCE=spin-path-info in the component's \
             environment (docs/security.md)"
        );
    }
}

/// A header whose last field line counts: one a trusted host appends after
/// whatever the client sent. Non-UTF-8 is ignored.
fn last(mut values: Vec<Vec<u8>>) -> Option<String> {
    String::from_utf8(values.pop()?).ok()
}

/// A header that must occur once; repeated or non-UTF-8 values are ignored.
/// The value is the copy `get` made, not another.
fn single(mut values: Vec<Vec<u8>>) -> Option<String> {
    if values.len() != 1 {
        return None;
    }
    String::from_utf8(values.pop()?).ok()
}

/// A list header: several field lines are one comma-separated list. One line
/// (the usual case) is kept as it came; several are joined, within the budget.
fn list(mut values: Vec<Vec<u8>>) -> Option<String> {
    let joined = match values.len() {
        0 => return None,
        1 => values.pop()?,
        _ => values.join(&b", "[..]),
    };
    String::from_utf8(joined).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_with(
        settings: &Settings,
        fields: &[(&str, &[u8])],
    ) -> Result<RequestHeaders, HeadersTooLarge> {
        let get = |name: &str| {
            fields
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.to_vec())
                .collect::<Vec<_>>()
        };
        RequestHeaders::read(|name| !get(name).is_empty(), get, settings)
    }

    fn read(fields: &[(&str, &[u8])]) -> Result<RequestHeaders, HeadersTooLarge> {
        let with_manifest = Settings {
            manifest: Some("SHA256SUMS".into()),
            ..Settings::default()
        };
        read_with(&with_manifest, fields)
    }

    #[test]
    fn a_path_header_counts_only_where_the_settings_trust_it() {
        let fields: &[(&str, &[u8])] = &[("spin-path-info", b"/x")];
        assert_eq!(
            read(fields).unwrap().path_info,
            None,
            "untrusted by default"
        );
        let spin = Settings {
            path_source: PathSource::SpinPathInfo,
            ..Settings::default()
        };
        assert_eq!(
            read_with(&spin, fields).unwrap().path_info.as_deref(),
            Some("/x")
        );
        // Spin appends its own line after the client's: the last one counts.
        let sent_too: &[(&str, &[u8])] = &[
            ("spin-path-info", b"/private/b.txt"),
            ("spin-path-info", b"/public/a.txt"),
        ];
        assert_eq!(
            read_with(&spin, sent_too).unwrap().path_info.as_deref(),
            Some("/public/a.txt")
        );
        assert_eq!(read_with(&spin, &[]).unwrap().path_info, None);
    }

    #[test]
    fn singles_lists_and_absences() {
        let headers = read(&[
            ("if-none-match", b"\"a\""),
            ("if-none-match", b"\"b\""),
            ("range", b"bytes=0-1"),
            ("range", b"bytes=2-3"),
            ("if-range", &[0xff]),
            ("accept-encoding", b"gzip"),
        ])
        .unwrap();
        assert_eq!(
            headers.preconditions.if_none_match.as_deref(),
            Some("\"a\", \"b\"")
        );
        assert_eq!(headers.range, None, "two Range lines are ignored");
        assert_eq!(headers.preconditions.if_range, None, "not UTF-8");
        assert_eq!(headers.preconditions.if_match, None);
        assert_eq!(headers.accept_encoding.as_deref(), Some("gzip"));
    }

    #[test]
    fn the_headers_read_stay_within_the_budget() {
        let at_limit = vec![b'a'; MAX_HEADER_BYTES];
        assert!(read(&[("if-none-match", &at_limit)]).is_ok());
        let over = vec![b'a'; MAX_HEADER_BYTES + 1];
        assert_eq!(read(&[("accept-encoding", &over)]), Err(HeadersTooLarge));
        // The budget is for all of them together, lines and headers alike.
        let half = vec![b'a'; MAX_HEADER_BYTES / 2 + 1];
        assert_eq!(
            read(&[("if-match", &half), ("if-match", &half)]),
            Err(HeadersTooLarge)
        );
        assert_eq!(
            read(&[("if-match", &half), ("range", &half)]),
            Err(HeadersTooLarge)
        );
        // Headers the decision does not read cost nothing.
        assert!(read(&[("cookie", &over)]).is_ok());
    }
}
