//! The parts of a request the decision reads.

use std::time::SystemTime;

use crate::request::conditional::Preconditions;
use crate::request::incoming::IncomingRequest;
use crate::request::method::Method;
use crate::request::want_digest::DigestPreference;
use crate::rules::scan::RedirectMatch;

/// The parts of a request the decision needs.
#[derive(Clone, Debug)]
pub struct RequestFacts<'a> {
    pub method: Method,
    /// Path and query (`/a/b?x`), from the request line or `spin-path-info`.
    pub target: &'a str,
    pub preconditions: &'a Preconditions,
    /// The Range header, if any.
    pub range: Option<&'a str>,
    pub accept_encoding: Option<&'a str>,
    /// `Accept`, where listings are on.
    pub accept: Option<&'a str>,
    /// The server's clock: no `Last-Modified` may be later.
    pub now: SystemTime,
    /// The `_redirects` rule that matched the path, if any.
    pub redirect: Option<&'a RedirectMatch>,
    pub want_repr_digest: DigestPreference,
}

impl<'a> RequestFacts<'a> {
    pub fn of(
        request: &'a IncomingRequest,
        now: SystemTime,
        redirect: Option<&'a RedirectMatch>,
    ) -> RequestFacts<'a> {
        RequestFacts {
            method: request.method,
            target: &request.target,
            preconditions: &request.headers.preconditions,
            range: request.headers.range.as_deref(),
            accept_encoding: request.headers.accept_encoding.as_deref(),
            accept: request.headers.accept.as_deref(),
            now,
            redirect,
            want_repr_digest: request.headers.want_repr_digest,
        }
    }
}
