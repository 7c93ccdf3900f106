//! Which bytes are percent-encoded where the server writes a URI (a
//! `Location`, a rule's target): shared by the decision and the rules.

use percent_encoding::{AsciiSet, CONTROLS};

/// Bytes that never appear raw in a URI: controls, space, DEL and non-ASCII
/// (`utf8_percent_encode` encodes every non-ASCII byte anyway).
pub(crate) const NOT_URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');
