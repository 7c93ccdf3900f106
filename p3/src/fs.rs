//! The served root on `wasi:filesystem@0.3`: finding its preopen, answering
//! `stat` for the shared `decide`, opening files and directories read-only.
//!
//! `decide` asks its questions through the synchronous `FileLookup` trait,
//! while WASI 0.3's `stat-at` is async. `Lookups` bridges the two without
//! touching `decide`: it answers from what it has already looked up and notes
//! every other path; the handler then stats those paths and runs `decide`
//! again. `decide` is pure, so each run asks the same questions up to the
//! first unknown one, and a run with no unknown path is the real decision
//! (a handful of `stat-at` calls: the path, an index file, `.br`/`.gz`
//! variants, the fallback pages).

use std::cell::RefCell;

use wasi_fileserver_core::config::Settings;
use wasi_fileserver_core::file_lookup::{Entry, FileLookup, LookupError};
use wasi_fileserver_core::file_meta::{FileMeta, Timestamp};
use wasi_fileserver_core::listing::EntriesEnd;
use wasi_fileserver_core::manifest::digest::Sha256Digest;
use wasi_fileserver_core::manifest::search::{ManifestSearch, Step};
use wasi_fileserver_core::plan::companion_paths;
use wasi_fileserver_core::root_preopen::root_preopen;
use wasi_fileserver_core::rules::lines::Flow;
use wasi_fileserver_core::rules::scan::{
    rule_files, rule_request, FileScan, RuleFile, ScanResult, SiteRules, MAX_RULES_FILE, READ_CHUNK,
};
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

/// `stat` answers and manifest digests known so far, and the paths `decide`
/// asked about that are not.
#[derive(Default)]
pub struct Lookups {
    known: Vec<(String, Result<Entry, LookupError>)>,
    unknown: RefCell<Vec<String>>,
    digests: Vec<(String, Option<Sha256Digest>)>,
    /// Files (with their sizes) whose digest `decide` asked for.
    unknown_digests: RefCell<Vec<(String, u64)>>,
}

impl FileLookup for Lookups {
    fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        if let Some((_, answer)) = self.known.iter().find(|(known, _)| known == path) {
            return *answer;
        }
        let mut unknown = self.unknown.borrow_mut();
        if !unknown.iter().any(|p| p == path) {
            unknown.push(path.to_string());
        }
        // A placeholder: a run that met an unknown path is thrown away.
        Err(LookupError::Failed)
    }

    fn digest(&self, path: &str, size: u64) -> Option<Sha256Digest> {
        if let Some((_, digest)) = self.digests.iter().find(|(known, _)| known == path) {
            return *digest;
        }
        let mut unknown = self.unknown_digests.borrow_mut();
        if !unknown.iter().any(|(p, _)| p == path) {
            unknown.push((path.to_string(), size));
        }
        None
    }
}

impl Lookups {
    /// Stats every path the last run asked about and did not know; false when
    /// there was none (the last run's plan stands).
    pub async fn resolve_unknown(&mut self, root: &Descriptor, manifest: Option<&str>) -> bool {
        let unknown = std::mem::take(self.unknown.get_mut());
        let unknown_digests = std::mem::take(self.unknown_digests.get_mut());
        if unknown.is_empty() && unknown_digests.is_empty() {
            return false;
        }
        for (path, size) in unknown_digests {
            let digest = match manifest {
                Some(manifest) => manifest_digest(root, manifest, &path, size).await,
                None => None,
            };
            self.digests.push((path, digest));
        }
        for path in unknown {
            let answer = stat(root, path.clone()).await;
            // What `decide` will ask next about a file: look it up now rather
            // than after one more run.
            if matches!(answer, Ok(Entry::File(_))) {
                for companion in companion_paths(&path) {
                    if !self.known.iter().any(|(known, _)| *known == companion) {
                        let answer = stat(root, companion.clone()).await;
                        self.known.push((companion, answer));
                    }
                }
            }
            self.known.push((path, answer));
        }
        true
    }
}

/// The manifest's hash of `path` (a file of `size` bytes), unless it has no
/// entry or a stale one: a binary search, a few positioned reads.
async fn manifest_digest(
    root: &Descriptor,
    manifest: &str,
    path: &str,
    size: u64,
) -> Option<Sha256Digest> {
    let (file, manifest_size) = open_file(root, manifest).await.ok()?;
    let mut search = ManifestSearch::new(path, manifest_size);
    loop {
        match search.step() {
            Step::Found(entry) => return entry.checked_digest(path, size),
            Step::Absent => return None,
            Step::Read { offset, len } => {
                let bytes = read_at(&file, offset, len).await.unwrap_or_default();
                search.feed(&bytes);
            }
        }
    }
}

/// Up to `len` bytes at `offset` (fewer at the end of the file).
async fn read_at(file: &Descriptor, offset: u64, len: u64) -> Option<Vec<u8>> {
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

async fn stat(root: &Descriptor, path: String) -> Result<Entry, LookupError> {
    root.stat_at(PathFlags::SYMLINK_FOLLOW, path)
        .await
        .map(|stat| entry(&stat))
        .map_err(lookup_error)
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
    /// that is not UTF-8 (wasmtime 48 ends the stream there); `Err` for any
    /// other failure.
    pub async fn end(self) -> Result<EntriesEnd, ()> {
        drop(self.entries);
        match self.result.await {
            Ok(()) => Ok(EntriesEnd::Complete),
            Err(ErrorCode::IllegalByteSequence) => Ok(EntriesEnd::StoppedAtUnreadableName),
            Err(_) => Err(()),
        }
    }
}

/// What the rule files (`_redirects`, `_headers`) say about `target`, read
/// line by line, a few KiB at a time.
pub async fn read_site_rules(root: &Descriptor, target: &str, settings: &Settings) -> SiteRules {
    let mut rules = SiteRules::default();
    let Some((path, query)) = rule_request(target) else {
        return rules;
    };
    for (file, name) in rule_files(settings) {
        if let Some(found) = scan_rule_file(root, file, name, &path, query.as_deref()).await {
            rules.add(found);
        }
    }
    rules
}

/// `None` when the file is absent, too large or unreadable: no rules from it.
async fn scan_rule_file(
    root: &Descriptor,
    file: RuleFile,
    name: &str,
    path: &str,
    query: Option<&str>,
) -> Option<ScanResult> {
    let Ok(Entry::File(meta)) = stat(root, name.to_string()).await else {
        return None;
    };
    let mut scan = FileScan::start(file, name, meta, path, query)?;
    let (descriptor, _) = open_file(root, name).await.ok()?;
    let (mut input, _result) = descriptor.read_via_stream(0);
    let mut buffer = Vec::with_capacity(usize::try_from(READ_CHUNK).unwrap_or(4096));
    let mut read = 0u64;
    while read < MAX_RULES_FILE {
        buffer.clear();
        let (status, filled) = input.read(buffer).await;
        buffer = filled;
        if buffer.is_empty() || scan.feed(name, &buffer) == Flow::Stop {
            break;
        }
        read = read.saturating_add(u64::try_from(buffer.len()).unwrap_or(u64::MAX));
        if !matches!(status, StreamResult::Complete(_)) {
            break;
        }
    }
    Some(scan.finish(name))
}
