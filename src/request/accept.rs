//! `Accept` (RFC 9110 section 12.5.1), for the one thing it chooses here: a
//! directory listing's format.

use super::accept_encoding::weighted_members;

/// A listing's body format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListingFormat {
    Html,
    /// nginx's `autoindex_format json`: an array of objects with `name`,
    /// `type`, `mtime` and, for files, `size`.
    Json,
}

/// JSON when the client weighs `application/json` above HTML, else HTML;
/// at equal weight the type its header names more specifically wins: a
/// browser's `text/html,...,*/*;q=0.8` gets HTML, `application/json` and
/// axios's `application/json, text/plain, */*` JSON.
pub(crate) fn listing_format(accept: Option<&str>) -> ListingFormat {
    let Some(accept) = accept else {
        return ListingFormat::Html;
    };
    let (json, json_match) = quality(accept, "application", "json");
    if json > 0 && (json, json_match) > quality(accept, "text", "html") {
        ListingFormat::Json
    } else {
        ListingFormat::Html
    }
}

/// The q-value (in thousandths) of the most specific media range that
/// matches `kind/subtype`, and how specific it is (2: the type itself, 1:
/// `kind/*`, 0: `*/*`); (0, 0) when none does.
fn quality(accept: &str, kind: &str, subtype: &str) -> (u16, u8) {
    let mut best: Option<(u8, u16)> = None;
    for (range, q) in weighted_members(accept) {
        let Some((range_kind, range_subtype)) = range.split_once('/') else {
            continue;
        };
        let specificity = match (range_kind.trim(), range_subtype.trim()) {
            ("*", "*") => 0,
            (k, "*") if k.eq_ignore_ascii_case(kind) => 1,
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(subtype) => 2,
            _ => continue,
        };
        if best.is_none_or(|(known, _)| specificity > known) {
            best = Some((specificity, q));
        }
    }
    best.map_or((0, 0), |(specificity, q)| (q, specificity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingFormat::*;

    #[test]
    fn json_only_when_weighed_above_html() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(listing_format(Some(browser)), Html);
        assert_eq!(listing_format(None), Html);
        assert_eq!(listing_format(Some("*/*")), Html);
        assert_eq!(listing_format(Some("application/json")), Json);
        assert_eq!(
            listing_format(Some("Application/JSON; charset=utf-8")),
            Json
        );
        assert_eq!(listing_format(Some("application/*")), Json);
        assert_eq!(listing_format(Some("application/json, text/html")), Html);
        assert_eq!(
            listing_format(Some("application/json, text/html;q=0.5")),
            Json
        );
        assert_eq!(listing_format(Some("application/json;q=0, */*")), Html);
        assert_eq!(
            listing_format(Some("text/*;q=0.1, application/json;q=0.2")),
            Json
        );
        assert_eq!(listing_format(Some("application/json;q=x")), Html);
        let axios = "application/json, text/plain, */*";
        assert_eq!(listing_format(Some(axios)), Json);
        assert_eq!(listing_format(Some("application/*, text/*")), Html);
    }
}
