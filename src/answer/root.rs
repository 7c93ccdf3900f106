//! The served root as a glue reaches it: all the core asks of
//! `wasi:filesystem`. WASI 0.3's calls are async and WASI 0.2's return at
//! once, so the methods are `async` and the 0.2 glue's futures are ready when
//! first polled.

use crate::decide::file_lookup::{Entry, LookupError};
use crate::decide::file_meta::FileMeta;
use crate::render::listing::EntriesEnd;

// Components run on one thread: no future here needs `Send`.
#[allow(async_fn_in_trait)]
pub trait Root {
    /// An open file, read-only.
    type File;
    /// An open directory with its entries being read.
    type Dir;

    /// What is at `path` (relative to the root, `.` for the root itself),
    /// following symlinks.
    async fn stat(&self, path: &str) -> Result<Entry, LookupError>;

    /// Opens the regular file at `path` for reading, checking that it still
    /// is one (it may have been replaced since a `stat`); gives its size and
    /// time as the opened file has them.
    async fn open_file(&self, path: &str) -> Result<(Self::File, FileMeta), LookupError>;

    /// Up to `len` bytes of `file` from `offset` (fewer at its end, none past
    /// it); `None` when the read failed.
    async fn read(&self, file: &Self::File, offset: u64, len: u64) -> Option<Vec<u8>>;

    /// Opens the directory at `path` and starts reading its entries.
    async fn open_dir(&self, path: &str) -> Result<Self::Dir, LookupError>;

    /// The directory's next entry, in directory order.
    async fn next_entry(&self, dir: &mut Self::Dir) -> NextEntry;
}

/// One step through a directory's entries, as either glue reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextEntry {
    /// An entry and its type as the directory gives it (a symlink is not
    /// followed).
    Named { name: String, kind: EntryKind },
    /// An entry whose name is not UTF-8, reported without it; the entries
    /// after it still come (WASI 0.2 hosts).
    UnreadableName,
    /// No more entries.
    End(EntriesEnd),
    /// The directory cannot be read on.
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    RegularFile,
    Directory,
    SymbolicLink,
    /// FIFO, socket, device, or unknown.
    Other,
}

/// The relative path of the entry `name` of the directory `dir` (`.` for
/// the root), as the `Root` methods take it.
pub(crate) fn child_path(dir: &str, name: &str) -> String {
    if dir == "." || dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The `EntryKind` of a WASI `descriptor-type` value `$t` whose bindings'
/// enum is `$type` (in scope).
#[macro_export]
macro_rules! entry_kind_of {
    ($type:ident, $t:expr) => {
        $crate::same_cases!($t, $type => $crate::answer::root::EntryKind {
            RegularFile, Directory, SymbolicLink
        } else Other)
    };
}
