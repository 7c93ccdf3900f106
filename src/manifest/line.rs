//! One line of a `sha256sum` manifest: an entry (`<64 hex>  <path>` or
//! `<64 hex> *<path>`; a leading `\` marks a path with `\\` and `\n`
//! escapes, as `sha256sum` writes names holding those), the size comment
//! `host-test manifest` puts after each entry (`# size <bytes>`), or
//! anything else (other comments, blank or malformed lines), which a lookup
//! steps over.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::digest::Sha256Digest;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManifestLine<'a> {
    Entry {
        digest: Sha256Digest,
        /// Relative to the root, without a leading `./`, unescaped.
        path: Cow<'a, [u8]>,
    },
    Size(u64),
    Other,
}

impl ManifestLine<'_> {
    pub fn parse(line: &[u8]) -> ManifestLine<'_> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(comment) = line.strip_prefix(b"# size ") {
            return std::str::from_utf8(comment)
                .ok()
                .and_then(|size| size.trim().parse().ok())
                .map_or(ManifestLine::Other, ManifestLine::Size);
        }
        let (escaped, line) = match line.strip_prefix(b"\\") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let (Some(hex), Some(rest)) = (line.get(..64), line.get(64..)) else {
            return ManifestLine::Other;
        };
        let Some(digest) = Sha256Digest::from_hex(hex) else {
            return ManifestLine::Other;
        };
        let Some(path) = rest
            .strip_prefix(b"  ")
            .or_else(|| rest.strip_prefix(b" *"))
        else {
            return ManifestLine::Other;
        };
        let path = path.strip_prefix(b"./").unwrap_or(path);
        if path.is_empty() {
            return ManifestLine::Other;
        }
        let path = if escaped {
            match unescape(path) {
                Some(path) => Cow::Owned(path),
                None => return ManifestLine::Other,
            }
        } else {
            Cow::Borrowed(path)
        };
        ManifestLine::Entry { digest, path }
    }
}

/// The lines of one entry as `host-test manifest` writes them, which
/// `ManifestLine::parse` reads back: `sha256sum`'s line for `path` (with its
/// escapes for `\`, `\n` and `\r`, as coreutils 9 writes them), then, with
/// `size`, the size comment.
pub fn entry_lines(digest: &Sha256Digest, path: &[u8], size: Option<u64>) -> Vec<u8> {
    let escape = path
        .iter()
        .any(|byte| matches!(byte, b'\\' | b'\n' | b'\r'));
    let mut out = Vec::with_capacity(path.len().saturating_add(96));
    if escape {
        out.push(b'\\');
    }
    out.extend_from_slice(digest.hex().as_bytes());
    out.extend_from_slice(b"  ");
    for &byte in path {
        match byte {
            b'\\' if escape => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
    out.push(b'\n');
    if let Some(size) = size {
        out.extend_from_slice(format!("# size {size}\n").as_bytes());
    }
    out
}

/// `sha256sum`'s escapes: `\\`, `\n` and `\r`; any other is malformed.
fn unescape(path: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(path.len());
    let mut bytes = path.iter();
    while let Some(&byte) = bytes.next() {
        out.push(match byte {
            b'\\' => match bytes.next()? {
                b'\\' => b'\\',
                b'n' => b'\n',
                b'r' => b'\r',
                _ => return None,
            },
            other => other,
        });
    }
    Some(out)
}

/// How a manifest path sorts against the path looked up: bytewise, the order
/// of `LC_ALL=C sort`.
pub fn compare(manifest_path: &[u8], wanted: &str) -> Ordering {
    manifest_path.cmp(wanted.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn entry_path(line: &str) -> Option<Vec<u8>> {
        match ManifestLine::parse(line.as_bytes()) {
            ManifestLine::Entry { path, .. } => Some(path.into_owned()),
            _ => None,
        }
    }

    #[test]
    fn entries_in_both_modes_with_and_without_dot_slash() {
        assert_eq!(
            entry_path(&format!("{HASH}  a/b.txt")),
            Some(b"a/b.txt".to_vec())
        );
        assert_eq!(
            entry_path(&format!("{HASH} *a/b.txt")),
            Some(b"a/b.txt".to_vec())
        );
        assert_eq!(entry_path(&format!("{HASH}  ./a b")), Some(b"a b".to_vec()));
        assert_eq!(entry_path(&format!("{HASH}  a\r")), Some(b"a".to_vec()));
    }

    #[test]
    fn escaped_names() {
        assert_eq!(
            entry_path(&format!("\\{HASH}  back\\\\slash\\nline")),
            Some(b"back\\slash\nline".to_vec())
        );
        assert_eq!(entry_path(&format!("\\{HASH}  bad\\q")), None);
    }

    #[test]
    fn what_entry_lines_writes_parses_back() {
        let digest = Sha256Digest::from_hex(HASH.as_bytes()).unwrap();
        for path in [
            &b"a/b.txt"[..],
            b"back\\slash",
            b"new\nline\r",
            b"\\\n",
            b"sp ace",
        ] {
            let written = entry_lines(&digest, path, Some(42));
            let mut lines = written.split(|&b| b == b'\n');
            let entry = ManifestLine::parse(lines.next().unwrap());
            assert_eq!(
                entry,
                ManifestLine::Entry {
                    digest,
                    path: Cow::Borrowed(path)
                },
                "{:?}",
                String::from_utf8_lossy(&written)
            );
            assert_eq!(
                ManifestLine::parse(lines.next().unwrap()),
                ManifestLine::Size(42)
            );
            assert_eq!(lines.next(), Some(&b""[..]));
        }
        assert_eq!(
            entry_lines(&digest, b"a", None),
            format!("{HASH}  a\n").into_bytes()
        );
    }

    #[test]
    fn sizes_and_everything_else() {
        assert_eq!(
            ManifestLine::parse(b"# size 1234"),
            ManifestLine::Size(1234)
        );
        assert_eq!(ManifestLine::parse(b"# size -1"), ManifestLine::Other);
        assert_eq!(ManifestLine::parse(b"# a comment"), ManifestLine::Other);
        assert_eq!(ManifestLine::parse(b""), ManifestLine::Other);
        assert_eq!(
            ManifestLine::parse(&HASH.as_bytes()[..63]),
            ManifestLine::Other
        );
        assert_eq!(entry_path(&format!("{HASH} a")), None);
        assert_eq!(entry_path(&format!("{HASH}  ")), None);
    }
}
