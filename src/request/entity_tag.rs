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
        let valid = inner
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80);
        (opaque.len() >= 2 && valid).then_some(EntityTag { weak, opaque })
    }

    /// Both strong and identical.
    pub(crate) fn strong_eq(&self, other: &EntityTag<'_>) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    /// Identical once weakness is ignored.
    fn weak_eq(&self, other: &EntityTag<'_>) -> bool {
        self.opaque == other.opaque
    }
}

/// Whether an `If-Match` / `If-None-Match` value (`*` or a list of entity
/// tags) matches `current`; `None` when the list is malformed. It walks the
/// list without collecting it: a 16 KiB header must not allocate per tag.
pub fn list_matches(value: &str, current: &EntityTag<'_>, strong: bool) -> Option<bool> {
    let value = value.trim();
    if value == "*" {
        return Some(true);
    }
    let mut matched = false;
    for item in split_tags(value) {
        let tag = EntityTag::parse(item)?;
        matched |= if strong {
            tag.strong_eq(current)
        } else {
            tag.weak_eq(current)
        };
    }
    Some(matched)
}

/// Splits on commas outside quotes (an opaque tag may contain a comma).
fn split_tags(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = value;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let unweakened = rest.strip_prefix("W/").unwrap_or(rest);
        let (item, tail) = match unweakened.strip_prefix('"') {
            // The item runs to the closing quote, included (or to the end).
            Some(quoted) => {
                let after = quoted.split_once('"').map_or("", |(_, after)| after);
                (rest.strip_suffix(after).unwrap_or(rest), after)
            }
            None => rest.split_once(',').unwrap_or((rest, "")),
        };
        rest = tail;
        Some(item.trim_end_matches([' ', '\t']))
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
        assert!(
            !tag("W/\"1\"").strong_eq(&tag("W/\"1\"")) && tag("W/\"1\"").weak_eq(&tag("W/\"1\""))
        );
        assert!(
            !tag("W/\"1\"").strong_eq(&tag("W/\"2\"")) && !tag("W/\"1\"").weak_eq(&tag("W/\"2\""))
        );
        assert!(!tag("W/\"1\"").strong_eq(&tag("\"1\"")) && tag("W/\"1\"").weak_eq(&tag("\"1\"")));
        assert!(tag("\"1\"").strong_eq(&tag("\"1\"")) && tag("\"1\"").weak_eq(&tag("\"1\"")));
    }

    #[test]
    fn parses_tags_and_lists() {
        assert_eq!(
            EntityTag::parse("\"\""),
            Some(EntityTag {
                weak: false,
                opaque: "\"\""
            })
        );
        for bad in ["", "\"", "abc", "w/\"a\"", "\"a\"b\"", "\"a b\"", "W/"] {
            assert_eq!(EntityTag::parse(bad), None, "{bad:?}");
        }
        assert_eq!(list_matches(" * ", &tag("\"z\""), true), Some(true));
        let list = "\"a\", W/\"b\",\"c,d\" ,";
        assert_eq!(list_matches(list, &tag("\"c,d\""), true), Some(true));
        assert_eq!(list_matches(list, &tag("\"b\""), true), Some(false));
        assert_eq!(list_matches(list, &tag("\"b\""), false), Some(true));
        assert_eq!(list_matches(list, &tag("\"c\""), false), Some(false));
        assert_eq!(list_matches("\"a\", junk", &tag("\"a\""), false), None);
        assert_eq!(list_matches("\"unterminated", &tag("\"a\""), false), None);
    }
}
