//! What both native baselines (`native_tokio_fs`, `native_std_fs`) share:
//! the file a request names, and the response to a lookup.

use std::io;

use http::{header, Request, Response, StatusCode};

/// Bytes asked of the file per read.
pub const READ_SIZE: usize = 64 * 1024;

/// The file name a request asks for, when it can name a plain file directly
/// in the served directory.
pub fn file_name<B>(request: &Request<B>) -> Option<&str> {
    let name = request.uri().path().trim_start_matches('/');
    let plain =
        !name.is_empty() && !name.contains('/') && !name.contains('\\') && !name.starts_with('.');
    plain.then_some(name)
}

/// The answer to a lookup: the file's body and length, no such file (404),
/// or an error (500).
pub fn respond<B>(found: io::Result<Option<(B, u64)>>, empty: impl FnOnce() -> B) -> Response<B> {
    let response = match found {
        Ok(Some((body, len))) => Response::builder()
            .header(header::CONTENT_LENGTH, len)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(body),
        Ok(None) => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(empty()),
        Err(_) => Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(empty()),
    };
    response.expect("valid response parts")
}

/// `Ok(None)` for an error that means "no such file".
pub fn not_found_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}
