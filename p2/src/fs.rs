//! The served root: finding its preopen, answering `stat`, opening files read-only.

use crate::bindings::wasi::filesystem::preopens::get_directories;
use crate::bindings::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry,
    DirectoryEntryStream, ErrorCode, OpenFlags, PathFlags,
};
use wasi_fileserver_core::config::Settings;
use wasi_fileserver_core::file_lookup::{Entry, FileLookup, LookupError};
use wasi_fileserver_core::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::manifest::digest::Sha256Digest;
use wasi_fileserver_core::manifest::search::ManifestSearch;
use wasi_fileserver_core::root_preopen::root_preopen;
use wasi_fileserver_core::rules::lines::Flow;
use wasi_fileserver_core::rules::scan::{
    rule_files, rule_request, FileScan, RuleFile, ScanResult, SiteRules, MAX_RULES_FILE, READ_CHUNK,
};

/// The served root's preopen (found once per instance).
pub fn open_root(settings: &Settings) -> Option<&'static Descriptor> {
    root_preopen(settings, get_directories)
}

/// What `decide` asks of the served root: `stat`, and the manifest's hash
/// of a file.
pub struct RootLookup<'a> {
    pub root: &'a Descriptor,
    /// The `MANIFEST` setting.
    pub manifest: Option<&'a str>,
}

impl FileLookup for RootLookup<'_> {
    fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        stat(self.root, path)
    }

    fn digest(&self, path: &str, size: u64) -> Option<Sha256Digest> {
        let manifest = self.manifest?;
        let Ok(Entry::File(meta)) = stat(self.root, manifest) else {
            return None;
        };
        let file = open_file(self.root, manifest).ok()?;
        ManifestSearch::new(path, meta.size)
            .run(|offset, len| file.read(len, offset).ok().map(|(bytes, _)| bytes))?
            .checked_digest(path, size)
    }
}

fn stat(root: &Descriptor, path: &str) -> Result<Entry, LookupError> {
    root.stat_at(PathFlags::SYMLINK_FOLLOW, path)
        .map(|stat| entry(&stat))
        .map_err(lookup_error)
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
    LookupError::from(wasi_fileserver_core::fs_error_of!(ErrorCode, e))
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
/// listing reads them; `None` after the last, `Err` when reading failed.
/// A name that is not UTF-8 is reported by the host as its own error, and
/// the entries after it still come.
pub fn next_entry(entries: &DirectoryEntryStream) -> Result<Option<DirectoryEntry>, ReadError> {
    entries.read_directory_entry().map_err(|e| match e {
        ErrorCode::IllegalByteSequence => ReadError::UnreadableName,
        _ => ReadError::Failed,
    })
}

/// Why an entry could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Its name is not UTF-8: skip it, read on.
    UnreadableName,
    /// The directory cannot be read on.
    Failed,
}

/// What the rule files (`_redirects`, `_headers`) say about `target`, read
/// line by line, a few KiB at a time.
pub fn read_site_rules(root: &Descriptor, target: &str, settings: &Settings) -> SiteRules {
    let mut rules = SiteRules::default();
    let Some((path, query)) = rule_request(target) else {
        return rules;
    };
    for (file, name) in rule_files(settings) {
        if let Some(found) = scan_rule_file(root, file, name, &path, query.as_deref()) {
            rules.add(found);
        }
    }
    rules
}

/// `None` when the file is absent, too large or unreadable: no rules from it.
fn scan_rule_file(
    root: &Descriptor,
    file: RuleFile,
    name: &str,
    path: &str,
    query: Option<&str>,
) -> Option<ScanResult> {
    let Ok(Entry::File(meta)) = stat(root, name) else {
        return None;
    };
    let mut scan = FileScan::start(file, name, meta, path, query)?;
    let descriptor = open_file(root, name).ok()?;
    let mut offset = 0u64;
    while offset < MAX_RULES_FILE {
        let (chunk, end) = descriptor.read(READ_CHUNK, offset).ok()?;
        if chunk.is_empty() || scan.feed(name, &chunk) == Flow::Stop {
            break;
        }
        offset = offset.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if end {
            break;
        }
    }
    Some(scan.finish(name))
}
