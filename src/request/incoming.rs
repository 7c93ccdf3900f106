//! A request as both WASI glues hand it over: the method, the target and the
//! few headers the decision reads, each copied into linear memory once and
//! only up to the limits, so that no request can make an instance hold more
//! than a few KiB of it across a wait.

use super::headers::{HeadersTooLarge, RequestHeaders, MAX_HEADER_BYTES};
use super::method::Method;
use super::path::{request_target, MAX_TARGET_BYTES};
use crate::settings::Settings;

/// What the decision needs from a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingRequest {
    pub method: Method,
    /// Path and query (`/a/b?x`), from the request target or, where the
    /// settings trust it, `spin-path-info` (`PathSource`).
    pub target: String,
    pub headers: RequestHeaders,
}

/// A request not read on; answered without a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// The target is longer than `MAX_TARGET_BYTES`: 414.
    Target,
    /// The headers the decision reads exceed `MAX_HEADER_BYTES`: 431.
    Headers,
    /// The instance has no room for another request (`REQUEST_HEADROOM`):
    /// 503, until requests in flight end.
    Memory,
}

impl From<HeadersTooLarge> for Unreadable {
    fn from(_: HeadersTooLarge) -> Unreadable {
        Unreadable::Headers
    }
}

/// What a request may allocate besides its body buffer: the header copies
/// (up to `MAX_HEADER_BYTES`), the decision, the response's state. Those
/// allocations cannot fail without a trap, which in an instance serving many
/// requests at once ends them all; so the room is asked for first, and
/// fallibly. A block freed at once stays in the instance's heap for the
/// small allocations that follow.
const REQUEST_HEADROOM: usize = 2 * MAX_HEADER_BYTES;

/// The pages one request needs at most (the memory guarantee's bound):
/// an instance still within them has room for a request, and probing there
/// would itself raise the peak the guarantee bounds.
const ONE_REQUEST_PAGES: usize = 2;

/// Whether the instance can still allocate `REQUEST_HEADROOM`: always while
/// its memory is within one request's pages, else by asking for it. The
/// answer reserves nothing, so requests that run at once can still share
/// the room.
pub(crate) fn has_headroom() -> bool {
    memory_pages() <= ONE_REQUEST_PAGES
        || Vec::<u8>::new().try_reserve_exact(REQUEST_HEADROOM).is_ok()
}

#[cfg(target_arch = "wasm32")]
fn memory_pages() -> usize {
    core::arch::wasm32::memory_size::<0>()
}

/// Native builds (unit tests, fuzzing) have no linear memory to fill.
#[cfg(not(target_arch = "wasm32"))]
fn memory_pages() -> usize {
    0
}

/// Reads a request through the glue's accessors: `path_with_query` copies
/// the target out of the host, `has` and `get` read the request's header
/// fields; the settings say which headers count (`RequestHeaders::read`).
/// Nothing is copied before `has_headroom` says there is room.
pub fn read_request(
    method: Method,
    path_with_query: impl FnOnce() -> Option<String>,
    has: impl Fn(&str) -> bool,
    get: impl Fn(&str) -> Vec<Vec<u8>>,
    settings: &Settings,
) -> Result<IncomingRequest, Unreadable> {
    if !has_headroom() {
        return Err(Unreadable::Memory);
    }
    let path_with_query = path_with_query().unwrap_or_default();
    if path_with_query.len() > MAX_TARGET_BYTES {
        return Err(Unreadable::Target);
    }
    let headers = RequestHeaders::read(has, get, settings)?;
    let target = request_target(&path_with_query, headers.path_info.as_deref());
    Ok(IncomingRequest {
        method,
        target,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::path::PathSource;

    fn plain() -> Settings {
        Settings::default()
    }

    #[test]
    fn limits_answer_before_anything_is_kept() {
        let none = |_: &str| false;
        let nothing = |_: &str| Vec::new();
        let long = format!("/{}", "a".repeat(MAX_TARGET_BYTES));
        assert_eq!(
            read_request(Method::Get, || Some(long), none, nothing, &plain()),
            Err(Unreadable::Target)
        );
        let huge = |name: &str| {
            if name == "if-none-match" {
                vec![vec![b'"'; MAX_HEADER_BYTES + 1]]
            } else {
                Vec::new()
            }
        };
        assert_eq!(
            read_request(Method::Get, || Some("/".into()), |_| true, huge, &plain()),
            Err(Unreadable::Headers)
        );
        let ok = read_request(Method::Head, || None, none, nothing, &plain()).unwrap();
        assert_eq!((ok.method, ok.target.as_str()), (Method::Head, ""));
    }

    #[test]
    fn trusted_spin_path_info_replaces_the_path_and_keeps_the_query() {
        let info = |name: &str| {
            if name == "spin-path-info" {
                vec![b"/a.txt".to_vec()]
            } else {
                Vec::new()
            }
        };
        let read = |settings: &Settings| {
            read_request(
                Method::Get,
                || Some("/static/a.txt?v=1".into()),
                |_| true,
                info,
                settings,
            )
            .unwrap()
            .target
        };
        assert_eq!(read(&plain()), "/static/a.txt?v=1");
        let spin = Settings {
            path_source: PathSource::SpinPathInfo,
            ..plain()
        };
        assert_eq!(read(&spin), "/a.txt?v=1");
    }

    #[test]
    fn want_repr_digest_is_looked_up_only_where_a_digest_is_offered() {
        use crate::request::want_digest::DigestPreference;
        let asked = std::cell::RefCell::new(Vec::new());
        let has = |name: &str| {
            asked.borrow_mut().push(name.to_string());
            name == "want-repr-digest"
        };
        let get = |_: &str| vec![b"sha-256=0".to_vec()];
        let unoffered = read_request(Method::Get, || None, has, get, &plain()).unwrap();
        assert_eq!(
            unoffered.headers.want_repr_digest,
            DigestPreference::Unstated
        );
        assert!(!asked.borrow().iter().any(|n| n == "want-repr-digest"));
        let with_manifest = Settings {
            manifest: Some("SHA256SUMS".into()),
            ..plain()
        };
        let offered = read_request(Method::Get, || None, has, get, &with_manifest).unwrap();
        assert_eq!(offered.headers.want_repr_digest, DigestPreference::Refused);
    }
}
