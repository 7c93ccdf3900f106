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

impl Method {
    /// Whether a response to this method carries a body (HEAD's never does,
    /// though its headers are a GET's).
    pub(crate) fn wants_body(self) -> bool {
        self != Method::Head
    }
}

/// The `Method` of a WASI `method` value `$m` whose bindings' enum is
/// `$wasi` (in scope).
#[macro_export]
macro_rules! method_of {
    ($wasi:ident, $m:expr) => {
        $crate::same_cases!($m, $wasi => $crate::request::method::Method { Get, Head, Options } else Other)
    };
}
