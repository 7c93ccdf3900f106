//! The served root as a glue reaches it: all `answer` asks of
//! `wasi:filesystem`. WASI 0.3's calls are async and WASI 0.2's return at
//! once, so the methods are `async` and the 0.2 glue's futures are ready when
//! first polled.

use crate::decide::file_lookup::{Entry, LookupError};

// Components run on one thread: no future here needs `Send`.
#[allow(async_fn_in_trait)]
pub trait Root {
    /// An open file, read-only.
    type File;

    /// What is at `path` (relative to the root, `.` for the root itself),
    /// following symlinks.
    async fn stat(&self, path: &str) -> Result<Entry, LookupError>;

    /// Opens the regular file at `path` for reading, checking that it still
    /// is one (it may have been replaced since a `stat`); gives its size.
    async fn open_file(&self, path: &str) -> Result<(Self::File, u64), LookupError>;

    /// Up to `len` bytes of `file` from `offset` (fewer at its end, none past
    /// it); `None` when the read failed.
    async fn read(&self, file: &Self::File, offset: u64, len: u64) -> Option<Vec<u8>>;
}
