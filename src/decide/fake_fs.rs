//! A filesystem of listed entries, for testing the decision without WASI:
//! the core's unit tests and the `decide_render` fuzz target use it. It
//! notes every path asked of it, so that a test can check none leaves the
//! root.

use std::cell::RefCell;

use crate::decide::file_lookup::{Entry, FileLookup, LookupError};
use crate::manifest::digest::Sha256Digest;

/// Paths (relative to the root, `.` for the root) and what `stat` answers
/// for each; every other path is missing.
pub struct FakeFs {
    entries: Vec<(String, Result<Entry, LookupError>)>,
    /// The manifest's answer for a file and its size; none: no manifest.
    digest: Option<fn(&str, u64) -> Option<Sha256Digest>>,
    asked: RefCell<Vec<String>>,
}

impl FakeFs {
    pub fn new<P: Into<String>>(
        entries: impl IntoIterator<Item = (P, Result<Entry, LookupError>)>,
    ) -> FakeFs {
        FakeFs {
            entries: entries
                .into_iter()
                .map(|(path, entry)| (path.into(), entry))
                .collect(),
            digest: None,
            asked: RefCell::new(Vec::new()),
        }
    }

    /// With a manifest whose digests `digest` gives.
    pub fn with_digests(mut self, digest: fn(&str, u64) -> Option<Sha256Digest>) -> FakeFs {
        self.digest = Some(digest);
        self
    }

    /// Every path asked so far, by `stat` or `digest`, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.borrow().clone()
    }
}

impl FileLookup for FakeFs {
    fn stat(&self, path: &str) -> Result<Entry, LookupError> {
        self.asked.borrow_mut().push(path.to_string());
        self.entries
            .iter()
            .find(|(known, _)| known == path)
            .map_or(Err(LookupError::NotFound), |(_, entry)| *entry)
    }

    fn digest(&self, path: &str, size: u64) -> Option<Sha256Digest> {
        self.asked.borrow_mut().push(path.to_string());
        (self.digest?)(path, size)
    }
}
