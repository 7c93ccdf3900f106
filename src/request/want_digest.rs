//! `Want-Repr-Digest` (RFC 9530 section 4): a dictionary of algorithms and
//! preferences from 0 (not wanted) to 10. Only `sha-256` is ever sent; the
//! field decides whether it is.

/// Whether this server can send a digest at all (a manifest is set): if not,
/// `Want-Repr-Digest` is not even looked up, which saves a host call per
/// request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestOffer {
    None,
    Sha256,
}

/// What the client said about `sha-256`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DigestPreference {
    /// No field, no `sha-256` in it, or a field that does not parse: the
    /// digest is sent, as to any client.
    #[default]
    Unstated,
    /// `sha-256` with a preference of 1 to 10.
    Wanted,
    /// `sha-256=0`.
    Refused,
}

impl DigestPreference {
    pub fn parse(value: Option<&str>) -> DigestPreference {
        let Some(value) = value else {
            return DigestPreference::Unstated;
        };
        for member in value.split(',') {
            let Some((key, weight)) = member.split_once('=') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("sha-256") {
                continue;
            }
            // Parameters (`;a=b`) may follow the integer.
            let weight = weight.split(';').next().unwrap_or_default().trim();
            return match weight.parse::<u8>() {
                Ok(0) => DigestPreference::Refused,
                Ok(1..=10) => DigestPreference::Wanted,
                _ => DigestPreference::Unstated,
            };
        }
        DigestPreference::Unstated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences() {
        use DigestPreference::*;
        assert_eq!(DigestPreference::parse(None), Unstated);
        assert_eq!(DigestPreference::parse(Some("sha-256=10")), Wanted);
        assert_eq!(
            DigestPreference::parse(Some("sha-512=3, sha-256=1")),
            Wanted
        );
        assert_eq!(DigestPreference::parse(Some("sha-256=0")), Refused);
        assert_eq!(DigestPreference::parse(Some("sha-512=10")), Unstated);
        assert_eq!(DigestPreference::parse(Some("sha-256=11")), Unstated);
        assert_eq!(DigestPreference::parse(Some("sha-256")), Unstated);
        assert_eq!(DigestPreference::parse(Some("SHA-256=5;x=1")), Wanted);
    }
}
