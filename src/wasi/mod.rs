//! The only code that touches WASI 0.2: the exported handler, the filesystem,
//! response construction and the pump that moves bytes. A WASI 0.3 glue can sit
//! beside it and reuse everything outside this folder.

mod bindings;
mod fs;
mod handler;
mod pump;
mod respond;
