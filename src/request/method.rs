//! The request methods this server tells apart.

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
    pub fn wants_body(self) -> bool {
        self != Method::Head
    }
}
