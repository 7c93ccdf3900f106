//! A directory listing, HTML or JSON, one row at a time: the directory is
//! read entry by entry and each row streamed, so a directory of 100,000
//! files never sits in linear memory.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::decide::file_meta::{FileMeta, Timestamp};
use crate::render::http_date;
use crate::request::accept::ListingFormat;

/// Everything but RFC 3986 unreserved characters is encoded in a link.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `title` is the directory's path (`/docs/`); the root gets no parent link.
fn listing_head(title: &str) -> String {
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
fn listing_entry(name: &str, is_dir: bool) -> String {
    let slash = if is_dir { "/" } else { "" };
    let href = utf8_percent_encode(name, PATH_SEGMENT);
    format!(
        "<li><a href=\"{href}{slash}\">{}{slash}</a></li>\n",
        escape_html(name)
    )
}

const LISTING_TAIL: &str = "</ul>\n</body></html>\n";

/// What a row says of an entry: HTML needs only whether it is a directory;
/// JSON states the type, time and size of what the name leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListedAs {
    Directory(Option<Timestamp>),
    /// With its metadata where it was looked up (JSON).
    File(Option<FileMeta>),
    /// Not a file or directory, or its lookup failed.
    Other,
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

/// Turns a directory's entries into rows as a glue reads them, one at a
/// time: dot names only when hidden files are served (as for paths), and a
/// closing note for entries that could not be listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingRows {
    format: ListingFormat,
    serve_hidden: bool,
    /// Names never listed (the rule files of this directory).
    hidden: Vec<String>,
    unreadable: u64,
    rows: u64,
}

impl ListingRows {
    pub fn new(format: ListingFormat, serve_hidden: bool, hidden: Vec<String>) -> ListingRows {
        ListingRows {
            format,
            serve_hidden,
            hidden,
            unreadable: 0,
            rows: 0,
        }
    }

    pub fn format(&self) -> ListingFormat {
        self.format
    }

    /// Whether the entry `name` gets a row.
    pub fn shows(&self, name: &str) -> bool {
        (self.serve_hidden || !name.starts_with('.')) && !self.hidden.iter().any(|h| h == name)
    }

    /// The row for an entry `shows` accepted.
    pub fn row(&mut self, name: &str, listed: ListedAs) -> String {
        self.rows = self.rows.saturating_add(1);
        match self.format {
            ListingFormat::Html => listing_entry(name, matches!(listed, ListedAs::Directory(_))),
            ListingFormat::Json => {
                let separator = if self.rows == 1 { "" } else { ",\n" };
                format!("{separator}{}", json_entry(name, listed))
            }
        }
    }

    /// An entry whose name is not UTF-8: not listed, but counted.
    pub(crate) fn unreadable(&mut self) {
        self.unreadable = self.unreadable.saturating_add(1);
    }

    /// What closes the listing: in HTML, a note of what was left out, then
    /// the tail. nginx's JSON shape has no place for a note: entries with
    /// names that are not UTF-8 are left out there as from the HTML rows.
    pub fn tail(self, end: EntriesEnd) -> String {
        if self.format == ListingFormat::Json {
            return if self.rows == 0 { "]\n" } else { "\n]\n" }.to_string();
        }
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

/// The head of a listing of the directory `title` (`/docs/`).
pub fn head(format: ListingFormat, title: &str) -> String {
    match format {
        ListingFormat::Html => listing_head(title),
        ListingFormat::Json => "[\n".to_string(),
    }
}

/// One object of nginx's JSON listing; `mtime` is an HTTP date, as nginx
/// writes it.
fn json_entry(name: &str, listed: ListedAs) -> String {
    let (kind, modified, size) = match listed {
        ListedAs::Directory(modified) => ("directory", modified, None),
        ListedAs::File(meta) => ("file", meta.and_then(|m| m.modified), meta.map(|m| m.size)),
        ListedAs::Other => ("other", None, None),
    };
    let mut object = format!("{{ \"name\":\"{}\", \"type\":\"{kind}\"", escape_json(name));
    if let Some(mtime) = modified
        .and_then(|t| t.system_time())
        .and_then(http_date::format)
    {
        object.push_str(&format!(", \"mtime\":\"{mtime}\""));
    }
    if let Some(size) = size {
        object.push_str(&format!(", \"size\":{size}"));
    }
    object.push_str(" }");
    object
}

fn escape_json(text: &str) -> String {
    escape(text, |c| match c {
        '"' => Some(Cow::Borrowed("\\\"")),
        '\\' => Some(Cow::Borrowed("\\\\")),
        c if u32::from(c) < 0x20 => Some(Cow::Owned(format!("\\u{:04x}", u32::from(c)))),
        _ => None,
    })
}

fn escape_html(text: &str) -> String {
    escape(text, |c| {
        Some(Cow::Borrowed(match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => return None,
        }))
    })
}

/// `text` with every character `escaped` gives an escape for replaced by it.
fn escape(text: &str, escaped: impl Fn(char) -> Option<Cow<'static, str>>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match escaped(c) {
            Some(escape) => out.push_str(&escape),
            None => out.push(c),
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
        let html = |serve_hidden| ListingRows::new(ListingFormat::Html, serve_hidden, Vec::new());
        let mut rows = html(false);
        assert!(rows.shows("a") && !rows.shows(".git"));
        rows.unreadable();
        let tail = rows.tail(EntriesEnd::Complete);
        assert!(tail.contains("1 entry with a name") && tail.ends_with(LISTING_TAIL));
        let mut rows = html(true);
        assert!(rows.shows(".git"));
        rows.unreadable();
        rows.unreadable();
        assert!(rows.tail(EntriesEnd::Complete).contains("2 entries"));
        assert!(html(false)
            .tail(EntriesEnd::StoppedAtUnreadableName)
            .contains("ends at"));
        assert_eq!(html(false).tail(EntriesEnd::Complete), LISTING_TAIL);
        let rule_files = ListingRows::new(ListingFormat::Html, true, vec!["_headers".into()]);
        assert!(!rule_files.shows("_headers") && rule_files.shows("_headers.txt"));
    }

    #[test]
    fn json_rows_take_nginx_shape() {
        let mut rows = ListingRows::new(ListingFormat::Json, false, Vec::new());
        let modified = Some(Timestamp {
            seconds: 784_111_777,
            nanoseconds: 5,
        });
        let file = ListedAs::File(Some(FileMeta { size: 12, modified }));
        let mut body = head(ListingFormat::Json, "/");
        body.push_str(&rows.row("a \"q\"\\\u{1}.txt", file));
        body.push_str(&rows.row("sub", ListedAs::Directory(modified)));
        body.push_str(&rows.row("fifo", ListedAs::Other));
        body.push_str(&rows.tail(EntriesEnd::Complete));
        assert_eq!(
            body,
            "[\n{ \"name\":\"a \\\"q\\\"\\\\\\u0001.txt\", \"type\":\"file\", \
             \"mtime\":\"Sun, 06 Nov 1994 08:49:37 GMT\", \"size\":12 },\n\
             { \"name\":\"sub\", \"type\":\"directory\", \"mtime\":\"Sun, 06 Nov 1994 08:49:37 GMT\" },\n\
             { \"name\":\"fifo\", \"type\":\"other\" }\n]\n"
        );
        let empty = ListingRows::new(ListingFormat::Json, false, Vec::new());
        assert_eq!(
            head(ListingFormat::Json, "/") + &empty.tail(EntriesEnd::Complete),
            "[\n]\n"
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
