//! The served root on `wasi:filesystem@0.2`: finding its preopen, answering
//! `answer`'s questions (`Root`), opening files and directories read-only.

use crate::bindings::wasi::filesystem::preopens::get_directories;
use crate::bindings::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry,
    DirectoryEntryStream, ErrorCode, OpenFlags, PathFlags,
};
use wasi_fileserver_core::answer::root::Root;
use wasi_fileserver_core::answer::root_preopen::root_preopen;
use wasi_fileserver_core::decide::file_lookup::{Entry, LookupError};
use wasi_fileserver_core::decide::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::render::listing::DirReadError;
use wasi_fileserver_core::settings::Settings;

/// The served root's preopen (found once per instance).
pub fn open_root(settings: &Settings) -> Option<&'static Descriptor> {
    root_preopen(settings, get_directories)
}

/// The served root for `answer`. WASI 0.2's calls block, so every future
/// is ready at once.
pub struct RootDir(pub &'static Descriptor);

impl Root for RootDir {
    type File = Descriptor;

    async fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        self.0
            .stat_at(PathFlags::SYMLINK_FOLLOW, path)
            .map(|stat| entry(&stat))
            .map_err(lookup_error)
    }

    async fn open_file(&self, path: &str) -> Result<(Descriptor, u64), LookupError> {
        open_file(self.0, path)
    }

    async fn read(&self, file: &Descriptor, offset: u64, len: u64) -> Option<Vec<u8>> {
        file.read(len, offset).ok().map(|(bytes, _end)| bytes)
    }
}

/// Opens a file for reading and checks that it is still a regular file: it
/// may have been replaced since the decision's `stat`. Gives its size too.
pub fn open_file(root: &Descriptor, path: &str) -> Result<(Descriptor, u64), LookupError> {
    let file = root
        .open_at(
            PathFlags::SYMLINK_FOLLOW,
            path,
            OpenFlags::empty(),
            DescriptorFlags::READ,
        )
        .map_err(lookup_error)?;
    match file.stat().map(|s| entry(&s)) {
        Ok(Entry::File(meta)) => Ok((file, meta.size)),
        Ok(_) => Err(LookupError::NotFound),
        Err(e) => Err(lookup_error(e)),
    }
}

/// Opens a directory for a listing.
pub fn open_dir(root: &Descriptor, path: &str) -> Result<Descriptor, LookupError> {
    root.open_at(
        PathFlags::SYMLINK_FOLLOW,
        path,
        OpenFlags::DIRECTORY,
        DescriptorFlags::READ,
    )
    .map_err(lookup_error)
}

/// The entries of a directory, one at a time, in directory order, as the
/// listing reads them; `None` after the last. A name that is not UTF-8 is
/// reported by the host as its own error, and the entries after it still come.
pub fn next_entry(entries: &DirectoryEntryStream) -> Result<Option<DirectoryEntry>, DirReadError> {
    entries.read_directory_entry().map_err(|e| match e {
        ErrorCode::IllegalByteSequence => DirReadError::UnreadableName,
        _ => DirReadError::Failed,
    })
}

fn entry(stat: &DescriptorStat) -> Entry {
    match stat.type_ {
        DescriptorType::RegularFile => Entry::File(FileMeta {
            size: stat.size,
            modified: stat.data_modification_timestamp.map(|t| Timestamp {
                seconds: t.seconds,
                nanoseconds: t.nanoseconds,
            }),
        }),
        DescriptorType::Directory => Entry::Directory,
        _ => Entry::Other,
    }
}

fn lookup_error(e: ErrorCode) -> LookupError {
    LookupError::from(wasi_fileserver_core::fs_error_of!(ErrorCode, e))
}
