//! Conditional requests (RFC 9110 section 13.2.2), one function per rule,
//! evaluated in the RFC's order. Unparseable dates are ignored, never an
//! error; an If-Match list that cannot be parsed matches nothing (412, as Go
//! and nginx answer: the safe answer for lost-update protection).

use std::time::SystemTime;

use super::entity_tag::{list_matches, EntityTag};
use crate::render::http_date;

/// The precondition headers of a request, as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_unmodified_since: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub if_range: Option<String>,
}

/// The validators of the selected representation.
#[derive(Clone, Copy, Debug)]
pub struct Validators<'a> {
    /// A strong ETag such as `"a-1.2"`.
    pub etag: &'a str,
    /// As `Last-Modified` states it (whole seconds, never in the future).
    pub last_modified: Option<SystemTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on to Range, then serve.
    Proceed,
    /// 304 (GET/HEAD only, which is all this server answers).
    NotModified,
    /// 412.
    PreconditionFailed,
}

/// What one precondition header says (Go's `condResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Condition {
    /// Absent, empty, or a value the rule says to ignore.
    Absent,
    Holds,
    Fails,
}

impl Condition {
    fn from_bool(holds: bool) -> Condition {
        if holds {
            Condition::Holds
        } else {
            Condition::Fails
        }
    }
}

/// Steps 1 to 4 of RFC 9110 section 13.2.2.
pub fn evaluate(pre: &Preconditions, current: Validators<'_>) -> Verdict {
    let etag = EntityTag::parse(current.etag);
    // 1 and 2: If-Match, else If-Unmodified-Since.
    let unchanged = match check_if_match(pre.if_match.as_deref(), etag.as_ref()) {
        Condition::Absent => {
            check_if_unmodified_since(pre.if_unmodified_since.as_deref(), current.last_modified)
        }
        decided => decided,
    };
    if unchanged == Condition::Fails {
        return Verdict::PreconditionFailed;
    }
    // 3 and 4: If-None-Match, else If-Modified-Since.
    let modified = match check_if_none_match(pre.if_none_match.as_deref(), etag.as_ref()) {
        Condition::Absent => {
            check_if_modified_since(pre.if_modified_since.as_deref(), current.last_modified)
        }
        decided => decided,
    };
    if modified == Condition::Fails {
        Verdict::NotModified
    } else {
        Verdict::Proceed
    }
}

/// A header with no list members is treated as absent, as Go does.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Holds when a listed tag matches strongly (or `*`); a malformed list fails.
fn check_if_match(value: Option<&str>, current: Option<&EntityTag<'_>>) -> Condition {
    let Some(value) = present(value) else {
        return Condition::Absent;
    };
    let matched = current.and_then(|current| list_matches(value, current, true));
    Condition::from_bool(matched == Some(true))
}

fn check_if_unmodified_since(value: Option<&str>, last_modified: Option<SystemTime>) -> Condition {
    match (present(value).and_then(http_date::parse), last_modified) {
        (Some(since), Some(modified)) => Condition::from_bool(modified <= since),
        _ => Condition::Absent,
    }
}

/// Fails when a listed tag matches weakly (or `*`): the client's copy is
/// current. A malformed list is ignored.
fn check_if_none_match(value: Option<&str>, current: Option<&EntityTag<'_>>) -> Condition {
    let Some(value) = present(value) else {
        return Condition::Absent;
    };
    match current.and_then(|current| list_matches(value, current, false)) {
        Some(matched) => Condition::from_bool(!matched),
        None => Condition::Absent,
    }
}

/// Fails when not modified since the date.
fn check_if_modified_since(value: Option<&str>, last_modified: Option<SystemTime>) -> Condition {
    match (present(value).and_then(http_date::parse), last_modified) {
        (Some(since), Some(modified)) => Condition::from_bool(modified > since),
        _ => Condition::Absent,
    }
}

