//! What `stat` tells about a file, and the validators derived from it.

use std::time::{Duration, SystemTime};

/// Modification time as WASI reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub seconds: u64,
    pub nanoseconds: u32,
}

impl Timestamp {
    /// This time, when this platform's clock type can hold it.
    pub(crate) fn system_time(&self) -> Option<SystemTime> {
        let nanoseconds = self.nanoseconds.min(999_999_999);
        SystemTime::UNIX_EPOCH.checked_add(Duration::new(self.seconds, nanoseconds))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileMeta {
    /// u64: files over 4 GiB are served from a 32-bit guest.
    pub size: u64,
    pub modified: Option<Timestamp>,
}

impl FileMeta {
    /// A strong ETag from size and modification time (with nanoseconds), never
    /// from the content: computing it must not read the file.
    pub fn etag(&self) -> String {
        let (size, s, n) = self.etag_parts();
        format!("\"{size:x}-{s:x}.{n:x}\"")
    }

    /// The ETag of a variant of the same file, marked by `suffix` (a
    /// content-coding token) so that two variants never share one.
    pub(crate) fn etag_with_suffix(&self, suffix: &str) -> String {
        let (size, s, n) = self.etag_parts();
        format!("\"{size:x}-{s:x}.{n:x}-{suffix}\"")
    }

    fn etag_parts(&self) -> (u64, u64, u32) {
        let (s, n) = self
            .modified
            .map(|t| (t.seconds, t.nanoseconds))
            .unwrap_or((0, 0));
        (self.size, s, n)
    }

    /// The modification time, when the file system gave one that this
    /// platform's clock type can hold.
    pub(crate) fn modified_time(&self) -> Option<SystemTime> {
        self.modified?.system_time()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_changes_with_size_and_nanoseconds() {
        let a = FileMeta {
            size: 10,
            modified: Some(Timestamp {
                seconds: 1_700_000_000,
                nanoseconds: 5,
            }),
        };
        let b = FileMeta {
            modified: Some(Timestamp {
                seconds: 1_700_000_000,
                nanoseconds: 6,
            }),
            ..a
        };
        let c = FileMeta { size: 11, ..a };
        assert_eq!(a.etag(), "\"a-6553f100.5\"");
        assert_ne!(a.etag(), b.etag());
        assert_ne!(a.etag(), c.etag());
        assert!(a.etag().starts_with('"') && !a.etag().starts_with("W/"));
    }

    #[test]
    fn modified_time_never_overflows() {
        let at = |seconds, nanoseconds| FileMeta {
            size: 0,
            modified: Some(Timestamp {
                seconds,
                nanoseconds,
            }),
        };
        assert_eq!(
            at(784_111_777, 999).modified_time(),
            Some(SystemTime::UNIX_EPOCH + Duration::new(784_111_777, 999))
        );
        // Whatever the platform's limit, these are refused, not a panic.
        let _ = at(u64::MAX, 999_999_999).modified_time();
        let _ = at(i64::MAX as u64, u32::MAX).modified_time();
        assert_eq!(
            FileMeta {
                size: 0,
                modified: None
            }
            .modified_time(),
            None
        );
    }

    #[test]
    fn sizes_beyond_4_gib() {
        let m = FileMeta {
            size: 5 << 30,
            modified: None,
        };
        assert_eq!(m.etag(), "\"140000000-0.0\"");
    }
}
