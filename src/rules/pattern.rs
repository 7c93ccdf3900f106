//! Path patterns of `_redirects` and `_headers` (Cloudflare Pages' and
//! Netlify's syntax): literal text, `:name` placeholders that match one
//! non-empty run within a path segment, and at most one `*` splat that
//! matches anything, `/` included, possibly nothing. Matching is exact and
//! case-sensitive, on decoded paths (`/caf%C3%A9` in a rule is `/café`).
//!
//! A pattern is matched straight from its text, token by token, with a step
//! budget: a rule never costs more than `MAX_STEPS`, whatever it and the
//! path look like.

use percent_encoding::percent_decode_str;

/// The most placeholders (and the splat) one pattern may capture.
const MAX_CAPTURES: usize = 8;
/// Work one match may do before it gives up (and does not match).
const MAX_STEPS: u32 = 20_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    Literal(&'a str),
    /// `:name`.
    Placeholder(&'a str),
    Splat,
}

/// A checked pattern, borrowing its (decoded) text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// Decoded, e.g. `/blog/:year/*`.
    text: String,
}

/// Why a pattern cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatternError {
    NotAbsolute,
    HasQueryOrFragment,
    TwoSplats,
    TooManyPlaceholders,
    RepeatedPlaceholder,
    AdjacentCaptures,
    BadEncoding,
}

impl PatternError {
    pub fn describe(self) -> &'static str {
        match self {
            PatternError::NotAbsolute => "a path must start with /",
            PatternError::HasQueryOrFragment => {
                "a path may not have a query or fragment (query matching is not supported)"
            }
            PatternError::TwoSplats => "only one * per path",
            PatternError::TooManyPlaceholders => "at most 8 placeholders per path",
            PatternError::RepeatedPlaceholder => "each :placeholder may occur once",
            PatternError::AdjacentCaptures => "two captures (:name or *) may not touch",
            PatternError::BadEncoding => "a percent escape that is not UTF-8",
        }
    }
}

/// What a match captured: `(name, value)` for placeholders, `("splat", ..)`
/// for the splat; values are decoded path text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captures {
    pub values: Vec<(String, String)>,
}

impl Captures {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether a pattern as written (`raw`, neither decoded nor checked) cannot
/// match `path`, decided without parsing it: every match starts with the
/// pattern's text up to its first `*` or `:`, and up to its first `%` that
/// text is the same decoded. Most rules of a file fail this for any one
/// path, so a scan that need not check every line skips them unparsed.
pub(crate) fn cannot_match(raw: &str, path: &str) -> bool {
    let literal_end = raw.find(['*', ':', '%']).unwrap_or(raw.len());
    raw.get(..literal_end)
        .is_some_and(|literal| !path.starts_with(literal))
}

impl Pattern {
    pub fn parse(raw: &str) -> Result<Pattern, PatternError> {
        if !raw.starts_with('/') {
            return Err(PatternError::NotAbsolute);
        }
        if raw.contains(['?', '#']) {
            return Err(PatternError::HasQueryOrFragment);
        }
        let text = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| PatternError::BadEncoding)?
            .into_owned();
        let pattern = Pattern { text };
        let tokens = pattern.tokens();
        if tokens.iter().filter(|t| **t == Token::Splat).count() > 1 {
            return Err(PatternError::TwoSplats);
        }
        let names: Vec<&str> = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Placeholder(name) => Some(*name),
                _ => None,
            })
            .collect();
        if names.len() >= MAX_CAPTURES {
            return Err(PatternError::TooManyPlaceholders);
        }
        for (i, name) in names.iter().enumerate() {
            if names
                .iter()
                .skip(i.saturating_add(1))
                .any(|other| other == name)
            {
                return Err(PatternError::RepeatedPlaceholder);
            }
        }
        let adjacent = tokens.iter().zip(tokens.iter().skip(1)).any(|pair| {
            matches!(
                pair,
                (
                    Token::Placeholder(_) | Token::Splat,
                    Token::Placeholder(_) | Token::Splat
                )
            )
        });
        if adjacent {
            return Err(PatternError::AdjacentCaptures);
        }
        Ok(pattern)
    }

    fn tokens(&self) -> Vec<Token<'_>> {
        let mut tokens = Vec::new();
        let mut rest = self.text.as_str();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('*') {
                tokens.push(Token::Splat);
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix(':') {
                let name_len = placeholder_name_len(after);
                if name_len > 0 {
                    let (name, tail) = after.split_at(name_len);
                    tokens.push(Token::Placeholder(name));
                    rest = tail;
                    continue;
                }
            }
            // A literal runs to the next `*` or `:letter`.
            let mut end = rest.len();
            for (i, c) in rest.char_indices().skip(1) {
                if c == '*'
                    || (c == ':'
                        && rest
                            .get(i.saturating_add(1)..)
                            .is_some_and(|t| placeholder_name_len(t) > 0))
                {
                    end = i;
                    break;
                }
            }
            let (literal, tail) = rest.split_at(end);
            tokens.push(Token::Literal(literal));
            rest = tail;
        }
        tokens
    }

    /// The captures if `path` (decoded, without query) matches.
    pub fn matches(&self, path: &str) -> Option<Captures> {
        let tokens = self.tokens();
        let mut captures = Captures::default();
        let mut steps = 0u32;
        match_tokens(&tokens, path, &mut captures, &mut steps).then_some(captures)
    }
}

/// `:name` is a letter, then letters, digits and underscores.
fn placeholder_name_len(text: &str) -> usize {
    let mut len = 0usize;
    for (i, c) in text.char_indices() {
        let ok = if i == 0 {
            c.is_ascii_alphabetic()
        } else {
            c.is_ascii_alphanumeric() || c == '_'
        };
        if !ok {
            break;
        }
        len = i.saturating_add(c.len_utf8());
    }
    len
}

