//! The one question the decision step asks the filesystem: what is at this path?
//!
//! The WASI layer answers it with `stat-at`; unit tests answer it with a map.
//! `stat` comes before `open` so that a FIFO or device is refused without ever
//! being opened (opening a FIFO can block the host).

use crate::decide::file_meta::{FileMeta, Timestamp};
use crate::manifest::digest::Sha256Digest;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    File(FileMeta),
    /// A directory, with its modification time where the host gives one.
    Directory(Option<Timestamp>),
    /// FIFO, socket, device, or anything else that is not served.
    Other,
}

/// The size and time of a file just opened, from its own `stat`: it must
/// still be a regular file, since it may have been replaced after the
/// decision's lookup.
pub fn opened_file_meta(stat: Result<Entry, LookupError>) -> Result<FileMeta, LookupError> {
    match stat? {
        Entry::File(meta) => Ok(meta),
        Entry::Directory(_) | Entry::Other => Err(LookupError::NotFound),
    }
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

/// The filesystem errors that decide a status, as WASI names them
/// (`wasi:filesystem/types.error-code`); each glue translates its bindings'
/// code 1:1 with `fs_error_of!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    NoEntry,
    NotDirectory,
    IsDirectory,
    NameTooLong,
    Loop,
    Access,
    NotPermitted,
    /// Any other code: I/O errors, resource limits...
    Other,
}

impl From<FsError> for LookupError {
    fn from(e: FsError) -> LookupError {
        match e {
            // "/file.txt/x" (not a directory), names no host can hold, and
            // symlink loops all mean: nothing servable there.
            FsError::NoEntry | FsError::NotDirectory | FsError::NameTooLong | FsError::Loop => {
                LookupError::NotFound
            }
            // Includes a symlink that leads outside the preopen: the host
            // refuses to follow it.
            FsError::Access | FsError::NotPermitted => LookupError::Denied,
            // Opening a directory as a file: the decision never does that.
            FsError::IsDirectory | FsError::Other => LookupError::Failed,
        }
    }
}

/// The `FsError` of a WASI `error-code` value `$e` whose bindings' enum is
/// `$code` (in scope).
#[macro_export]
macro_rules! fs_error_of {
    ($code:ident, $e:expr) => {
        $crate::same_cases!($e, $code => $crate::decide::file_lookup::FsError {
            NoEntry, NotDirectory, IsDirectory, NameTooLong, Loop, Access, NotPermitted
        } else Other)
    };
}

pub trait FileLookup {
    /// `path` is relative to the served root, `.` for the root itself.
    fn stat(&self, path: &str) -> Result<Entry, LookupError>;

    /// The content hash the site's manifest gives the file at `path` (asked
    /// only after `stat` found a file there, of `size` bytes), unless the
    /// entry is stale. None without a manifest.
    fn digest(&self, _path: &str, _size: u64) -> Option<Sha256Digest> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::plan::{lookup_failure, Failure};

    #[test]
    fn filesystem_errors_map_to_statuses() {
        let status = |e: FsError| lookup_failure(LookupError::from(e));
        assert_eq!(status(FsError::NoEntry), Failure::NotFound);
        assert_eq!(status(FsError::NotDirectory), Failure::NotFound);
        assert_eq!(status(FsError::NameTooLong), Failure::NotFound);
        assert_eq!(status(FsError::Loop), Failure::NotFound);
        assert_eq!(status(FsError::Access), Failure::Forbidden);
        assert_eq!(status(FsError::NotPermitted), Failure::Forbidden);
        assert_eq!(status(FsError::IsDirectory), Failure::Internal);
        assert_eq!(status(FsError::Other), Failure::Internal);
    }
}
