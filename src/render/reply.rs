//! Render: a Plan becomes status, headers and a body description. Pure; no WASI.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::decide::plan::{Failure, FileRole, Plan, Representation, Selection, Variants};
use crate::render::cors::{add_cors_headers, preflight, Preflight};
use crate::render::http_date;
use crate::render::listing::{self, ListingRows};
use crate::render::multipart::{multipart_content_type, multipart_segments, total_len};
use crate::request::accept::ListingFormat;
use crate::request::headers::RequestHeaders;
use crate::request::incoming::Unreadable;
use crate::request::method::{Method, ALLOW};
use crate::rules::headers::{apply, HeaderOp};
use crate::send::segment::Segment;
use crate::settings::{Cors, Settings};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyBody {
    /// No body resource at all (HEAD, 304, redirects): the host must not see
    /// a body whose length differs from Content-Length.
    None,
    /// A short literal, e.g. an error message.
    Text(&'static str),
    /// A body read from the root as it is sent.
    Streamed(StreamedBody),
}

/// What a streamed body reads from the root (`answer::body` opens and sends it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamedBody {
    /// Segments of the file at `path` (and literals between them).
    File {
        path: String,
        segments: Vec<Segment>,
    },
    /// The directory at `path` as a tar archive whose members sit under the
    /// folder `name`.
    Archive { path: String, name: String },
    /// `head`, then a row per entry of the directory at `path` that `rows`
    /// shows, then the tail.
    Listing {
        path: String,
        head: String,
        rows: ListingRows,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(Cow<'static, str>, String)>,
    pub body: ReplyBody,
}

impl Reply {
    /// The body to stream, if it is one, leaving no body in its place: the
    /// glue keeps the status and headers to send first.
    pub(crate) fn take_streamed(&mut self) -> Option<StreamedBody> {
        match std::mem::replace(&mut self.body, ReplyBody::None) {
            ReplyBody::Streamed(body) => Some(body),
            other => {
                self.body = other;
                None
            }
        }
    }

    /// The headers as both WASI `fields.from-list` take them.
    pub fn header_entries(&self) -> Vec<(String, Vec<u8>)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
            .collect()
    }
}

/// The answer to a CORS preflight (from the settings alone, before any
/// lookup), or `None` when the request is not one: 204 with the allow
/// headers for an allowed origin, 403 for another.
pub(crate) fn preflight_reply(
    method: Method,
    headers: &RequestHeaders,
    cors: Option<&Cors>,
) -> Option<Reply> {
    Some(match preflight(method, headers, cors)? {
        Preflight::Allowed(headers) => Reply {
            status: 204,
            headers,
            body: ReplyBody::None,
        },
        Preflight::Refused(headers) => {
            let mut reply = text_reply(403, "403 Forbidden\n");
            reply.headers.extend(headers);
            reply
        }
    })
}

/// 500 when the preopen `ROOT` names is missing: a deployment error, said on
/// stderr.
pub(crate) fn no_root_reply(method: Method, settings: &Settings) -> Reply {
    eprintln!(
        "wasi-fileserver: no preopened directory at ROOT={}",
        settings.root
    );
    render(
        Plan::Fail(Failure::Internal),
        method,
        settings,
        None,
        &[],
        String::new,
    )
}

/// The reply to `plan` for a request with `method` (HEAD drops the body but
/// keeps every header a GET would get), with the `_headers` rules' changes
/// `rules`; `boundary` is called only for a multipart body.
/// `origin` is the request's `Origin`, read where CORS is on.
pub fn render(
    plan: Plan,
    method: Method,
    settings: &Settings,
    origin: Option<&str>,
    rules: &[HeaderOp],
    boundary: impl FnOnce() -> String,
) -> Reply {
    let reply = match plan {
        Plan::File {
            role,
            file,
            selection,
            repr_digest,
        } => {
            let boundary = matches!(selection, Selection::Multipart(_)).then(boundary);
            let mut reply = file_reply(role, file, selection, settings, boundary);
            if let Some(digest) = repr_digest {
                // The whole representation's digest, on every range of it.
                reply
                    .headers
                    .push((Cow::Borrowed("repr-digest"), digest.repr_digest()));
            }
            reply
        }
        Plan::NotModified(file) => Reply {
            status: 304,
            headers: validator_headers(&file, settings),
            body: ReplyBody::None,
        },
        Plan::RangeNotSatisfiable(file) => {
            let mut reply = text_reply(416, "416 Range Not Satisfiable\n");
            reply.headers.push((
                Cow::Borrowed("content-range"),
                format!("bytes */{}", file.meta.size),
            ));
            if file.variants == Variants::Negotiable {
                reply
                    .headers
                    .push((Cow::Borrowed("vary"), "accept-encoding".to_string()));
            }
            reply
        }
        Plan::Listing {
            path,
            title,
            hidden,
            format,
        } => Reply {
            status: 200,
            headers: vec![
                (
                    Cow::Borrowed("content-type"),
                    match format {
                        ListingFormat::Html => "text/html; charset=utf-8",
                        ListingFormat::Json => "application/json",
                    }
                    .to_string(),
                ),
                (
                    Cow::Borrowed("x-content-type-options"),
                    "nosniff".to_string(),
                ),
                (Cow::Borrowed("vary"), "accept".to_string()),
            ],
            body: ReplyBody::Streamed(StreamedBody::Listing {
                path,
                head: listing::head(format, &title),
                rows: ListingRows::new(format, settings.serve_hidden, hidden),
            }),
        },
        Plan::Archive { path, name } => Reply {
            status: 200,
            headers: vec![
                (
                    Cow::Borrowed("content-type"),
                    "application/x-tar".to_string(),
                ),
                (
                    Cow::Borrowed("content-disposition"),
                    attachment(&format!("{name}.tar")),
                ),
                (
                    Cow::Borrowed("x-content-type-options"),
                    "nosniff".to_string(),
                ),
                // Made anew from the tree on every request: no validator.
                (Cow::Borrowed("cache-control"), "no-store".to_string()),
            ],
            body: ReplyBody::Streamed(StreamedBody::Archive { path, name }),
        },
        Plan::Redirect { status, location } => Reply {
            status,
            headers: vec![
                (Cow::Borrowed("location"), location),
                (Cow::Borrowed("content-length"), "0".to_string()),
            ],
            body: ReplyBody::None,
        },
        Plan::Options => options_reply(),
        Plan::Fail(failure) => failure_reply(failure),
    };
    let mut reply = without_body_unless(method.wants_body(), reply);
    add_cors_headers(&mut reply.headers, origin, settings.cors.as_ref());
    apply(&mut reply.headers, rules);
    reply
}

fn without_body_unless(wanted: bool, reply: Reply) -> Reply {
    if wanted {
        reply
    } else {
        Reply {
            body: ReplyBody::None,
            ..reply
        }
    }
}

/// `Content-Disposition: attachment` for `file_name` (RFC 6266): an ASCII
/// `filename` for every client, and `filename*` with the exact UTF-8 name.
fn attachment(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let exact = utf8_percent_encode(file_name, NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}")
}

/// `boundary` is there for a multipart selection.
fn file_reply(
    role: FileRole,
    file: Representation,
    selection: Selection,
    settings: &Settings,
    boundary: Option<String>,
) -> Reply {
    let size = file.meta.size;
    let mut headers = Vec::with_capacity(10);
    let (status, segments) = match selection {
        Selection::Multipart(ranges) => {
            let boundary = boundary.unwrap_or_default();
            let segments = multipart_segments(&ranges, file.content_type, size, &boundary);
            let Some(length) = total_len(&segments) else {
                // Cannot be framed: the whole file instead, as for wasteful sets.
                return file_reply(role, file, Selection::Whole, settings, None);
            };
            headers.push((
                Cow::Borrowed("content-type"),
                multipart_content_type(&boundary),
            ));
            headers.push((Cow::Borrowed("content-length"), length.to_string()));
            (206, segments)
        }
        Selection::Range(range) => {
            headers.push((Cow::Borrowed("content-type"), file.content_type.to_string()));
            headers.push((Cow::Borrowed("content-length"), range.len.to_string()));
            headers.push((Cow::Borrowed("content-range"), range.content_range(size)));
            let segment = Segment::FileRange {
                start: range.start,
                len: range.len,
            };
            (206, vec![segment])
        }
        Selection::Whole => {
            headers.push((Cow::Borrowed("content-type"), file.content_type.to_string()));
            headers.push((Cow::Borrowed("content-length"), size.to_string()));
            let status = match role {
                FileRole::Requested => 200,
                FileRole::NotFoundPage => 404,
                FileRole::GonePage => 410,
            };
            (
                status,
                vec![Segment::FileRange {
                    start: 0,
                    len: size,
                }],
            )
        }
    };
    headers.push((Cow::Borrowed("accept-ranges"), "bytes".to_string()));
    if let Some(encoding) = file.encoding {
        headers.push((
            Cow::Borrowed("content-encoding"),
            encoding.token().to_string(),
        ));
    }
    headers.push((
        Cow::Borrowed("x-content-type-options"),
        "nosniff".to_string(),
    ));
    headers.extend(validator_headers(&file, settings));
    Reply {
        status,
        headers,
        body: ReplyBody::Streamed(StreamedBody::File {
            path: file.path,
            segments,
        }),
    }
}

/// What a 304 repeats of the 200 (RFC 9110 section 15.4.5).
fn validator_headers(
    file: &Representation,
    settings: &Settings,
) -> Vec<(Cow<'static, str>, String)> {
    let mut headers = vec![(Cow::Borrowed("etag"), file.etag())];
    if let Some(date) = file.last_modified.and_then(http_date::format) {
        headers.push((Cow::Borrowed("last-modified"), date));
    }
    if let Some(cache_control) = &settings.cache_control {
        headers.push((Cow::Borrowed("cache-control"), cache_control.clone()));
    }
    if file.variants == Variants::Negotiable {
        headers.push((Cow::Borrowed("vary"), "accept-encoding".to_string()));
    }
    headers
}

pub fn failure_reply(failure: Failure) -> Reply {
    match failure {
        Failure::BadRequest => text_reply(400, "400 Bad Request\n"),
        Failure::Forbidden => text_reply(403, "403 Forbidden\n"),
        Failure::NotFound => text_reply(404, "404 Not Found\n"),
        Failure::MethodNotAllowed => {
            let mut reply = text_reply(405, "405 Method Not Allowed\n");
            reply
                .headers
                .push((Cow::Borrowed("allow"), ALLOW.to_string()));
            reply
        }
        Failure::PreconditionFailed => text_reply(412, "412 Precondition Failed\n"),
        Failure::Gone => text_reply(410, "410 Gone\n"),
        Failure::Internal => text_reply(500, "500 Internal Server Error\n"),
    }
}

/// The answer at `HEALTH_PATH`: `ok` to GET and HEAD, never cached.
pub(crate) fn health_reply(method: Method) -> Reply {
    let mut reply = match method {
        Method::Get | Method::Head => text_reply(200, "ok\n"),
        Method::Options => options_reply(),
        Method::Other => failure_reply(Failure::MethodNotAllowed),
    };
    reply
        .headers
        .push((Cow::Borrowed("cache-control"), "no-store".to_string()));
    without_body_unless(method.wants_body(), reply)
}

fn options_reply() -> Reply {
    Reply {
        status: 204,
        headers: vec![(Cow::Borrowed("allow"), ALLOW.to_string())],
        body: ReplyBody::None,
    }
}

/// A request not read on (`read_request`).
pub(crate) fn unreadable_reply(unreadable: Unreadable, method: Method) -> Reply {
    let reply = match unreadable {
        Unreadable::Target => text_reply(414, "414 URI Too Long\n"),
        Unreadable::Headers => text_reply(431, "431 Request Header Fields Too Large\n"),
        Unreadable::Memory => unavailable_reply(),
    };
    without_body_unless(method.wants_body(), reply)
}

/// The glue could not get the memory a body needs (an instance serving many
/// requests at once hit its memory cap). It frees as soon as requests in
/// flight end, so 503 with `Retry-After`, not a trap that would end every
/// request in the instance.
pub fn unavailable_reply() -> Reply {
    let mut reply = text_reply(503, "503 Service Unavailable\n");
    reply
        .headers
        .push((Cow::Borrowed("retry-after"), "1".to_string()));
    reply
}

fn text_reply(status: u16, text: &'static str) -> Reply {
    Reply {
        status,
        headers: vec![
            (
                Cow::Borrowed("content-type"),
                "text/plain; charset=utf-8".to_string(),
            ),
            (Cow::Borrowed("content-length"), text.len().to_string()),
            (
                Cow::Borrowed("x-content-type-options"),
                "nosniff".to_string(),
            ),
        ],
        body: ReplyBody::Text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::file_meta::{FileMeta, Timestamp};
    use crate::request::accept_encoding::Encoding;
    use crate::request::range::ByteRange;
    use std::time::{Duration, SystemTime};

    fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n == name)
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
            last_modified: meta.modified_time(),
            content_type: "application/x-iso9660-image",
            encoding: None,
            variants: Variants::None,
            digest: None,
        }
    }

    fn whole(file: Representation) -> Plan {
        Plan::File {
            role: FileRole::Requested,
            file,
            selection: Selection::Whole,
            repr_digest: None,
        }
    }

    fn render_plain(plan: Plan, method: Method) -> Reply {
        render(plan, method, &Settings::default(), None, &[], || {
            "BOUNDARY".into()
        })
    }

    #[test]
    fn file_reply_has_validators_and_length() {
        let r = render_plain(whole(iso()), Method::Get);
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
            ReplyBody::Streamed(StreamedBody::File {
                path: "big.iso".into(),
                segments: vec![Segment::FileRange {
                    start: 0,
                    len: 5 << 30
                }]
            })
        );
    }

    #[test]
    fn a_date_past_year_9999_is_left_out_not_a_panic() {
        let file = Representation {
            last_modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000)),
            ..iso()
        };
        let r = render_plain(whole(file), Method::Get);
        assert_eq!((r.status, header(&r, "last-modified")), (200, None));
        assert!(header(&r, "etag").is_some());
    }

    #[test]
    fn head_keeps_headers_and_drops_body() {
        let (get, head) = (
            render_plain(whole(iso()), Method::Get),
            render_plain(whole(iso()), Method::Head),
        );
        assert_eq!(get.headers, head.headers);
        assert_eq!(head.body, ReplyBody::None);
        let head_404 = render_plain(Plan::Fail(Failure::NotFound), Method::Head);
        assert_eq!((head_404.status, head_404.body), (404, ReplyBody::None));
    }

    #[test]
    fn failures_are_short_text() {
        let r = render_plain(Plan::Fail(Failure::MethodNotAllowed), Method::Other);
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
        let r = unavailable_reply();
        assert_eq!(r.status, 503);
        assert_eq!(header(&r, "retry-after"), Some("1"));
        assert_eq!(header(&r, "allow"), None);
    }

    #[test]
    fn oversize_requests() {
        let r = unreadable_reply(Unreadable::Target, Method::Get);
        assert_eq!(r.status, 414);
        assert!(matches!(r.body, ReplyBody::Text(_)));
        let r = unreadable_reply(Unreadable::Headers, Method::Head);
        assert_eq!((r.status, r.body), (431, ReplyBody::None));
        let r = unreadable_reply(Unreadable::Memory, Method::Get);
        assert_eq!((r.status, header(&r, "retry-after")), (503, Some("1")));
        let r = unreadable_reply(Unreadable::Memory, Method::Head);
        assert_eq!((r.status, r.body), (503, ReplyBody::None));
    }

    #[test]
    fn health_replies() {
        let r = health_reply(Method::Get);
        assert_eq!(
            (r.status, header(&r, "cache-control")),
            (200, Some("no-store"))
        );
        assert!(matches!(r.body, ReplyBody::Text("ok\n")));
        let r = health_reply(Method::Head);
        assert_eq!((r.status, header(&r, "content-length")), (200, Some("3")));
        assert_eq!(r.body, ReplyBody::None);
        let r = health_reply(Method::Options);
        assert_eq!((r.status, header(&r, "allow")), (204, Some(ALLOW)));
        let r = health_reply(Method::Other);
        assert_eq!((r.status, header(&r, "allow")), (405, Some(ALLOW)));
    }

    #[test]
    fn redirect_and_options_have_no_body() {
        let r = render_plain(
            Plan::Redirect {
                status: 301,
                location: "docs/".into(),
            },
            Method::Get,
        );
        assert_eq!(
            (r.status, header(&r, "location"), &r.body),
            (301, Some("docs/"), &ReplyBody::None)
        );
        let r = render_plain(Plan::Options, Method::Options);
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
                role: FileRole::Requested,
                file: iso(),
                selection: Selection::Range(range),
                repr_digest: None,
            },
            Method::Get,
        );
        assert_eq!(r.status, 206);
        assert_eq!(header(&r, "content-length"), Some("10"));
        assert_eq!(
            header(&r, "content-range"),
            Some("bytes 5368709110-5368709119/5368709120")
        );
        assert_eq!(
            r.body,
            ReplyBody::Streamed(StreamedBody::File {
                path: "big.iso".into(),
                segments: vec![Segment::FileRange {
                    start: range.start,
                    len: 10
                }]
            })
        );
        let r = render_plain(Plan::NotModified(iso()), Method::Get);
        assert_eq!((r.status, &r.body), (304, &ReplyBody::None));
        assert!(header(&r, "etag").is_some() && header(&r, "content-length").is_none());
    }

    #[test]
    fn range_not_satisfiable_varies_like_the_resource() {
        let small = Representation {
            meta: FileMeta {
                size: 7,
                modified: None,
            },
            ..iso()
        };
        let r = render_plain(Plan::RangeNotSatisfiable(small.clone()), Method::Get);
        assert_eq!(
            (r.status, header(&r, "content-range"), header(&r, "vary")),
            (416, Some("bytes */7"), None)
        );
        let negotiable = Representation {
            variants: Variants::Negotiable,
            ..small
        };
        let r = render_plain(Plan::RangeNotSatisfiable(negotiable), Method::Get);
        assert_eq!(header(&r, "vary"), Some("accept-encoding"));
    }

    /// The bytes a body of segments makes, with `file` as the file's content.
    fn body_bytes(segments: &[Segment], file: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for segment in segments {
            match segment {
                Segment::Literal(text) => out.extend_from_slice(text.as_bytes()),
                Segment::FileRange { start, len } => {
                    out.extend_from_slice(&file[*start as usize..(*start + *len) as usize])
                }
            }
        }
        out
    }

    #[test]
    fn multipart_length_is_the_bytes_sent() {
        let content: Vec<u8> = (0..2000u32).map(|i| (i % 251) as u8).collect();
        let file = Representation {
            meta: FileMeta {
                size: content.len() as u64,
                modified: None,
            },
            ..iso()
        };
        let ranges = vec![
            ByteRange { start: 0, len: 100 },
            ByteRange {
                start: 1000,
                len: 5,
            },
        ];
        let r = render_plain(
            Plan::File {
                role: FileRole::Requested,
                file,
                selection: Selection::Multipart(ranges),
                repr_digest: None,
            },
            Method::Get,
        );
        assert_eq!(r.status, 206);
        assert_eq!(
            header(&r, "content-type"),
            Some("multipart/byteranges; boundary=BOUNDARY")
        );
        assert_eq!(header(&r, "content-range"), None);
        let ReplyBody::Streamed(StreamedBody::File { segments, .. }) = &r.body else {
            panic!()
        };
        // The body as RFC 9110 section 14.6 lays it out, written by hand.
        let part = |range: &str| {
            format!(
                "--BOUNDARY\r\ncontent-type: application/x-iso9660-image\r\n\
                 content-range: bytes {range}/2000\r\n\r\n"
            )
        };
        let expected = [
            part("0-99").as_bytes(),
            &content[..100],
            &b"\r\n"[..],
            part("1000-1004").as_bytes(),
            &content[1000..1005],
            &b"\r\n--BOUNDARY--\r\n"[..],
        ]
        .concat();
        assert_eq!(
            header(&r, "content-length"),
            Some(expected.len().to_string().as_str())
        );
        assert_eq!(body_bytes(segments, &content), expected);
    }

    #[test]
    fn caching_and_encoding_headers() {
        let settings = Settings {
            cache_control: Some("max-age=60".into()),
            ..Settings::default()
        };
        let file = Representation {
            encoding: Some(Encoding::Gzip),
            variants: Variants::Negotiable,
            ..iso()
        };
        for plan in [whole(file.clone()), Plan::NotModified(file)] {
            let r = render(plan, Method::Get, &settings, None, &[], || {
                unreachable!("no multipart")
            });
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
                role: FileRole::NotFoundPage,
                file: Representation {
                    encoding: Some(Encoding::Brotli),
                    ..iso()
                },
                selection: Selection::Whole,
                repr_digest: None,
            },
            Method::Get,
            &settings,
            None,
            &[],
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
                hidden: Vec::new(),
                format: ListingFormat::Json,
            },
            Method::Get,
        );
        assert_eq!((r.status, header(&r, "content-length")), (200, None));
        assert_eq!(header(&r, "content-type"), Some("application/json"));
        assert_eq!(header(&r, "vary"), Some("accept"));
        assert!(
            matches!(r.body, ReplyBody::Streamed(StreamedBody::Listing { ref path, .. }) if path == "d")
        );
    }

    #[test]
    fn an_archive_streams_as_an_attachment() {
        let r = render_plain(
            Plan::Archive {
                path: "d".into(),
                name: "q\"é".into(),
            },
            Method::Get,
        );
        assert_eq!((r.status, header(&r, "content-length")), (200, None));
        assert_eq!(header(&r, "content-type"), Some("application/x-tar"));
        assert_eq!(
            header(&r, "content-disposition"),
            Some("attachment; filename=\"q__.tar\"; filename*=UTF-8''q%22%C3%A9%2Etar")
        );
        assert!(matches!(
            r.body,
            ReplyBody::Streamed(StreamedBody::Archive { .. })
        ));
        let head = render_plain(
            Plan::Archive {
                path: "d".into(),
                name: "d".into(),
            },
            Method::Head,
        );
        assert_eq!(head.body, ReplyBody::None);
    }
}
