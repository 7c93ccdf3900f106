//! The served root: finding its preopen, answering `stat`, opening files read-only.

use super::bindings::wasi::filesystem::preopens::get_directories;
use super::bindings::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, OpenFlags, PathFlags,
};
use crate::config::Settings;
use crate::file_lookup::{Entry, FileLookup, FsError, LookupError};
use crate::file_meta::{FileMeta, Timestamp};

/// The preopen whose guest path is the `ROOT` setting.
pub fn open_root(settings: &Settings) -> Option<Descriptor> {
    get_directories()
        .into_iter()
        .find(|(_, path)| settings.is_root(path))
        .map(|(descriptor, _)| descriptor)
}

pub struct RootLookup<'a>(pub &'a Descriptor);

impl FileLookup for RootLookup<'_> {
    fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        self.0
            .stat_at(PathFlags::SYMLINK_FOLLOW, path)
            .map(|stat| entry(&stat))
            .map_err(lookup_error)
    }
}

/// Opens a file for reading and checks that it is still a regular file: it
/// may have been replaced since the decision's `stat`.
pub fn open_file(root: &Descriptor, path: &str) -> Result<Descriptor, LookupError> {
    let file = root
        .open_at(
            PathFlags::SYMLINK_FOLLOW,
            path,
            OpenFlags::empty(),
            DescriptorFlags::READ,
        )
        .map_err(lookup_error)?;
    match file.stat().map(|s| entry(&s)) {
        Ok(Entry::File(_)) => Ok(file),
        Ok(_) => Err(LookupError::NotFound),
        Err(e) => Err(lookup_error(e)),
    }
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
    LookupError::from(match e {
        ErrorCode::NoEntry => FsError::NoEntry,
        ErrorCode::NotDirectory => FsError::NotDirectory,
        ErrorCode::IsDirectory => FsError::IsDirectory,
        ErrorCode::NameTooLong => FsError::NameTooLong,
        ErrorCode::Loop => FsError::Loop,
        ErrorCode::Access => FsError::Access,
        ErrorCode::NotPermitted => FsError::NotPermitted,
        _ => FsError::Other,
    })
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

/// The entries of a directory as (name, is directory), one at a time, in
/// directory order; `.` names are skipped unless hidden files are served. An
/// error ends the sequence after one `Err`.
pub fn directory_rows(
    dir: &Descriptor,
    serve_hidden: bool,
) -> impl Iterator<Item = Result<(String, bool), ()>> {
    let stream = dir.read_directory().map_err(|_| ());
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            let next = match &stream {
                Ok(stream) => stream.read_directory_entry().map_err(|_| ()),
                Err(()) => Err(()),
            };
            match next {
                Ok(Some(entry)) if serve_hidden || !entry.name.starts_with('.') => {
                    return Some(Ok((entry.name, entry.type_ == DescriptorType::Directory)));
                }
                Ok(Some(_)) => {}
                Ok(None) => done = true,
                Err(()) => {
                    done = true;
                    return Some(Err(()));
                }
            }
        }
        None
    })
}
