//! The HTML of a directory listing, one row at a time: the WASI layer reads
//! the directory entry by entry and streams each row, so a directory of
//! 100,000 files never sits in linear memory.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters is encoded in a link.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `title` is the directory's path (`/docs/`); the root gets no parent link.
pub fn listing_head(title: &str) -> String {
    let parent = if title == "/" {
        ""
    } else {
        "<li><a href=\"../\">../</a></li>\n"
    };
    let title = escape_html(title);
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
         <body><h1>Index of {title}</h1>\n<ul>\n{parent}"
    )
}

/// One row; directories get a trailing `/` in the link and the name.
pub fn listing_entry(name: &str, is_dir: bool) -> String {
    let slash = if is_dir { "/" } else { "" };
    let href = utf8_percent_encode(name, PATH_SEGMENT);
    format!(
        "<li><a href=\"{href}{slash}\">{}{slash}</a></li>\n",
        escape_html(name)
    )
}

pub const LISTING_TAIL: &str = "</ul>\n</body></html>\n";

/// Turns a directory's entries into rows as a glue reads them, one at a
/// time: dot names only when hidden files are served (as for paths), and a
/// closing note for entries that could not be listed.
pub struct ListingRows {
    serve_hidden: bool,
    /// Names never listed (the rule files of this directory).
    hidden: Vec<String>,
    unreadable: u64,
}

/// One entry as a glue read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListedEntry<'a> {
    Named {
        name: &'a str,
        is_dir: bool,
    },
    /// The host reported an entry whose name is not UTF-8, without the name,
    /// so it cannot be linked (nginx would list it percent-encoded).
    UnreadableName,
}

/// How the directory's entries ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntriesEnd {
    /// Every entry was read.
    Complete,
    /// The host ended the entries at a name that is not UTF-8 (wasmtime 48's
    /// WASI 0.3 directory stream does; WASI 0.2 reports it and goes on).
    StoppedAtUnreadableName,
}

/// Why reading a directory skipped an entry or stopped, as either glue
/// reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirReadError {
    /// An entry's name is not UTF-8: WASI 0.2 hosts skip it and read on,
    /// WASI 0.3 hosts (wasmtime 48) end the entries there.
    UnreadableName,
    /// The directory cannot be read on.
    Failed,
}

impl ListingRows {
    pub fn new(serve_hidden: bool, hidden: Vec<String>) -> ListingRows {
        ListingRows {
            serve_hidden,
            hidden,
            unreadable: 0,
        }
    }

    /// The row for `entry`, if it gets one.
    pub fn row(&mut self, entry: ListedEntry<'_>) -> Option<String> {
        match entry {
            ListedEntry::Named { name, is_dir } => {
                let shown = (self.serve_hidden || !name.starts_with('.'))
                    && !self.hidden.iter().any(|hidden| hidden == name);
                shown.then(|| listing_entry(name, is_dir))
            }
            ListedEntry::UnreadableName => {
                self.unreadable = self.unreadable.saturating_add(1);
                None
            }
        }
    }

    /// What closes the listing: a note of what was left out, then the tail.
    pub fn tail(self, end: EntriesEnd) -> String {
        let mut tail = String::new();
        if self.unreadable > 0 {
            let count = self.unreadable;
            let plural = if count == 1 { "y" } else { "ies" };
            tail.push_str(&format!(
                "<li><em>{count} entr{plural} with a name that is not UTF-8 not listed</em></li>\n"
            ));
        }
        if end == EntriesEnd::StoppedAtUnreadableName {
            tail.push_str(
                "<li><em>the listing ends at an entry whose name is not UTF-8</em></li>\n",
            );
        }
        tail.push_str(LISTING_TAIL);
        tail
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_links_encoded() {
        assert_eq!(
            listing_entry("a.txt", false),
            "<li><a href=\"a.txt\">a.txt</a></li>\n"
        );
        assert_eq!(
            listing_entry("sub", true),
            "<li><a href=\"sub/\">sub/</a></li>\n"
        );
        assert_eq!(
            listing_entry("<b>&\"x'.html", false),
            "<li><a href=\"%3Cb%3E%26%22x%27.html\">&lt;b&gt;&amp;&quot;x&#39;.html</a></li>\n"
        );
        assert_eq!(
            listing_entry("a b?#c", false),
            "<li><a href=\"a%20b%3F%23c\">a b?#c</a></li>\n"
        );
        assert_eq!(
            listing_entry("javascript:alert(1)", false),
            "<li><a href=\"javascript%3Aalert%281%29\">javascript:alert(1)</a></li>\n"
        );
        assert_eq!(
            listing_entry("é", false),
            "<li><a href=\"%C3%A9\">é</a></li>\n"
        );
    }

    #[test]
    fn hidden_entries_and_unlisted_names() {
        let named = |name| ListedEntry::Named {
            name,
            is_dir: false,
        };
        let mut rows = ListingRows::new(false, Vec::new());
        assert!(rows.row(named("a")).is_some());
        assert_eq!(rows.row(named(".git")), None);
        assert_eq!(rows.row(ListedEntry::UnreadableName), None);
        let tail = rows.tail(EntriesEnd::Complete);
        assert!(tail.contains("1 entry with a name") && tail.ends_with(LISTING_TAIL));
        let mut rows = ListingRows::new(true, Vec::new());
        assert!(rows.row(named(".git")).is_some());
        rows.row(ListedEntry::UnreadableName);
        rows.row(ListedEntry::UnreadableName);
        assert!(rows.tail(EntriesEnd::Complete).contains("2 entries"));
        assert!(ListingRows::new(false, Vec::new())
            .tail(EntriesEnd::StoppedAtUnreadableName)
            .contains("ends at"));
        assert_eq!(
            ListingRows::new(false, Vec::new()).tail(EntriesEnd::Complete),
            LISTING_TAIL
        );
    }

    #[test]
    fn head_escapes_the_title() {
        assert!(listing_head("/<x>/").contains("<title>Index of /&lt;x&gt;/</title>"));
        assert!(listing_head("/a/").contains("href=\"../\""));
        assert!(!listing_head("/").contains("href=\"../\""));
        assert!(LISTING_TAIL.ends_with("</html>\n"));
    }
}
