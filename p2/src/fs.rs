//! The served root on `wasi:filesystem@0.2`: finding its preopen, answering
//! the core's questions (`Root`), opening files and directories read-only.

use crate::bindings::wasi::clocks::wall_clock::Datetime;
use crate::bindings::wasi::filesystem::preopens::get_directories;
use crate::bindings::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntryStream, ErrorCode,
    OpenFlags, PathFlags,
};
use wasi_fileserver_core::answer::root::{NextEntry, Root};
use wasi_fileserver_core::answer::root_preopen::root_preopen;
use wasi_fileserver_core::decide::file_lookup::{opened_file_meta, Entry, LookupError};
use wasi_fileserver_core::decide::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::render::listing::EntriesEnd;
use wasi_fileserver_core::settings::Settings;

/// The served root's preopen (found once per instance).
pub fn open_root(settings: &Settings) -> Option<&'static Descriptor> {
    root_preopen(settings, get_directories)
}

/// The served root for the core. WASI 0.2's calls block, so every future
/// is ready at once.
#[derive(Clone, Copy)]
pub struct RootDir(pub &'static Descriptor);

/// A directory being read: the entry stream is the descriptor's child
/// resource, so it is declared (and dropped) first.
pub struct OpenDir {
    entries: DirectoryEntryStream,
    _dir: Descriptor,
}

impl Root for RootDir {
    type File = Descriptor;
    type Dir = OpenDir;

    async fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        self.0
            .stat_at(PathFlags::SYMLINK_FOLLOW, path)
            .map(|stat| entry(&stat))
            .map_err(lookup_error)
    }

    async fn open_file(&self, path: &str) -> Result<(Descriptor, FileMeta), LookupError> {
        let file = self.open(path, OpenFlags::empty())?;
        let meta = opened_file_meta(file.stat().map(|s| entry(&s)).map_err(lookup_error))?;
        Ok((file, meta))
    }

    async fn read(&self, file: &Descriptor, offset: u64, len: u64) -> Option<Vec<u8>> {
        file.read(len, offset).ok().map(|(bytes, _end)| bytes)
    }

    async fn open_dir(&self, path: &str) -> Result<OpenDir, LookupError> {
        let dir = self.open(path, OpenFlags::DIRECTORY)?;
        let entries = dir.read_directory().map_err(lookup_error)?;
        Ok(OpenDir { entries, _dir: dir })
    }

    /// A name that is not UTF-8 is reported by the host as its own error,
    /// and the entries after it still come.
    async fn next_entry(&self, dir: &mut OpenDir) -> NextEntry {
        match dir.entries.read_directory_entry() {
            Ok(Some(entry)) => NextEntry::Named {
                kind: wasi_fileserver_core::entry_kind_of!(DescriptorType, entry.type_),
                name: entry.name,
            },
            Ok(None) => NextEntry::End(EntriesEnd::Complete),
            Err(ErrorCode::IllegalByteSequence) => NextEntry::UnreadableName,
            Err(_) => NextEntry::Failed,
        }
    }
}

impl RootDir {
    /// Opens `path` read-only, following symlinks.
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Descriptor, LookupError> {
        let follow = PathFlags::SYMLINK_FOLLOW;
        let opened = self.0.open_at(follow, path, flags, DescriptorFlags::READ);
        opened.map_err(lookup_error)
    }
}

fn entry(stat: &DescriptorStat) -> Entry {
    match stat.type_ {
        DescriptorType::RegularFile => Entry::File(FileMeta {
            size: stat.size,
            modified: stat.data_modification_timestamp.map(timestamp),
        }),
        DescriptorType::Directory => {
            Entry::Directory(stat.data_modification_timestamp.map(timestamp))
        }
        _ => Entry::Other,
    }
}

fn timestamp(t: Datetime) -> Timestamp {
    Timestamp {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

fn lookup_error(e: ErrorCode) -> LookupError {
    LookupError::from(wasi_fileserver_core::fs_error_of!(ErrorCode, e))
}
