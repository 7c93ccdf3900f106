//! `Accept-Encoding` (RFC 9110 section 12.5.3): which precompressed variant,
//! if any, the client takes.
//!
//! Only `br`, `zstd` and `gzip` variants exist on disk (`name.br`,
//! `name.zst`, `name.gz`); this server never compresses on the fly. q-values
//! are honoured, `q=0` excludes, `*` covers codings not named (identity
//! included), and on a tie br is preferred over zstd, zstd over gzip (as
//! Caddy orders them: smallest first), and all over identity. Identity that the header does
//! not weigh (neither `identity` nor `*` named) is acceptable but comes last;
//! when nothing else is acceptable it is sent even if the header refuses it
//! (RFC 9110 section 12.5.3 allows that instead of a 406, as Go and nginx do).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Zstd,
    Gzip,
}

impl Encoding {
    /// In order of preference on equal q.
    pub const ALL: [Encoding; 3] = [Encoding::Brotli, Encoding::Zstd, Encoding::Gzip];

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
        }
    }

    /// The suffix of the precompressed file beside the original.
    fn file_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Zstd => ".zst",
            Encoding::Gzip => ".gz",
        }
    }

    /// Where the variant of the file at `path` is: beside it, with the suffix.
    pub(crate) fn variant_path(self, path: &str) -> String {
        format!("{path}{}", self.file_suffix())
    }
}

/// The q-value (in thousandths) the header gives `coding`, if it names it
/// (`x-gzip` counts as `gzip`), else what `*` gives it, else `None`.
fn weight(header: &str, coding: &str) -> Option<u16> {
    let mut named = None;
    let mut star = None;
    for (token, q) in weighted_members(header) {
        let matches = token.eq_ignore_ascii_case(coding)
            || (coding == "gzip" && token.eq_ignore_ascii_case("x-gzip"));
        if matches {
            named = Some(named.map_or(q, |n: u16| n.max(q)));
        } else if token == "*" {
            star = Some(q);
        }
    }
    named.or(star)
}

/// The members of a list of weighted tokens (`Accept-Encoding`, `Accept`):
/// each token with its q-value in thousandths (1000 when none is given);
/// empty members and members with a malformed q-value are left out.
pub(super) fn weighted_members(header: &str) -> impl Iterator<Item = (&str, u16)> {
    header.split(',').filter_map(|item| {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim();
        if token.is_empty() {
            return None;
        }
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| parse_q(v.trim()))
            })
            .unwrap_or(Some(1000))?;
        Some((token, q))
    })
}

/// The q-value (in thousandths) the header gives `encoding`; 0 = not acceptable.
pub fn quality(header: &str, encoding: Encoding) -> u16 {
    weight(header, encoding.token()).unwrap_or(0)
}

/// The representation to send: `Some` precompressed variant (among those
/// `exists` says are on disk), or `None` for the file as it is (identity).
pub fn choose(header: Option<&str>, exists: impl Fn(Encoding) -> bool) -> Option<Encoding> {
    let header = header?;
    // Scores are twice the q-value, so that unweighed identity (1) ranks
    // below every acceptable coding and above none.
    let identity = weight(header, "identity").map_or(1, |q| u32::from(q) * 2);
    let mut best: (u32, Option<Encoding>) = (identity, None);
    // Reverse preference order: a later candidate wins a tie.
    for &encoding in Encoding::ALL.iter().rev() {
        let score = u32::from(quality(header, encoding)) * 2;
        if score > 0 && score >= best.0 && exists(encoding) {
            best = (score, Some(encoding));
        }
    }
    best.1
}

/// `0`, `0.5`, `1.000`: at most three decimals, at most 1.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = match int {
        "0" => frac
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            // At most three digits: at most 999, no overflow.
            .fold(0u16, |acc, b| {
                acc.saturating_mul(10)
                    .saturating_add(u16::from(b.saturating_sub(b'0')))
            }),
        "1" if frac.bytes().all(|b| b == b'0') => 1000,
        _ => return None,
    };
    Some(thousandths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::*;

    #[test]
    fn qualities() {
        assert_eq!(quality("gzip, deflate, br", Brotli), 1000);
        assert_eq!(quality("gzip;q=0.5", Gzip), 500);
        assert_eq!(quality("gzip;q=0", Gzip), 0);
        assert_eq!(quality("GZIP ; Q=0.25", Gzip), 250);
        assert_eq!(quality("x-gzip", Gzip), 1000);
        assert_eq!(quality("*", Brotli), 1000);
        assert_eq!(quality("*;q=0, gzip", Brotli), 0);
        assert_eq!(quality("*;q=0.1, br;q=0.9", Brotli), 900);
        assert_eq!(quality("identity", Gzip), 0);
        assert_eq!(
            quality("gzip;q=2", Gzip),
            0,
            "malformed q ignores the member"
        );
        assert_eq!(quality("gzip;q=0.1234", Gzip), 0);
        assert_eq!(quality("", Gzip), 0);
    }

    fn pick(h: &str) -> Option<Encoding> {
        choose(Some(h), |_| true)
    }

    #[test]
    fn preference_order() {
        assert_eq!(pick("gzip, br"), Some(Brotli), "tie: br first");
        assert_eq!(pick("gzip, zstd, br"), Some(Brotli));
        assert_eq!(pick("gzip, zstd"), Some(Zstd), "tie: zstd before gzip");
        assert_eq!(pick("zstd;q=0.5, gzip"), Some(Gzip));
        assert_eq!(pick("br;q=0.4, zstd;q=0.6, gzip;q=0.5"), Some(Zstd));
        assert_eq!(
            choose(Some("br, zstd, gzip"), |e| e != Brotli),
            Some(Zstd),
            "br missing on disk"
        );
        assert_eq!(pick("br;q=0.5, gzip"), Some(Gzip));
        assert_eq!(pick("br;q=0, gzip"), Some(Gzip));
        assert_eq!(pick("br;q=0, gzip;q=0"), None);
        assert_eq!(pick("identity"), None);
        assert_eq!(pick("*;q=0"), None);
        assert_eq!(pick(""), None);
        assert_eq!(choose(None, |_| true), None);
        assert_eq!(
            choose(Some("br, gzip"), |e| e == Gzip),
            Some(Gzip),
            "only what exists"
        );
    }

    #[test]
    fn identity_is_weighed() {
        // Unweighed identity comes last among the acceptable.
        assert_eq!(pick("gzip;q=0.1"), Some(Gzip));
        // Weighed, it competes like any coding (and loses ties).
        assert_eq!(pick("gzip;q=0.5, identity"), None);
        assert_eq!(pick("br;q=0.8, identity;q=0.9"), None);
        assert_eq!(pick("br;q=0.9, identity;q=0.9"), Some(Brotli));
        assert_eq!(pick("gzip, identity;q=0"), Some(Gzip));
        // `*` weighs identity when identity is not named.
        assert_eq!(pick("gzip;q=0.4, *;q=0.5"), Some(Brotli));
        assert_eq!(pick("gzip;q=0.4, br;q=0.3, zstd;q=0.2, *;q=0.5"), None);
        // `*` also weighs the codings not named: zstd here, which wins the tie.
        assert_eq!(pick("gzip;q=0.4, br;q=0.3, *;q=0.5"), Some(Zstd));
        // Refused identity with no acceptable variant: identity anyway.
        assert_eq!(pick("identity;q=0"), None);
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.05"), Some(50));
        assert_eq!(parse_q("0"), Some(0));
        for bad in ["", "1.5", "2", "-1", "0.a", ".5", "0.0001"] {
            assert_eq!(parse_q(bad), None, "{bad}");
        }
    }
}