fn match_tokens(
    tokens: &[Token<'_>],
    path: &str,
    captures: &mut Captures,
    steps: &mut u32,
) -> bool {
    *steps = steps.saturating_add(1);
    if *steps > MAX_STEPS {
        return false;
    }
    let Some((first, rest)) = tokens.split_first() else {
        return path.is_empty();
    };
    match first {
        Token::Literal(literal) => match path.strip_prefix(literal) {
            Some(after) => match_tokens(rest, after, captures, steps),
            None => false,
        },
        Token::Placeholder(name) => {
            // One non-empty run within the segment; the longest first.
            let segment_end = path.find('/').unwrap_or(path.len());
            let ends: Vec<usize> = path
                .char_indices()
                .map(|(i, c)| i.saturating_add(c.len_utf8()))
                .take_while(|end| *end <= segment_end)
                .collect();
            try_captures(name, &ends, rest, path, captures, steps)
        }
        Token::Splat => {
            let ends: Vec<usize> = std::iter::once(0)
                .chain(
                    path.char_indices()
                        .map(|(i, c)| i.saturating_add(c.len_utf8())),
                )
                .collect();
            try_captures("splat", &ends, rest, path, captures, steps)
        }
    }
}

/// Tries each end in `ends`, the longest first, for the capture `name`.
fn try_captures(
    name: &str,
    ends: &[usize],
    rest: &[Token<'_>],
    path: &str,
    captures: &mut Captures,
    steps: &mut u32,
) -> bool {
    for &end in ends.iter().rev() {
        let (Some(value), Some(after)) = (path.get(..end), path.get(end..)) else {
            continue;
        };
        captures.values.push((name.to_string(), value.to_string()));
        if match_tokens(rest, after, captures, steps) {
            return true;
        }
        captures.values.pop();
        if *steps > MAX_STEPS {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::cannot_match;

    #[test]
    fn a_pattern_whose_leading_text_the_path_lacks_cannot_match() {
        assert!(cannot_match("/assets/v4/*", "/1k.bin"));
        assert!(cannot_match("/retired-3", "/retired"));
        assert!(cannot_match("https://example.com/*", "/a"));
        assert!(!cannot_match("/*", "/anything"));
        assert!(!cannot_match("/blog/:year", "/blog/2024"));
        assert!(cannot_match("/blog/:year", "/blogs"));
        // Only the text before the first capture decides; matching does the rest.
        assert!(!cannot_match("/a/:x/b", "/a/zzz/c"));
        // Before its first escape a pattern reads the same decoded.
        assert!(!cannot_match("/caf%C3%A9", "/café"));
        assert!(cannot_match("/caf%C3%A9", "/tea"));
        assert!(!cannot_match("", "/"));
    }

    use super::*;

    fn m(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
        Pattern::parse(pattern)
            .unwrap()
            .matches(path)
            .map(|c| c.values)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn literals_placeholders_and_splats() {
        assert_eq!(m("/a", "/a"), Some(vec![]));
        assert_eq!(m("/a", "/a/"), None, "exact: no slash folding");
        assert_eq!(m("/a", "/A"), None, "case-sensitive");
        assert_eq!(
            m("/news/:year/:slug", "/news/2024/hello"),
            Some(pairs(&[("year", "2024"), ("slug", "hello")]))
        );
        assert_eq!(
            m("/news/:year", "/news/"),
            None,
            "placeholders are never empty"
        );
        assert_eq!(m("/news/:year", "/news/a/b"), None, "one segment");
        assert_eq!(
            m("/img-:id.png", "/img-42.png"),
            Some(pairs(&[("id", "42")]))
        );
        assert_eq!(
            m("/img-:id.png", "/img-4.2.png"),
            Some(pairs(&[("id", "4.2")]))
        );
        assert_eq!(
            m("/blog/*", "/blog/a/b/c"),
            Some(pairs(&[("splat", "a/b/c")]))
        );
        assert_eq!(m("/blog/*", "/blog/"), Some(pairs(&[("splat", "")])));
        assert_eq!(m("/blog/*", "/blog"), None, "/x/* does not match /x");
        assert_eq!(m("/*.jpg", "/a/b.jpg"), Some(pairs(&[("splat", "a/b")])));
        assert_eq!(
            m("/:lang/*", "/en/docs/x"),
            Some(pairs(&[("lang", "en"), ("splat", "docs/x")]))
        );
        assert_eq!(
            m("/caf%C3%A9", "/café"),
            Some(vec![]),
            "rules are decoded like paths"
        );
        assert_eq!(
            m("/a:1", "/a:1"),
            Some(vec![]),
            "a colon before a non-letter is text"
        );
    }

    #[test]
    fn bad_patterns() {
        for (pattern, error) in [
            ("a", PatternError::NotAbsolute),
            ("/a?x=1", PatternError::HasQueryOrFragment),
            ("/*/*", PatternError::TwoSplats),
            ("/:a/:a", PatternError::RepeatedPlaceholder),
            ("/:a*", PatternError::AdjacentCaptures),
            ("/%ff", PatternError::BadEncoding),
            (
                "/:a/:b/:c/:d/:e/:f/:g/:h/:i",
                PatternError::TooManyPlaceholders,
            ),
        ] {
            assert_eq!(Pattern::parse(pattern), Err(error), "{pattern}");
        }
    }

    #[test]
    fn matching_is_bounded() {
        let pattern = Pattern::parse("/:a-:b-:c-:d-:e-:f-:g/x").unwrap();
        let path = format!("/{}y", "-".repeat(4000));
        let started = std::time::Instant::now();
        assert_eq!(pattern.matches(&path), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
