//! The served root on `wasi:filesystem@0.3`: finding its preopen, answering
//! `answer`'s questions (`Root`), opening files and directories read-only.

use wasi_fileserver_core::answer::root::Root;
use wasi_fileserver_core::answer::root_preopen::root_preopen;
use wasi_fileserver_core::decide::file_lookup::{Entry, LookupError};
use wasi_fileserver_core::decide::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::render::listing::{DirReadError, EntriesEnd};
use wasi_fileserver_core::settings::Settings;
use wasip3::filesystem::preopens::get_directories;
use wasip3::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    OpenFlags, PathFlags,
};
use wasip3::wit_bindgen::rt::async_support::{FutureReader, StreamReader, StreamResult};

/// The served root's preopen (found once per instance).
pub fn open_root(settings: &Settings) -> Option<&'static Descriptor> {
    root_preopen(settings, get_directories)
}

/// The served root for `answer`.
pub struct RootDir(pub &'static Descriptor);

impl Root for RootDir {
    type File = Descriptor;

    async fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        self.0
            .stat_at(PathFlags::SYMLINK_FOLLOW, path.to_string())
            .await
            .map(|stat| entry(&stat))
            .map_err(lookup_error)
    }

    async fn open_file(&self, path: &str) -> Result<(Descriptor, u64), LookupError> {
        open_file(self.0, path).await
    }

    /// A stream from `offset`, read until `len` bytes or its end.
    async fn read(&self, file: &Descriptor, offset: u64, len: u64) -> Option<Vec<u8>> {
        let len = usize::try_from(len).ok()?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len).ok()?;
        let (mut input, _result) = file.read_via_stream(offset);
        while bytes.len() < len {
            // Reads append into the spare capacity.
            let (status, filled) = input.read(bytes).await;
            bytes = filled;
            if !matches!(status, StreamResult::Complete(_)) {
                break;
            }
        }
        Some(bytes)
    }
}

/// Opens a file for reading and checks that it is still a regular file: it
/// may have been replaced since the decision's `stat`. Gives its size too.
pub async fn open_file(root: &Descriptor, path: &str) -> Result<(Descriptor, u64), LookupError> {
    let file = root
        .open_at(
            PathFlags::SYMLINK_FOLLOW,
            path.to_string(),
            OpenFlags::empty(),
            DescriptorFlags::READ,
        )
        .await
        .map_err(lookup_error)?;
    match file.stat().await.map(|s| entry(&s)) {
        Ok(Entry::File(meta)) => Ok((file, meta.size)),
        Ok(_) => Err(LookupError::NotFound),
        Err(e) => Err(lookup_error(e)),
    }
}

/// Opens a directory for a listing.
pub async fn open_dir(root: &Descriptor, path: &str) -> Result<Descriptor, LookupError> {
    root.open_at(
        PathFlags::SYMLINK_FOLLOW,
        path.to_string(),
        OpenFlags::DIRECTORY,
        DescriptorFlags::READ,
    )
    .await
    .map_err(lookup_error)
}

fn entry(stat: &DescriptorStat) -> Entry {
    match stat.type_ {
        DescriptorType::RegularFile => Entry::File(FileMeta {
            size: stat.size,
            // WASI 0.3 times are signed; one before 1970 is treated as unknown.
            modified: stat.data_modification_timestamp.and_then(|t| {
                Some(Timestamp {
                    seconds: u64::try_from(t.seconds).ok()?,
                    nanoseconds: t.nanoseconds,
                })
            }),
        }),
        DescriptorType::Directory => Entry::Directory,
        _ => Entry::Other,
    }
}

fn lookup_error(e: ErrorCode) -> LookupError {
    LookupError::from(wasi_fileserver_core::fs_error_of!(ErrorCode, e))
}

/// A directory's entries as the listing reads them, one at a time.
pub struct DirectoryEntries {
    entries: StreamReader<DirectoryEntry>,
    result: FutureReader<Result<(), ErrorCode>>,
}

impl DirectoryEntries {
    pub fn read(dir: &Descriptor) -> DirectoryEntries {
        let (entries, result) = dir.read_directory();
        DirectoryEntries { entries, result }
    }

    /// The next entry's name and whether it is a directory; `None` after
    /// the last.
    pub async fn next(&mut self) -> Option<(String, bool)> {
        let entry = self.entries.next().await?;
        Some((entry.name, matches!(entry.type_, DescriptorType::Directory)))
    }

    /// After the last entry: whether all came, or the host stopped at a name
    /// that is not UTF-8 (wasmtime 48 ends the stream there).
    pub async fn end(self) -> Result<EntriesEnd, DirReadError> {
        drop(self.entries);
        match self.result.await {
            Ok(()) => Ok(EntriesEnd::Complete),
            Err(ErrorCode::IllegalByteSequence) => Ok(EntriesEnd::StoppedAtUnreadableName),
            Err(_) => Err(DirReadError::Failed),
        }
    }
}
