//! Requests without a body, for tests and tools.

use bytes::Bytes;
use http::{header, Method, Request};
use http_body_util::Empty;

/// A `GET` of `path` (which may carry a query).
pub fn get(path: &str) -> Request<Empty<Bytes>> {
    request(Method::GET, path, &[])
}

/// A request with the given method, path and headers, and an empty body. A
/// `Host: localhost` header is added unless `headers` has one.
///
/// Panics on an invalid path or header: these are test inputs.
pub fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request<Empty<Bytes>> {
    let mut builder = Request::builder().method(method).uri(path);
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(header::HOST.as_str()))
    {
        builder = builder.header(header::HOST, "localhost");
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Empty::new())
        .unwrap_or_else(|e| panic!("invalid test request {path:?}: {e}"))
}
