//! What `stat` tells about a file, and the validators derived from it.

use std::time::{Duration, SystemTime};

/// Modification time as WASI reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub seconds: u64,
    pub nanoseconds: u32,
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
        let (s, n) = self
            .modified
            .map(|t| (t.seconds, t.nanoseconds))
            .unwrap_or((0, 0));
        format!("\"{:x}-{:x}.{:x}\"", self.size, s, n)
    }

    /// The `Last-Modified` value (an IMF-fixdate), when the time is known.
    pub fn last_modified(&self) -> Option<String> {
        self.modified_time().map(httpdate::fmt_http_date)
    }

    /// Modification time at HTTP's one-second resolution.
    pub fn modified_time(&self) -> Option<SystemTime> {
        self.modified
            .map(|t| SystemTime::UNIX_EPOCH + Duration::from_secs(t.seconds))
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
    fn last_modified_is_imf_fixdate() {
        let m = FileMeta {
            size: 0,
            modified: Some(Timestamp {
                seconds: 784_111_777,
                nanoseconds: 999,
            }),
        };
        assert_eq!(m.last_modified().unwrap(), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            FileMeta {
                size: 0,
                modified: None
            }
            .last_modified(),
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
