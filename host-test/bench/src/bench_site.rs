//! The directory both servers serve: files of real bytes (for throughput)
//! and sparse ones (for memory scenarios, where only the server's buffers
//! matter), removed when the `BenchSite` is dropped.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;

/// How a file's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Content {
    /// Written byte by byte (a pattern, not zeroes): what throughput is read from.
    Real,
    /// `set_len` only: reads return zeroes without touching the disk.
    Sparse,
}

/// One file to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteFile {
    pub size: u64,
    pub content: Content,
}

impl SiteFile {
    /// The URL path it is served at, e.g. `/real-64MiB.bin`.
    pub fn url_path(&self) -> String {
        let kind = match self.content {
            Content::Real => "real",
            Content::Sparse => "sparse",
        };
        format!("/{kind}-{}.bin", size_label(self.size).replace(' ', ""))
    }
}

pub struct BenchSite {
    dir: tempfile::TempDir,
}

impl BenchSite {
    /// Creates `files` in a new directory under `parent` (default: the temp dir).
    pub fn create(parent: Option<&Path>, files: &[SiteFile]) -> anyhow::Result<Self> {
        let dir = match parent {
            Some(parent) => tempfile::Builder::new()
                .prefix("host-test-bench-")
                .tempdir_in(parent),
            None => tempfile::Builder::new()
                .prefix("host-test-bench-")
                .tempdir(),
        }
        .context("creating the bench directory")?;
        for file in files {
            let path = dir.path().join(file.url_path().trim_start_matches('/'));
            write_file(&path, *file).with_context(|| format!("writing {}", path.display()))?;
        }
        crate::site_rules::write(dir.path())?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

fn write_file(path: &Path, file: SiteFile) -> std::io::Result<()> {
    let mut out = File::create(path)?;
    match file.content {
        Content::Sparse => out.set_len(file.size),
        Content::Real => {
            // A pattern with period 251, so a misplaced chunk would show.
            let block: Vec<u8> = (0..MIB).map(|i| (i % 251) as u8).collect();
            let mut left = file.size;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                out.write_all(&block[..n])?;
                left -= n as u64;
            }
            out.flush()
        }
    }
}

/// "1 KiB", "64 MiB", "1 GiB"; other sizes in bytes.
pub fn size_label(size: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if size >= unit && size.is_multiple_of(unit) {
            return format!("{} {name}", size / unit);
        }
    }
    format!("{size} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_paths() {
        assert_eq!(size_label(KIB), "1 KiB");
        assert_eq!(size_label(64 * MIB), "64 MiB");
        assert_eq!(size_label(GIB), "1 GiB");
        assert_eq!(size_label(1000), "1000 B");
        let file = SiteFile {
            size: GIB,
            content: Content::Sparse,
        };
        assert_eq!(file.url_path(), "/sparse-1GiB.bin");
    }
}
