//! `decide` asks its questions through the synchronous `FileLookup` trait,
//! while a `Root` answers asynchronously. `Lookups` bridges the two without
//! touching `decide`: it answers from what it has already looked up and
//! notes every other path; `answer` then looks those up and runs `decide`
//! again. `decide` is pure, so each run asks the same questions up to the
//! first unknown one, and a run with no unknown path is the real decision (a
//! handful of `stat` calls: the path, an index file, its precompressed variants,
//! the fallback pages).

use std::cell::RefCell;

use super::manifest_digest::manifest_digest;
use super::root::Root;
use crate::decide::companion_paths;
use crate::decide::file_lookup::{Entry, FileLookup, LookupError};
use crate::manifest::digest::Sha256Digest;

/// `stat` answers and manifest digests known so far, and the paths `decide`
/// asked about that are not.
#[derive(Default)]
pub(crate) struct Lookups {
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
    /// Looks up every path the last run asked about and did not know; false
    /// when there was none (the last run's plan stands).
    pub(crate) async fn resolve_unknown(
        &mut self,
        root: &impl Root,
        manifest: Option<&str>,
    ) -> bool {
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
            let answer = root.stat(&path).await;
            // What `decide` will ask next about a file: look it up now rather
            // than after one more run.
            if matches!(answer, Ok(Entry::File(_))) {
                for companion in companion_paths(&path) {
                    if !self.known.iter().any(|(known, _)| *known == companion) {
                        let answer = root.stat(&companion).await;
                        self.known.push((companion, answer));
                    }
                }
            }
            self.known.push((path, answer));
        }
        true
    }
}
