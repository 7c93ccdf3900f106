//! A file's SHA-256 as the manifest gives it, and the two ways it is sent:
//! the strong ETag and RFC 9530's `Repr-Digest`.

use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sha256Digest(pub [u8; 32]);

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Sha256Digest {
    /// From 64 hex digits (either case).
    pub(crate) fn from_hex(hex: &[u8]) -> Option<Sha256Digest> {
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            let [high, low] = pair else { return None };
            *byte = nibble(*high)?.checked_mul(16)?.checked_add(nibble(*low)?)?;
        }
        Some(Sha256Digest(bytes))
    }

    /// Lowercase hex, as `sha256sum` prints it.
    pub fn hex(&self) -> String {
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }

    /// A strong ETag from the content alone: the same on every copy of the
    /// site, whatever its files' times. 128 bits of the hash are plenty to
    /// tell versions of one file apart.
    pub fn etag(&self) -> String {
        let mut tag = String::with_capacity(42);
        tag.push_str("\"sha256-");
        for byte in self.0.iter().take(16) {
            let _ = write!(tag, "{byte:02x}");
        }
        tag.push('"');
        tag
    }

    /// The `Repr-Digest` field value: `sha-256=:<base64>:` (RFC 9530).
    pub(crate) fn repr_digest(&self) -> String {
        let mut value = String::with_capacity(56);
        value.push_str("sha-256=:");
        for group in self.0.chunks(3) {
            let b = |i: usize| u32::from(group.get(i).copied().unwrap_or(0));
            let bits = (b(0) << 16) | (b(1) << 8) | b(2);
            for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
                if i <= group.len() {
                    let index = usize::try_from((bits >> shift) & 63).unwrap_or(0);
                    value.push(char::from(BASE64.get(index).copied().unwrap_or(b'A')));
                } else {
                    value.push('=');
                }
            }
        }
        value.push(':');
        value
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => c.checked_sub(b'0'),
        b'a'..=b'f' => c.checked_sub(b'a' - 10),
        b'A'..=b'F' => c.checked_sub(b'A' - 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // sha256("abc"), as `printf abc | sha256sum` and
    // `printf abc | openssl dgst -sha256 -binary | base64` print it.
    const ABC: &[u8] = b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn hex_in_etag_and_base64_out() {
        let digest = Sha256Digest::from_hex(ABC).unwrap();
        assert_eq!(digest.0[0], 0xba);
        assert_eq!(digest.etag(), "\"sha256-ba7816bf8f01cfea414140de5dae2223\"");
        assert_eq!(
            digest.repr_digest(),
            "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:"
        );
        let upper = ABC.to_ascii_uppercase();
        assert_eq!(Sha256Digest::from_hex(&upper), Some(digest));
    }

    #[test]
    fn malformed_hex_is_refused() {
        assert_eq!(Sha256Digest::from_hex(&ABC[1..]), None);
        let mut bad = ABC.to_vec();
        bad[10] = b'g';
        assert_eq!(Sha256Digest::from_hex(&bad), None);
    }
}