/// Step 5: whether a Range request may be answered with ranges. A strong
/// ETag that matches, or a date exactly equal to Last-Modified, keeps the
/// range; anything else (including a weak tag) means the whole file.
pub fn check_if_range(value: Option<&str>, current: Validators<'_>) -> bool {
    let Some(value) = value.map(str::trim) else {
        return true;
    };
    if value.starts_with('"') || value.starts_with("W/") {
        return match (EntityTag::parse(value), EntityTag::parse(current.etag)) {
            (Some(theirs), Some(ours)) => theirs.strong_eq(&ours),
            _ => false,
        };
    }
    match (http_date::parse(value), current.last_modified) {
        (Some(date), Some(modified)) => date == modified,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const ETAG: &str = "\"10-5.0\"";
    const DATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    const EARLIER: &str = "Sun, 06 Nov 1994 08:49:36 GMT";
    const LATER: &str = "Sun, 06 Nov 1994 08:49:38 GMT";

    fn current() -> Validators<'static> {
        Validators {
            etag: ETAG,
            last_modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)),
        }
    }

    fn with(f: impl FnOnce(&mut Preconditions)) -> Verdict {
        let mut pre = Preconditions::default();
        f(&mut pre);
        evaluate(&pre, current())
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn if_match() {
        assert_eq!(with(|p| p.if_match = s(ETAG)), Verdict::Proceed);
        assert_eq!(with(|p| p.if_match = s("*")), Verdict::Proceed);
        assert_eq!(
            with(|p| p.if_match = s("\"x\", \"10-5.0\"")),
            Verdict::Proceed
        );
        assert_eq!(
            with(|p| p.if_match = s("\"x\"")),
            Verdict::PreconditionFailed
        );
        for malformed in ["junk", "\"unterminated", "\"a\", b"] {
            assert_eq!(
                with(|p| p.if_match = s(malformed)),
                Verdict::PreconditionFailed,
                "{malformed}"
            );
        }
        assert_eq!(with(|p| p.if_match = s(" ")), Verdict::Proceed, "empty");
        assert_eq!(
            with(|p| p.if_match = s("W/\"10-5.0\"")),
            Verdict::PreconditionFailed,
            "strong comparison"
        );
        // If-Match wins over If-Unmodified-Since.
        assert_eq!(
            with(|p| {
                p.if_match = s(ETAG);
                p.if_unmodified_since = s(EARLIER)
            }),
            Verdict::Proceed
        );
    }

    #[test]
    fn if_unmodified_since() {
        assert_eq!(with(|p| p.if_unmodified_since = s(DATE)), Verdict::Proceed);
        assert_eq!(with(|p| p.if_unmodified_since = s(LATER)), Verdict::Proceed);
        assert_eq!(
            with(|p| p.if_unmodified_since = s(EARLIER)),
            Verdict::PreconditionFailed
        );
        assert_eq!(
            with(|p| p.if_unmodified_since = s("yesterday")),
            Verdict::Proceed,
            "ignored"
        );
    }

    #[test]
    fn if_none_match() {
        assert_eq!(with(|p| p.if_none_match = s(ETAG)), Verdict::NotModified);
        assert_eq!(
            with(|p| p.if_none_match = s("W/\"10-5.0\"")),
            Verdict::NotModified,
            "weak comparison"
        );
        assert_eq!(with(|p| p.if_none_match = s("*")), Verdict::NotModified);
        assert_eq!(with(|p| p.if_none_match = s("\"other\"")), Verdict::Proceed);
        // If-None-Match decides alone: If-Modified-Since is then ignored.
        assert_eq!(
            with(|p| {
                p.if_none_match = s("\"other\"");
                p.if_modified_since = s(LATER)
            }),
            Verdict::Proceed
        );
        // An empty value is no condition: If-Modified-Since decides.
        assert_eq!(
            with(|p| {
                p.if_none_match = s("");
                p.if_modified_since = s(DATE)
            }),
            Verdict::NotModified
        );
        assert_eq!(with(|p| p.if_none_match = s("junk")), Verdict::Proceed);
        // Failed If-Match comes first.
        assert_eq!(
            with(|p| {
                p.if_match = s("\"x\"");
                p.if_none_match = s(ETAG)
            }),
            Verdict::PreconditionFailed
        );
    }

    #[test]
    fn if_modified_since() {
        assert_eq!(
            with(|p| p.if_modified_since = s(DATE)),
            Verdict::NotModified
        );
        assert_eq!(
            with(|p| p.if_modified_since = s(LATER)),
            Verdict::NotModified
        );
        assert_eq!(with(|p| p.if_modified_since = s(EARLIER)), Verdict::Proceed);
        assert_eq!(
            with(|p| p.if_modified_since = s("Sunday, 06-Nov-94 08:49:37 GMT")),
            Verdict::NotModified,
            "RFC 850"
        );
        assert_eq!(
            with(|p| p.if_modified_since = s("Sun Nov  6 08:49:37 1994")),
            Verdict::NotModified,
            "asctime"
        );
        assert_eq!(
            with(|p| p.if_modified_since = s("garbage")),
            Verdict::Proceed
        );
    }

    #[test]
    fn if_range() {
        assert!(check_if_range(None, current()));
        assert!(check_if_range(Some(ETAG), current()));
        assert!(check_if_range(Some(DATE), current()));
        assert!(
            !check_if_range(Some("W/\"10-5.0\""), current()),
            "weak tags never match"
        );
        assert!(!check_if_range(Some("\"other\""), current()));
        assert!(
            !check_if_range(Some(LATER), current()),
            "only an exact date"
        );
        assert!(!check_if_range(Some("nonsense"), current()));
    }
}
