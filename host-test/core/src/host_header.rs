//! RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request that
//! lacks a Host header field, and to any request with more than one Host
//! field line or an invalid Host value. hyper parses requests but leaves this
//! to the application, so `serve` checks it before a component runs.
//!
//! An absolute-form target (`GET http://a.example/x`) makes the server ignore
//! Host (section 3.2.2), so a Host that disagrees with it is no error.

use http::header::HOST;
use http::uri::Authority;
use http::{Request, Version};

/// Why a request's Host makes it a bad request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostFault {
    /// An HTTP/1.1 request without Host.
    Missing,
    /// More than one Host field line.
    Repeated,
    /// Not `uri-host [ ":" port ]` (nor empty, which RFC 9112 allows).
    Invalid,
}

impl HostFault {
    /// Said in the log line and the response body.
    pub fn reason(self) -> &'static str {
        match self {
            HostFault::Missing => "no Host header",
            HostFault::Repeated => "more than one Host header",
            HostFault::Invalid => "an invalid Host header",
        }
    }
}

/// The request's fault under RFC 9112 section 3.2, if any.
pub fn host_fault<B>(request: &Request<B>) -> Option<HostFault> {
    let mut hosts = request.headers().get_all(HOST).iter();
    let Some(host) = hosts.next() else {
        // HTTP/1.0 had no Host; hyper reports HTTP/0.9 requests as 1.0 too.
        return (request.version() >= Version::HTTP_11).then_some(HostFault::Missing);
    };
    if hosts.next().is_some() {
        return Some(HostFault::Repeated);
    }
    (!is_host_value(host.as_bytes())).then_some(HostFault::Invalid)
}

/// `uri-host [ ":" port ]`, or empty. `Authority` alone would also take
/// userinfo (`a@b`) and a port that is not digits.
fn is_host_value(value: &[u8]) -> bool {
    if value.is_empty() {
        return true;
    }
    let Ok(authority) = Authority::try_from(value) else {
        return false;
    };
    let after_host = authority.as_str().get(authority.host().len()..);
    let port_is_digits = match after_host.and_then(|rest| rest.strip_prefix(':')) {
        Some(port) => port.bytes().all(|b| b.is_ascii_digit()),
        None => after_host == Some(""),
    };
    !value.contains(&b'@') && port_is_digits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(version: Version, hosts: &[&str]) -> Option<HostFault> {
        let mut builder = Request::builder().uri("/a").version(version);
        for host in hosts {
            builder = builder.header(HOST, *host);
        }
        host_fault(&builder.body(()).unwrap())
    }

    #[test]
    fn faults_by_rfc_9112_section_3_2() {
        const HTTP_10: Version = Version::HTTP_10;
        const HTTP_11: Version = Version::HTTP_11;
        assert_eq!(with(HTTP_11, &["a.example"]), None);
        assert_eq!(with(HTTP_11, &["a.example:8080"]), None);
        assert_eq!(with(HTTP_11, &["[::1]:8080"]), None);
        assert_eq!(with(HTTP_11, &[""]), None, "empty is allowed");
        assert_eq!(with(HTTP_10, &[]), None, "HTTP/1.0 may omit it");
        assert_eq!(with(HTTP_11, &[]), Some(HostFault::Missing));
        assert_eq!(
            with(HTTP_11, &["a.example", "a.example"]),
            Some(HostFault::Repeated)
        );
        assert_eq!(with(HTTP_10, &["a", "b"]), Some(HostFault::Repeated));
        for bad in ["user@a.example", "a example", "a.example/x", "a:port"] {
            assert_eq!(with(HTTP_11, &[bad]), Some(HostFault::Invalid), "{bad}");
        }
    }
}
