//! The request methods this server tells apart.

/// The methods served, as `Allow` lists them.
pub const ALLOW: &str = "GET, HEAD, OPTIONS";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Options,
    /// Any other method: 405.
    Other,
}

/// The `Method` of a WASI `method` value `$m` whose bindings' enum is
/// `$wasi` (in scope): the 0.2 and 0.3 bindings are distinct types with the
/// same cases.
#[macro_export]
macro_rules! method_of {
    ($wasi:ident, $m:expr) => {
        match $m {
            $wasi::Get => $crate::request::method::Method::Get,
            $wasi::Head => $crate::request::method::Method::Head,
            $wasi::Options => $crate::request::method::Method::Options,
            _ => $crate::request::method::Method::Other,
        }
    };
}

impl Method {
    /// Whether a response to this method carries a body (HEAD's never does,
    /// though its headers are a GET's).
    pub fn wants_body(self) -> bool {
        self != Method::Head
    }
}
