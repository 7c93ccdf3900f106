#![no_main]
//! A manifest of any content, read in pieces of any size, searched for any
//! path: no panic; the search ends within its read budget; a found entry is
//! a line of the manifest with that path and that hash.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasi_fileserver_core::manifest::line::ManifestLine;
use wasi_fileserver_core::manifest::search::{ManifestSearch, Step};

#[derive(Arbitrary, Debug)]
struct Input {
    manifest: Vec<u8>,
    wanted: String,
    /// Reads return at most this many bytes (a short read), 0: all asked.
    short: u16,
}

fuzz_target!(|input: Input| {
    let size = input.manifest.len() as u64;
    let mut search = ManifestSearch::new(&input.wanted, size);
    let mut reads = 0u32;
    let found = loop {
        match search.step() {
            Step::Found(entry) => break Some(entry),
            Step::Absent => break None,
            Step::Read { offset, len } => {
                reads += 1;
                assert!(reads <= 100, "a search that does not end");
                assert!(offset < size && len > 0 && offset + len <= size, "{offset}+{len} of {size}");
                let mut len = len as usize;
                if input.short > 0 {
                    len = len.min(usize::from(input.short));
                }
                let start = offset as usize;
                search.feed(&input.manifest[start..start + len]);
            }
        }
    };
    if let Some(entry) = found {
        let listed = input.manifest.split(|&b| b == b'\n').any(|line| {
            matches!(ManifestLine::parse(line), ManifestLine::Entry { digest, path }
                if digest == entry.digest && *path == *input.wanted.as_bytes())
        });
        assert!(listed, "found {entry:?} for {:?}, which no line lists", input.wanted);
    }
});
