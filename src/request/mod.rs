//! Pure request parsing: nothing here touches WASI.

pub mod path;
