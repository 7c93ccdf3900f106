//! Render: a Plan becomes status, headers and a body description. Pure; no WASI.

use crate::config::Settings;
use crate::listing::listing_head;
use crate::multipart::{multipart_content_type, multipart_segments, total_len};
use crate::plan::{Failure, Plan, Representation, Selection};
use crate::segment::Segment;

pub const ALLOW: &str = "GET, HEAD, OPTIONS";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyBody {
    /// No body resource at all (HEAD, 304, redirects): the host must not see
    /// a body whose length differs from Content-Length.
    None,
    /// A short literal, e.g. an error message.
    Text(&'static str),
    /// Segments of the file at `path` (and literals between them).
    File {
        path: String,
        segments: Vec<Segment>,
    },
    /// `head`, then one row per entry of the directory at `path`, then the tail.
    Listing { path: String, head: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: ReplyBody,
}

/// `head` drops the body but keeps every header a GET would get;
/// `boundary` is called only for a multipart body.
pub fn render(
    plan: Plan,
    head: bool,
    settings: &Settings,
    boundary: impl FnOnce() -> String,
) -> Reply {
    let reply = match plan {
        Plan::File {
            status,
            file,
            selection,
        } => file_reply(status, file, selection, settings, boundary),
        Plan::NotModified(file) => Reply {
            status: 304,
            headers: validator_headers(&file, settings),
            body: ReplyBody::None,
        },
        Plan::RangeNotSatisfiable { size } => {
            let mut reply = failure_reply(Failure::RangeNotSatisfiable);
            reply
                .headers
                .push(("content-range", format!("bytes */{size}")));
            reply
        }
        Plan::Listing { path, title } => Reply {
            status: 200,
            headers: vec![
                ("content-type", "text/html; charset=utf-8".to_string()),
                ("x-content-type-options", "nosniff".to_string()),
            ],
            body: ReplyBody::Listing {
                path,
                head: listing_head(&title),
            },
        },
        Plan::Redirect { location } => Reply {
            status: 301,
            headers: vec![("location", location), ("content-length", "0".to_string())],
            body: ReplyBody::None,
        },
        Plan::Options => Reply {
            status: 204,
            headers: vec![("allow", ALLOW.to_string())],
            body: ReplyBody::None,
        },
        Plan::Fail(failure) => failure_reply(failure),
    };
    if head {
        Reply {
            body: ReplyBody::None,
            ..reply
        }
    } else {
        reply
    }
}

fn file_reply(
    status: u16,
    file: Representation,
    selection: Selection,
    settings: &Settings,
    boundary: impl FnOnce() -> String,
) -> Reply {
    let size = file.meta.size;
    let status = if matches!(selection, Selection::Ranges(_)) {
        206
    } else {
        status
    };
    let mut headers = Vec::with_capacity(10);
    let segments = match selection {
        Selection::Ranges(ranges) if ranges.len() > 1 => {
            let boundary = boundary();
            let segments = multipart_segments(&ranges, file.content_type, size, &boundary);
            headers.push(("content-type", multipart_content_type(&boundary)));
            headers.push(("content-length", total_len(&segments).to_string()));
            segments
        }
        Selection::Ranges(ranges) => {
            let range = ranges[0];
            headers.push(("content-type", file.content_type.to_string()));
            headers.push(("content-length", range.len.to_string()));
            headers.push(("content-range", range.content_range(size)));
            vec![Segment::FileRange {
                start: range.start,
                len: range.len,
            }]
        }
        Selection::Whole => {
            headers.push(("content-type", file.content_type.to_string()));
            headers.push(("content-length", size.to_string()));
            vec![Segment::FileRange {
                start: 0,
                len: size,
            }]
        }
    };
    headers.push(("accept-ranges", "bytes".to_string()));
    if let Some(encoding) = file.encoding {
        headers.push(("content-encoding", encoding.token().to_string()));
    }
    headers.push(("x-content-type-options", "nosniff".to_string()));
    headers.extend(validator_headers(&file, settings));
    Reply {
        status,
        headers,
        body: ReplyBody::File {
            path: file.path,
            segments,
        },
    }
}

/// What a 304 repeats of the 200 (RFC 9110 section 15.4.5).
fn validator_headers(file: &Representation, settings: &Settings) -> Vec<(&'static str, String)> {
    let mut headers = vec![("etag", file.etag())];
    if let Some(date) = file.meta.last_modified() {
        headers.push(("last-modified", date));
    }
    if let Some(cache_control) = &settings.cache_control {
        headers.push(("cache-control", cache_control.clone()));
    }
    if file.negotiable {
        headers.push(("vary", "accept-encoding".to_string()));
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
        Failure::Unavailable => (503, "503 Service Unavailable\n"),
    };
    let mut headers = vec![
        ("content-type", "text/plain; charset=utf-8".to_string()),
        ("content-length", text.len().to_string()),
        ("x-content-type-options", "nosniff".to_string()),
    ];
    match failure {
        Failure::MethodNotAllowed => headers.push(("allow", ALLOW.to_string())),
        // Memory frees as soon as requests in flight end.
        Failure::Unavailable => headers.push(("retry-after", "1".to_string())),
        _ => {}
    }
    Reply {
        status,
        headers,
        body: ReplyBody::Text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_meta::{FileMeta, Timestamp};
    use crate::request::accept_encoding::Encoding;
    use crate::request::range::ByteRange;

    fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn iso() -> Representation {
        let meta = FileMeta {
            size: 5 << 30,
            modified: Some(Timestamp {
                seconds: 784_111_777,
                nanoseconds: 0,
            }),
        };
        Representation {
            path: "big.iso".into(),
            meta,
            content_type: "application/x-iso9660-image",
            encoding: None,
            negotiable: false,
        }
    }

    fn render_plain(plan: Plan, head: bool) -> Reply {
        render(plan, head, &Settings::default(), || "BOUNDARY".into())
    }

    #[test]
    fn file_reply_has_validators_and_length() {
        let r = render_plain(
            Plan::File {
                status: 200,
                file: iso(),
                selection: Selection::Whole,
            },
            false,
        );
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "content-length"), Some("5368709120"));
        assert_eq!(header(&r, "accept-ranges"), Some("bytes"));
        assert_eq!(
            header(&r, "last-modified"),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(header(&r, "etag"), Some("\"140000000-2ebc98a1.0\""));
        assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
        assert_eq!(
            header(&r, "cache-control"),
            None,
            "no Cache-Control unless configured"
        );
        assert_eq!(header(&r, "vary"), None);
        assert_eq!(
            r.body,
            ReplyBody::File {
                path: "big.iso".into(),
                segments: vec![Segment::FileRange {
                    start: 0,
                    len: 5 << 30
                }]
            }
        );
    }

    #[test]
    fn head_keeps_headers_and_drops_body() {
        let plan = || Plan::File {
            status: 200,
            file: iso(),
            selection: Selection::Whole,
        };
        let (get, head) = (render_plain(plan(), false), render_plain(plan(), true));
        assert_eq!(get.headers, head.headers);
        assert_eq!(head.body, ReplyBody::None);
        let head_404 = render_plain(Plan::Fail(Failure::NotFound), true);
        assert_eq!((head_404.status, head_404.body), (404, ReplyBody::None));
    }

    #[test]
    fn failures_are_short_text() {
        let r = render_plain(Plan::Fail(Failure::MethodNotAllowed), false);
        assert_eq!(r.status, 405);
        assert_eq!(header(&r, "allow"), Some("GET, HEAD, OPTIONS"));
        assert_eq!(
            header(&r, "content-type"),
            Some("text/plain; charset=utf-8")
        );
        let ReplyBody::Text(text) = r.body else {
            panic!("text body expected")
        };
        assert_eq!(
            header(&r, "content-length"),
            Some(text.len().to_string().as_str())
        );
    }

    #[test]
    fn unavailable_asks_to_retry() {
        let r = failure_reply(Failure::Unavailable);
        assert_eq!(r.status, 503);
        assert_eq!(header(&r, "retry-after"), Some("1"));
        assert_eq!(header(&r, "allow"), None);
    }

    #[test]
    fn redirect_and_options_have_no_body() {
        let r = render_plain(
            Plan::Redirect {
                location: "docs/".into(),
            },
            false,
        );
        assert_eq!(
            (r.status, header(&r, "location"), &r.body),
            (301, Some("docs/"), &ReplyBody::None)
        );
        let r = render_plain(Plan::Options, false);
        assert_eq!(
            (r.status, header(&r, "allow"), &r.body),
            (204, Some("GET, HEAD, OPTIONS"), &ReplyBody::None)
        );
    }

    #[test]
    fn single_range_and_not_modified() {
        let range = ByteRange {
            start: (5 << 30) - 10,
            len: 10,
        };
        let r = render_plain(
            Plan::File {
                status: 200,
                file: iso(),
                selection: Selection::Ranges(vec![range]),
            },
            false,
        );
        assert_eq!(r.status, 206);
        assert_eq!(header(&r, "content-length"), Some("10"));
        assert_eq!(
            header(&r, "content-range"),
            Some("bytes 5368709110-5368709119/5368709120")
        );
        assert_eq!(
            r.body,
            ReplyBody::File {
                path: "big.iso".into(),
                segments: vec![Segment::FileRange {
                    start: range.start,
                    len: 10
                }]
            }
        );
        let r = render_plain(Plan::NotModified(iso()), false);
        assert_eq!((r.status, &r.body), (304, &ReplyBody::None));
        assert!(header(&r, "etag").is_some() && header(&r, "content-length").is_none());
        let r = render_plain(Plan::RangeNotSatisfiable { size: 7 }, false);
        assert_eq!(
            (r.status, header(&r, "content-range")),
            (416, Some("bytes */7"))
        );
    }

    #[test]
    fn multipart_has_exact_length() {
        let ranges = vec![
            ByteRange { start: 0, len: 100 },
            ByteRange {
                start: 1000,
                len: 5,
            },
        ];
        let r = render_plain(
            Plan::File {
                status: 200,
                file: iso(),
                selection: Selection::Ranges(ranges),
            },
            false,
        );
        assert_eq!(r.status, 206);
        assert_eq!(
            header(&r, "content-type"),
            Some("multipart/byteranges; boundary=BOUNDARY")
        );
        assert_eq!(header(&r, "content-range"), None);
        let ReplyBody::File { segments, .. } = &r.body else {
            panic!()
        };
        assert_eq!(segments.len(), 5);
        assert_eq!(
            header(&r, "content-length"),
            Some(total_len(segments).to_string().as_str())
        );
    }

    #[test]
    fn caching_and_encoding_headers() {
        let settings = Settings {
            cache_control: Some("max-age=60".into()),
            ..Settings::default()
        };
        let file = Representation {
            encoding: Some(Encoding::Gzip),
            negotiable: true,
            ..iso()
        };
        for plan in [
            Plan::File {
                status: 200,
                file: file.clone(),
                selection: Selection::Whole,
            },
            Plan::NotModified(file),
        ] {
            let r = render(plan, false, &settings, || unreachable!("no multipart"));
            assert_eq!(
                header(&r, "cache-control"),
                Some("max-age=60"),
                "{}",
                r.status
            );
            assert_eq!(header(&r, "vary"), Some("accept-encoding"), "{}", r.status);
        }
        let r = render(
            Plan::File {
                status: 404,
                file: Representation {
                    encoding: Some(Encoding::Brotli),
                    ..iso()
                },
                selection: Selection::Whole,
            },
            false,
            &settings,
            String::new,
        );
        assert_eq!(
            (r.status, header(&r, "content-encoding")),
            (404, Some("br"))
        );
    }

    #[test]
    fn listing_streams_without_length() {
        let r = render_plain(
            Plan::Listing {
                path: "d".into(),
                title: "/d/".into(),
            },
            false,
        );
        assert_eq!((r.status, header(&r, "content-length")), (200, None));
        assert!(matches!(r.body, ReplyBody::Listing { ref path, .. } if path == "d"));
    }
}
