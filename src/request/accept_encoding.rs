//! `Accept-Encoding` (RFC 9110 section 12.5.3): which precompressed variant,
//! if any, the client takes.
//!
//! Only `br` and `gzip` variants exist on disk (`name.br`, `name.gz`); this
//! server never compresses on the fly. q-values are honoured, `q=0` excludes,
//! `*` covers codings not named, and on a tie br is preferred over gzip.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// In order of preference on equal q.
    pub const ALL: [Encoding; 2] = [Encoding::Brotli, Encoding::Gzip];

    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    /// The suffix of the precompressed file beside the original.
    pub fn file_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
        }
    }
}

/// The q-value (in thousandths) the header gives `encoding`; 0 = not acceptable.
pub fn quality(header: &str, encoding: Encoding) -> u16 {
    let mut named = None;
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        if coding.is_empty() {
            continue;
        }
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| parse_q(v.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(q) = q else { continue }; // malformed q: ignore the member
        let matches = coding.eq_ignore_ascii_case(encoding.token())
            || (encoding == Encoding::Gzip && coding.eq_ignore_ascii_case("x-gzip"));
        if matches {
            named = Some(named.map_or(q, |n: u16| n.max(q)));
        } else if coding == "*" {
            star = Some(q);
        }
    }
    named.or(star).unwrap_or(0)
}

/// The precompressed encodings the client accepts, best first.
pub fn preferred(header: Option<&str>) -> impl Iterator<Item = Encoding> {
    let mut ranked: Vec<(u16, Encoding)> = match header {
        Some(h) => Encoding::ALL
            .iter()
            .map(|&e| (quality(h, e), e))
            .filter(|(q, _)| *q > 0)
            .collect(),
        None => Vec::new(),
    };
    // Stable: equal q keeps ALL's order (br before gzip).
    ranked.sort_by_key(|&(q, _)| std::cmp::Reverse(q));
    ranked.into_iter().map(|(_, e)| e)
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
            .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0')),
        "1" if frac.bytes().all(|b| b == b'0') => 1000,
        _ => return None,
    };
    Some(thousandths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::*;

    fn pref(h: &str) -> Vec<Encoding> {
        preferred(Some(h)).collect()
    }

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

    #[test]
    fn preference_order() {
        assert_eq!(pref("gzip, br"), [Brotli, Gzip], "tie: br first");
        assert_eq!(pref("br;q=0.5, gzip"), [Gzip, Brotli]);
        assert_eq!(pref("br;q=0, gzip"), [Gzip]);
        assert_eq!(pref("identity"), []);
        assert_eq!(pref("*;q=0"), []);
        assert_eq!(preferred(None).count(), 0);
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
