//! The request headers the decision reads, and how repeated field lines
//! combine. Both WASI glues pass their `fields.get`; nothing else is read,
//! because every header read is copied into linear memory.

use super::conditional::Preconditions;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestHeaders {
    pub preconditions: Preconditions,
    pub range: Option<String>,
    pub accept_encoding: Option<String>,
    /// Spin's path below the route (untrusted, like the path itself).
    pub spin_path_info: Option<String>,
}

impl RequestHeaders {
    /// `get(name)` returns the value of every field line named `name`.
    pub fn read(get: impl Fn(&str) -> Vec<Vec<u8>>) -> RequestHeaders {
        RequestHeaders {
            preconditions: Preconditions {
                if_match: list(get("if-match")),
                if_unmodified_since: single(get("if-unmodified-since")),
                if_none_match: list(get("if-none-match")),
                if_modified_since: single(get("if-modified-since")),
                if_range: single(get("if-range")),
            },
            range: single(get("range")),
            accept_encoding: list(get("accept-encoding")),
            spin_path_info: single(get("spin-path-info")),
        }
    }
}

/// A header that must occur once; repeated or non-UTF-8 values are ignored.
fn single(mut values: Vec<Vec<u8>>) -> Option<String> {
    if values.len() != 1 {
        return None;
    }
    String::from_utf8(values.pop()?).ok()
}

/// A list header: several field lines are one comma-separated list.
fn list(values: Vec<Vec<u8>>) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    String::from_utf8(values.join(&b", "[..])).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singles_lists_and_absences() {
        let headers = RequestHeaders::read(|name| match name {
            "if-none-match" => vec![b"\"a\"".to_vec(), b"\"b\"".to_vec()],
            "range" => vec![b"bytes=0-1".to_vec(), b"bytes=2-3".to_vec()],
            "if-range" => vec![vec![0xff]],
            "accept-encoding" => vec![b"gzip".to_vec()],
            "spin-path-info" => vec![b"/x".to_vec()],
            _ => Vec::new(),
        });
        assert_eq!(
            headers.preconditions.if_none_match.as_deref(),
            Some("\"a\", \"b\"")
        );
        assert_eq!(headers.range, None, "two Range lines are ignored");
        assert_eq!(headers.preconditions.if_range, None, "not UTF-8");
        assert_eq!(headers.preconditions.if_match, None);
        assert_eq!(headers.accept_encoding.as_deref(), Some("gzip"));
        assert_eq!(headers.spin_path_info.as_deref(), Some("/x"));
    }
}
