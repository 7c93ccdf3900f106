//! The site's content manifest (`MANIFEST`): `sha256sum` lines sorted by
//! path, looked up with a binary search over positioned reads, so that a
//! request reads a few KiB of it whatever the site's size and nothing of it
//! is kept. An entry gives the file's hash (its ETag and `Repr-Digest`) and,
//! when `host-test manifest` wrote it, its size, which guards against a
//! stale entry.

pub mod digest;
pub mod line;
pub mod search;
