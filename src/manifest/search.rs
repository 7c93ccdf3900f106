//! A binary search for one path in a sorted manifest, without I/O of its
//! own: it says which bytes to read next (`Step::Read`), the glue reads them
//! (positioned, a few KiB) and hands them back (`feed`). Both glues drive the
//! same search, one synchronously, one with async reads.
//!
//! The search narrows `[lo, hi)`, the bytes where the wanted entry's line
//! may start: a probe reads from the middle, skips to the next line start,
//! and compares the first entry found there. Once the range is one window
//! small, a scan reads it whole. Lines longer than `LONGEST_LINE` are not
//! found reliably (`host-test manifest` paths are far shorter).

use super::digest::Sha256Digest;
use super::line::{compare, ManifestLine};
use std::cmp::Ordering;

/// The longest manifest line a lookup copes with.
pub const LONGEST_LINE: u64 = 4096;
/// Bytes read by a probe: enough for the partial line it lands in and the
/// next one, for typical paths; a longer line is read again whole.
const PROBE_READ: u64 = 1024;
/// More reads than a search can need (a 2^64-byte file needs 64 probes):
/// a guard against a manifest that changes while it is read.
const MOST_READS: u32 = 80;

/// What the manifest says about one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManifestEntry {
    pub digest: Sha256Digest,
    /// From `# size N` after the entry, when present.
    pub size: Option<u64>,
}

impl ManifestEntry {
    /// The digest, unless the entry is stale: recorded with another size.
    fn digest_for_size(&self, size: u64) -> Option<Sha256Digest> {
        match self.size {
            Some(recorded) if recorded != size => None,
            _ => Some(self.digest),
        }
    }

    /// As `digest_for_size`, saying on stderr (once per path and instance,
    /// for the first few) that an entry of `path` is stale.
    pub(crate) fn checked_digest(&self, path: &str, size: u64) -> Option<Sha256Digest> {
        let digest = self.digest_for_size(size);
        if digest.is_none() {
            report_stale(path, self.size.unwrap_or_default(), size);
        }
        digest
    }
}

/// Stale paths reported so far by this instance, and how many it reports.
const REPORTED_STALE: usize = 16;

fn report_stale(path: &str, recorded: u64, size: u64) {
    thread_local! {
        static SAID: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SAID.with(|said| {
        let Ok(mut said) = said.try_borrow_mut() else {
            return;
        };
        if said.len() < REPORTED_STALE && !said.iter().any(|p| p == path) {
            said.push(path.to_string());
            eprintln!(
                "wasi-fileserver: the manifest's entry for {path} is stale ({recorded} bytes \
                 recorded, {size} on disk): no digest, ETag from size and time"
            );
        }
    });
}

/// What the search wants next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read up to `len` bytes at `offset` and `feed` them (fewer at the end
    /// of the file; none on a read error, which ends the search).
    Read {
        offset: u64,
        len: u64,
    },
    Found(ManifestEntry),
    Absent,
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// Reading from `mid - 1`: the first line start at or after `mid`.
    Probe {
        mid: u64,
    },
    /// Reading lines from `start` (a line start), for the probe at `mid`.
    Lines {
        start: u64,
        mid: u64,
    },
    /// Reading `[lo, hi)` and a line beyond, line by line.
    Scan,
    /// Reading the line after a found entry, for its size.
    Size {
        digest: Sha256Digest,
    },
    Done(Option<ManifestEntry>),
}

/// How lines found by a read narrow the range.
#[derive(Clone, Copy)]
enum Walk {
    Probe { mid: u64 },
    Scan,
}

pub struct ManifestSearch<'w> {
    wanted: &'w str,
    file_size: u64,
    lo: u64,
    hi: u64,
    pending: Pending,
    /// Where the pending read starts.
    offset: u64,
    reads: u32,
}

