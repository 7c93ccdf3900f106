//! Render: a Plan becomes status, headers and a body description. Pure; no WASI.

use crate::file_meta::FileMeta;
use crate::plan::{Failure, Plan, Selection};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyBody {
    /// No body resource at all (HEAD, redirects): the host must not see a
    /// body whose length differs from Content-Length.
    None,
    /// A short literal, e.g. an error message.
    Text(&'static str),
    /// `len` bytes of the file at `path`, from `start`.
    File { path: String, start: u64, len: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: ReplyBody,
}

/// `head` drops the body but keeps every header a GET would get.
pub fn render(plan: Plan, head: bool) -> Reply {
    let reply = match plan {
        Plan::File { path, meta, content_type, selection } => {
            let (status, start, len) = match selection {
                Selection::Whole => (200, 0, meta.size),
                Selection::Range(range) => (206, range.start, range.len),
            };
            let mut headers = vec![
                ("content-type", content_type.to_string()),
                ("content-length", len.to_string()),
                ("accept-ranges", "bytes".to_string()),
            ];
            if let Selection::Range(range) = selection {
                headers.push(("content-range", range.content_range(meta.size)));
            }
            headers.extend(validator_headers(&meta));
            Reply { status, headers, body: ReplyBody::File { path, start, len } }
        }
        // No body resource at all: the host compares body bytes with Content-Length.
        Plan::NotModified { meta } => Reply { status: 304, headers: validator_headers(&meta), body: ReplyBody::None },
        Plan::RangeNotSatisfiable { size } => {
            let mut reply = failure_reply(Failure::RangeNotSatisfiable);
            reply.headers.push(("content-range", format!("bytes */{size}")));
            reply
        }
        Plan::Redirect { location } => Reply {
            status: 301,
            headers: vec![("location", location), ("content-length", "0".to_string())],
            body: ReplyBody::None,
        },
        Plan::Fail(failure) => failure_reply(failure),
    };
    if head {
        Reply { body: ReplyBody::None, ..reply }
    } else {
        reply
    }
}

fn validator_headers(meta: &FileMeta) -> Vec<(&'static str, String)> {
    let mut headers = vec![("etag", meta.etag())];
    if let Some(date) = meta.last_modified() {
        headers.push(("last-modified", date));
    }
    headers
}

pub fn failure_reply(failure: Failure) -> Reply {
    let (status, text) = match failure {
        Failure::BadRequest => (400, "400 Bad Request\n"),
        Failure::Forbidden => (403, "403 Forbidden\n"),
        Failure::NotFound => (404, "404 Not Found\n"),
        Failure::MethodNotAllowed => (405, "405 Method Not Allowed\n"),
        Failure::PreconditionFailed => (412, "412 Precondition Failed\n"),
        Failure::RangeNotSatisfiable => (416, "416 Range Not Satisfiable\n"),
        Failure::Internal => (500, "500 Internal Server Error\n"),
    };
    let mut headers = vec![
        ("content-type", "text/plain; charset=utf-8".to_string()),
        ("content-length", text.len().to_string()),
    ];
    if failure == Failure::MethodNotAllowed {
        headers.push(("allow", "GET, HEAD".to_string()));
    }
    Reply { status, headers, body: ReplyBody::Text(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_meta::{FileMeta, Timestamp};

    fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
        r.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    fn file_plan() -> Plan {
        let meta = FileMeta { size: 5 << 30, modified: Some(Timestamp { seconds: 784_111_777, nanoseconds: 0 }) };
        Plan::File { path: "big.iso".into(), meta, content_type: "application/x-iso9660-image", selection: Selection::Whole }
    }

    #[test]
    fn file_reply_has_validators_and_length() {
        let r = render(file_plan(), false);
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "content-length"), Some("5368709120"));
        assert_eq!(header(&r, "accept-ranges"), Some("bytes"));
        assert_eq!(header(&r, "last-modified"), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(header(&r, "etag"), Some("\"140000000-2ebc98a1.0\""));
        assert_eq!(r.body, ReplyBody::File { path: "big.iso".into(), start: 0, len: 5 << 30 });
    }

    #[test]
    fn head_keeps_headers_and_drops_body() {
        let get = render(file_plan(), false);
        let head = render(file_plan(), true);
        assert_eq!(get.headers, head.headers);
        assert_eq!(head.body, ReplyBody::None);
        let head_404 = render(Plan::Fail(Failure::NotFound), true);
        assert_eq!(head_404.status, 404);
        assert_eq!(head_404.body, ReplyBody::None);
    }

    #[test]
    fn failures_are_short_text() {
        let r = render(Plan::Fail(Failure::MethodNotAllowed), false);
        assert_eq!(r.status, 405);
        assert_eq!(header(&r, "allow"), Some("GET, HEAD"));
        assert_eq!(header(&r, "content-type"), Some("text/plain; charset=utf-8"));
        let ReplyBody::Text(text) = r.body else { panic!("text body expected") };
        assert_eq!(header(&r, "content-length"), Some(text.len().to_string().as_str()));
    }

    #[test]
    fn redirect_has_no_body() {
        let r = render(Plan::Redirect { location: "docs/".into() }, false);
        assert_eq!((r.status, header(&r, "location")), (301, Some("docs/")));
        assert_eq!(r.body, ReplyBody::None);
    }

    #[test]
    fn partial_and_not_modified() {
        let Plan::File { path, meta, content_type, .. } = file_plan() else { unreachable!() };
        let range = crate::request::range::ByteRange { start: (5 << 30) - 10, len: 10 };
        let r = render(Plan::File { path, meta, content_type, selection: Selection::Range(range) }, false);
        assert_eq!(r.status, 206);
        assert_eq!(header(&r, "content-length"), Some("10"));
        assert_eq!(header(&r, "content-range"), Some("bytes 5368709110-5368709119/5368709120"));
        assert_eq!(r.body, ReplyBody::File { path: "big.iso".into(), start: (5 << 30) - 10, len: 10 });
        let r = render(Plan::NotModified { meta }, false);
        assert_eq!((r.status, &r.body), (304, &ReplyBody::None));
        assert!(header(&r, "etag").is_some() && header(&r, "content-length").is_none());
        let r = render(Plan::RangeNotSatisfiable { size: 7 }, false);
        assert_eq!((r.status, header(&r, "content-range")), (416, Some("bytes */7")));
    }
}
