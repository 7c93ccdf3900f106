//! The served root on `wasi:filesystem@0.3`: finding its preopen, answering
//! the core's questions (`Root`), opening files and directories read-only.

use wasi_fileserver_core::answer::root::{NextEntry, Root};
use wasi_fileserver_core::answer::root_preopen::root_preopen;
use wasi_fileserver_core::decide::file_lookup::{opened_file_meta, Entry, LookupError};
use wasi_fileserver_core::decide::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::render::listing::EntriesEnd;
use wasi_fileserver_core::settings::Settings;
use wasip3::filesystem::preopens::get_directories;
use wasip3::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    Instant, OpenFlags, PathFlags,
};
use wasip3::wit_bindgen::rt::async_support::{FutureReader, StreamReader, StreamResult};

/// The served root's preopen (found once per instance).
pub fn open_root(settings: &Settings) -> Option<&'static Descriptor> {
    root_preopen(settings, get_directories)
}

/// The served root for the core.
#[derive(Clone, Copy)]
pub struct RootDir(pub &'static Descriptor);

/// A directory being read: its entry stream, then the result that says how
/// the entries ended (`None` once taken). The descriptor is declared last, so
/// that it outlives what it gave.
pub struct OpenDir {
    entries: StreamReader<DirectoryEntry>,
    result: Option<FutureReader<Result<(), ErrorCode>>>,
    _dir: Descriptor,
}

impl Root for RootDir {
    type File = Descriptor;
    type Dir = OpenDir;

    async fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        self.0
            .stat_at(PathFlags::SYMLINK_FOLLOW, path.to_string())
            .await
            .map(|stat| entry(&stat))
            .map_err(lookup_error)
    }

    async fn open_file(&self, path: &str) -> Result<(Descriptor, FileMeta), LookupError> {
        let file = self.open(path, OpenFlags::empty()).await?;
        let stat = file.stat().await.map(|s| entry(&s)).map_err(lookup_error);
        Ok((file, opened_file_meta(stat)?))
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

    async fn open_dir(&self, path: &str) -> Result<OpenDir, LookupError> {
        let dir = self.open(path, OpenFlags::DIRECTORY).await?;
        let (entries, result) = dir.read_directory();
        Ok(OpenDir {
            entries,
            result: Some(result),
            _dir: dir,
        })
    }

    /// The stream ends after the last entry, or where the host stopped at a
    /// name that is not UTF-8 (wasmtime 48 does): the result says which.
    async fn next_entry(&self, dir: &mut OpenDir) -> NextEntry {
        if let Some(entry) = dir.entries.next().await {
            return NextEntry::Named {
                kind: wasi_fileserver_core::entry_kind_of!(DescriptorType, entry.type_),
                name: entry.name,
            };
        }
        match dir.result.take() {
            None => NextEntry::Failed,
            Some(result) => match result.await {
                Ok(()) => NextEntry::End(EntriesEnd::Complete),
                Err(ErrorCode::IllegalByteSequence) => {
                    NextEntry::End(EntriesEnd::StoppedAtUnreadableName)
                }
                Err(_) => NextEntry::Failed,
            },
        }
    }
}

impl RootDir {
    /// Opens `path` read-only, following symlinks.
    async fn open(&self, path: &str, flags: OpenFlags) -> Result<Descriptor, LookupError> {
        let follow = PathFlags::SYMLINK_FOLLOW;
        let opened = self
            .0
            .open_at(follow, path.to_string(), flags, DescriptorFlags::READ);
        opened.await.map_err(lookup_error)
    }
}

fn entry(stat: &DescriptorStat) -> Entry {
    let modified = stat.data_modification_timestamp.and_then(timestamp);
    match stat.type_ {
        DescriptorType::RegularFile => Entry::File(FileMeta {
            size: stat.size,
            modified,
        }),
        DescriptorType::Directory => Entry::Directory(modified),
        _ => Entry::Other,
    }
}

/// WASI 0.3 times are signed; one before 1970 is treated as unknown.
fn timestamp(t: Instant) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: u64::try_from(t.seconds).ok()?,
        nanoseconds: t.nanoseconds,
    })
}

fn lookup_error(e: ErrorCode) -> LookupError {
    LookupError::from(wasi_fileserver_core::fs_error_of!(ErrorCode, e))
}
