//! Pure request parsing: nothing here touches WASI.

pub mod path;
pub mod conditional;
pub mod entity_tag;
pub mod range;
