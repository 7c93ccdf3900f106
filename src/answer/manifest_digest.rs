//! The `MANIFEST`'s hash of a file, read from the root: a binary search over
//! the sorted manifest, a few positioned reads of at most a few KiB.

use super::root::Root;
use crate::manifest::digest::Sha256Digest;
use crate::manifest::search::{ManifestSearch, Step};

/// The manifest's hash of `path` (a file of `size` bytes), unless it has no
/// entry or a stale one.
pub(crate) async fn manifest_digest(
    root: &impl Root,
    manifest: &str,
    path: &str,
    size: u64,
) -> Option<Sha256Digest> {
    let (file, manifest) = root.open_file(manifest).await.ok()?;
    let mut search = ManifestSearch::new(path, manifest.size);
    loop {
        match search.step() {
            Step::Found(entry) => return entry.checked_digest(path, size),
            Step::Absent => return None,
            Step::Read { offset, len } => {
                let bytes = root.read(&file, offset, len).await.unwrap_or_default();
                search.feed(&bytes);
            }
        }
    }
}