impl<'w> ManifestSearch<'w> {
    /// A search for `wanted` (relative to the root, as the manifest writes
    /// paths) in a manifest of `file_size` bytes.
    pub fn new(wanted: &'w str, file_size: u64) -> ManifestSearch<'w> {
        let mut search = ManifestSearch {
            wanted,
            file_size,
            lo: 0,
            hi: file_size,
            pending: Pending::Done(None),
            offset: 0,
            reads: 0,
        };
        search.plan();
        search
    }

    pub fn step(&self) -> Step {
        match self.pending {
            Pending::Done(Some(entry)) => Step::Found(entry),
            Pending::Done(None) => Step::Absent,
            Pending::Probe { .. } => self.read(PROBE_READ),
            Pending::Lines { .. } | Pending::Size { .. } => {
                self.read(LONGEST_LINE.saturating_mul(2))
            }
            Pending::Scan => {
                self.read(self.hi.saturating_sub(self.lo).saturating_add(LONGEST_LINE))
            }
        }
    }

    fn read(&self, len: u64) -> Step {
        Step::Read {
            offset: self.offset,
            len: len.min(self.file_size.saturating_sub(self.offset)),
        }
    }

    /// The bytes the last `Step::Read` asked for.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.reads = self.reads.saturating_add(1);
        if bytes.is_empty() || self.reads > MOST_READS {
            self.pending = Pending::Done(None);
            return;
        }
        let base = self.offset;
        match self.pending {
            Pending::Probe { mid } => match bytes.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let start = base.saturating_add(as_u64(i)).saturating_add(1);
                    self.walk(base, bytes, start, Walk::Probe { mid });
                }
                // Inside a line longer than the read: look below `mid`.
                None => self.narrow_hi(mid),
            },
            Pending::Lines { start, mid } => self.walk(base, bytes, start, Walk::Probe { mid }),
            Pending::Scan => self.walk(base, bytes, base, Walk::Scan),
            Pending::Size { digest } => {
                let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
                let size = match ManifestLine::parse(line) {
                    ManifestLine::Size(size) => Some(size),
                    _ => None,
                };
                self.pending = Pending::Done(Some(ManifestEntry { digest, size }));
            }
            Pending::Done(_) => {}
        }
    }

    /// The lines of `bytes` (read at `base`) from the line start `start`.
    fn walk(&mut self, base: u64, bytes: &[u8], start: u64, walk: Walk) {
        let end = base.saturating_add(as_u64(bytes.len()));
        let mut pos = start;
        loop {
            if pos >= self.hi {
                match walk {
                    Walk::Probe { mid } => self.narrow_hi(mid),
                    Walk::Scan => self.pending = Pending::Done(None),
                }
                return;
            }
            let rest = usize::try_from(pos.saturating_sub(base))
                .ok()
                .and_then(|at| bytes.get(at..))
                .unwrap_or_default();
            let (line, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(j) => (
                    rest.get(..j).unwrap_or_default(),
                    pos.saturating_add(as_u64(j)).saturating_add(1),
                ),
                // The last line, without its newline.
                None if end >= self.file_size => (rest, self.file_size),
                // Cut off by the read: read again from its start.
                None if pos > base => {
                    self.pending = match walk {
                        Walk::Probe { mid } => Pending::Lines { start: pos, mid },
                        Walk::Scan => {
                            self.lo = pos;
                            Pending::Scan
                        }
                    };
                    self.offset = pos;
                    return;
                }
                // A line longer than a whole read.
                None => {
                    match walk {
                        Walk::Probe { mid } => self.narrow_hi(mid),
                        Walk::Scan => self.pending = Pending::Done(None),
                    }
                    return;
                }
            };
            if let ManifestLine::Entry { digest, path } = ManifestLine::parse(line) {
                match (compare(&path, self.wanted), walk) {
                    (Ordering::Equal, _) => {
                        self.found(digest, base, bytes, next);
                        return;
                    }
                    (Ordering::Less, Walk::Scan) => {}
                    (Ordering::Less, Walk::Probe { .. }) => {
                        self.lo = next;
                        self.plan();
                        return;
                    }
                    (Ordering::Greater, Walk::Scan) => {
                        self.pending = Pending::Done(None);
                        return;
                    }
                    (Ordering::Greater, Walk::Probe { .. }) => {
                        self.hi = pos;
                        self.plan();
                        return;
                    }
                }
            }
            pos = next;
        }
    }

    /// The entry is found; its size is on the next line, if anywhere.
    fn found(&mut self, digest: Sha256Digest, base: u64, bytes: &[u8], next: u64) {
        let rest = usize::try_from(next.saturating_sub(base))
            .ok()
            .and_then(|at| bytes.get(at..))
            .unwrap_or_default();
        let end = base.saturating_add(as_u64(bytes.len()));
        let size_line = match rest.iter().position(|&b| b == b'\n') {
            Some(j) => Some(rest.get(..j).unwrap_or_default()),
            None if end >= self.file_size => Some(rest),
            None => None,
        };
        match size_line {
            Some(line) => {
                let size = match ManifestLine::parse(line) {
                    ManifestLine::Size(size) => Some(size),
                    _ => None,
                };
                self.pending = Pending::Done(Some(ManifestEntry { digest, size }));
            }
            None => {
                self.offset = next;
                self.pending = Pending::Size { digest };
            }
        }
    }

    /// No entry starts in `[mid, hi)`.
    fn narrow_hi(&mut self, mid: u64) {
        self.hi = mid;
        self.plan();
    }

    fn plan(&mut self) {
        if self.lo >= self.hi {
            self.pending = Pending::Done(None);
        } else if self.hi.saturating_sub(self.lo) <= LONGEST_LINE {
            self.offset = self.lo;
            self.pending = Pending::Scan;
        } else {
            let mid = self.lo.saturating_add(self.hi.saturating_sub(self.lo) / 2);
            self.offset = mid.saturating_sub(1);
            self.pending = Pending::Probe { mid };
        }
    }

    /// Runs the search with a synchronous positioned read (`offset`, `len`);
    /// `None` from `read` (an error) ends it with no entry.
    pub fn run(
        mut self,
        mut read: impl FnMut(u64, u64) -> Option<Vec<u8>>,
    ) -> Option<ManifestEntry> {
        loop {
            match self.step() {
                Step::Found(entry) => return Some(entry),
                Step::Absent => return None,
                Step::Read { offset, len } => {
                    let bytes = read(offset, len).unwrap_or_default();
                    self.feed(&bytes);
                }
            }
        }
    }

    /// Reads so far: what a lookup cost.
    pub fn reads(&self) -> u32 {
        self.reads
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(i: usize) -> String {
        format!("{:064x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15) as u128 + 1)
    }

    /// Runs a search over `manifest` in memory.
    fn lookup(manifest: &[u8], wanted: &str) -> (Option<ManifestEntry>, u32) {
        let mut search = ManifestSearch::new(wanted, manifest.len() as u64);
        loop {
            match search.step() {
                Step::Found(entry) => return (Some(entry), search.reads()),
                Step::Absent => return (None, search.reads()),
                Step::Read { offset, len } => {
                    let start = offset as usize;
                    let end = (start + len as usize).min(manifest.len());
                    search.feed(&manifest[start..end]);
                }
            }
        }
    }

    fn manifest(paths: &[String], sizes: bool) -> Vec<u8> {
        let mut sorted: Vec<(usize, &String)> = paths.iter().enumerate().collect();
        sorted.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
        let mut out = String::new();
        for (i, path) in sorted {
            out.push_str(&format!("{}  {path}\n", hash_of(i)));
            if sizes {
                out.push_str(&format!("# size {}\n", i * 10));
            }
        }
        out.into_bytes()
    }

    #[test]
    fn every_path_is_found_and_neighbours_are_not() {
        for count in [0, 1, 2, 3, 10, 200, 3000] {
            for sizes in [false, true] {
                let paths: Vec<String> = (0..count)
                    .map(|i| format!("dir{}/file-{i}.bin", i % 7))
                    .collect();
                let m = manifest(&paths, sizes);
                for (i, path) in paths.iter().enumerate() {
                    let (entry, reads) = lookup(&m, path);
                    let entry = entry.unwrap_or_else(|| panic!("{count} {sizes} {path}"));
                    assert_eq!(
                        entry.digest,
                        Sha256Digest::from_hex(hash_of(i).as_bytes()).unwrap()
                    );
                    assert_eq!(entry.size, sizes.then_some(i as u64 * 10));
                    assert!(reads <= 24, "{count} files: {reads} reads for {path}");
                    let (missing, _) = lookup(&m, &format!("{path}x"));
                    assert_eq!(missing, None);
                }
                for absent in ["", "a", "dir0/", "dir9/file", "zzz"] {
                    assert_eq!(lookup(&m, absent).0, None, "{count} {absent}");
                }
            }
        }
    }

    #[test]
    fn lookups_of_a_large_manifest_read_a_few_kib() {
        let paths: Vec<String> = (0..100_000)
            .map(|i| format!("releases/v{}/pkg-{i}.tar.gz", i % 97))
            .collect();
        let m = manifest(&paths, true);
        for i in (0..100_000).step_by(997) {
            let (entry, reads) = lookup(&m, &paths[i]);
            assert!(entry.is_some());
            assert!(reads <= 20, "{reads} reads");
        }
    }

    #[test]
    fn comments_long_lines_and_garbage_are_stepped_over() {
        let mut m = String::from("# made by hand\n\nnot a line\n");
        m.push_str(&format!("{}  a\n", hash_of(1)));
        m.push_str(&format!("# {}\n", "x".repeat(3000)));
        m.push_str(&format!("{}  b\n# size 7\n", hash_of(2)));
        m.push_str(&format!("{}  c", hash_of(3)));
        let m = m.into_bytes();
        assert!(lookup(&m, "a").0.is_some());
        assert_eq!(lookup(&m, "b").0.map(|e| e.size), Some(Some(7)));
        assert_eq!(lookup(&m, "c").0.map(|e| e.size), Some(None));
        assert_eq!(lookup(&m, "d").0, None);
    }

    #[test]
    fn a_stale_size_gives_no_digest() {
        let entry = ManifestEntry {
            digest: Sha256Digest([1; 32]),
            size: Some(10),
        };
        assert_eq!(entry.digest_for_size(10), Some(entry.digest));
        assert_eq!(entry.digest_for_size(11), None);
        let unsized_entry = ManifestEntry {
            size: None,
            ..entry
        };
        assert_eq!(unsized_entry.digest_for_size(11), Some(entry.digest));
    }

    #[test]
    fn any_bytes_end_the_search() {
        let mut seed = 1u64;
        for round in 0..300 {
            let len = (round * 37) % 9000;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    [b'\n', b'a', b' ', b'#', b'0', b'f'][(seed >> 60) as usize % 6]
                })
                .collect();
            let _ = lookup(&bytes, "a");
        }
    }
}
