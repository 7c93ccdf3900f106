//! Entity tags and the two comparisons of RFC 9110 section 8.8.3.2.

/// One `entity-tag`: `"opaque"` or `W/"opaque"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntityTag<'a> {
    pub weak: bool,
    /// Including the quotes.
    pub opaque: &'a str,
}

impl<'a> EntityTag<'a> {
    pub fn parse(s: &'a str) -> Option<EntityTag<'a>> {
        let (weak, opaque) = match s.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let inner = opaque.strip_prefix('"')?.strip_suffix('"')?;
        // etagc = %x21 / %x23-7E / obs-text: no DQUOTE, no controls, no space.
        let valid = inner.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80);
        (opaque.len() >= 2 && valid).then_some(EntityTag { weak, opaque })
    }

    /// Both strong and identical.
    pub fn strong_eq(&self, other: &EntityTag<'_>) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    /// Identical once weakness is ignored.
    pub fn weak_eq(&self, other: &EntityTag<'_>) -> bool {
        self.opaque == other.opaque
    }
}

/// `If-Match` / `If-None-Match` values: `*` or a list of entity tags.
#[derive(Debug, PartialEq, Eq)]
pub enum TagList<'a> {
    Any,
    Tags(Vec<EntityTag<'a>>),
}

impl<'a> TagList<'a> {
    /// `None` for a malformed list (the header is then ignored... by the caller's rule).
    pub fn parse(value: &'a str) -> Option<TagList<'a>> {
        let value = value.trim();
        if value == "*" {
            return Some(TagList::Any);
        }
        let mut tags = Vec::new();
        for item in split_tags(value) {
            tags.push(EntityTag::parse(item)?);
        }
        Some(TagList::Tags(tags))
    }

    pub fn matches(&self, current: &EntityTag<'_>, strong: bool) -> bool {
        match self {
            TagList::Any => true,
            TagList::Tags(tags) => tags
                .iter()
                .any(|t| if strong { t.strong_eq(current) } else { t.weak_eq(current) }),
        }
    }
}

/// Splits on commas outside quotes (an opaque tag may contain a comma).
fn split_tags(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = value;
    std::iter::from_fn(move || loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let start = if rest.starts_with("W/") { 2 } else { 0 };
        let end = if rest[start..].starts_with('"') {
            rest[start + 1..].find('"').map(|i| start + i + 2).unwrap_or(rest.len())
        } else {
            rest.find(',').unwrap_or(rest.len())
        };
        let (item, tail) = rest.split_at(end);
        rest = tail;
        return Some(item.trim_end_matches([' ', '\t']));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> EntityTag<'_> {
        EntityTag::parse(s).unwrap()
    }

    #[test]
    fn rfc_comparison_table() {
        // RFC 9110 section 8.8.3.2, the four examples.
        assert!(!tag("W/\"1\"").strong_eq(&tag("W/\"1\"")) && tag("W/\"1\"").weak_eq(&tag("W/\"1\"")));
        assert!(!tag("W/\"1\"").strong_eq(&tag("W/\"2\"")) && !tag("W/\"1\"").weak_eq(&tag("W/\"2\"")));
        assert!(!tag("W/\"1\"").strong_eq(&tag("\"1\"")) && tag("W/\"1\"").weak_eq(&tag("\"1\"")));
        assert!(tag("\"1\"").strong_eq(&tag("\"1\"")) && tag("\"1\"").weak_eq(&tag("\"1\"")));
    }

    #[test]
    fn parses_tags_and_lists() {
        assert_eq!(EntityTag::parse("\"\""), Some(EntityTag { weak: false, opaque: "\"\"" }));
        for bad in ["", "\"", "abc", "w/\"a\"", "\"a\"b\"", "\"a b\"", "W/"] {
            assert_eq!(EntityTag::parse(bad), None, "{bad:?}");
        }
        assert_eq!(TagList::parse(" * "), Some(TagList::Any));
        let list = TagList::parse("\"a\", W/\"b\",\"c,d\" ,").unwrap();
        assert_eq!(list, TagList::Tags(vec![tag("\"a\""), tag("W/\"b\""), tag("\"c,d\"")]));
        assert!(list.matches(&tag("\"c,d\""), true));
        assert!(!list.matches(&tag("\"b\""), true));
        assert!(list.matches(&tag("\"b\""), false));
        assert_eq!(TagList::parse("\"a\", junk"), None);
        assert_eq!(TagList::parse("\"unterminated"), None);
    }
}
