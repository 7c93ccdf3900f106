//! The one question the decision step asks the filesystem: what is at this path?
//!
//! The WASI layer answers it with `stat-at`; unit tests answer it with a map.
//! `stat` comes before `open` so that a FIFO or device is refused without ever
//! being opened (opening a FIFO can block the host).

use crate::file_meta::FileMeta;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    File(FileMeta),
    Directory,
    /// FIFO, socket, device, or anything else that is not served.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// Missing, or a path through something that is not a directory.
    NotFound,
    /// The host refused access.
    Denied,
    /// Anything else (I/O error, name too long...).
    Failed,
}

pub trait FileLookup {
    /// `path` is relative to the served root, `.` for the root itself.
    fn stat(&self, path: &str) -> Result<Entry, LookupError>;
}
