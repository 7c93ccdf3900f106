//! Pure request parsing: nothing here touches WASI.

pub mod accept;
pub mod accept_encoding;
pub mod conditional;
pub mod entity_tag;
pub mod headers;
pub mod incoming;
pub mod method;
pub mod path;
pub mod range;
pub mod want_digest;
