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
    fn head_escapes_the_title() {
        assert!(listing_head("/<x>/").contains("<title>Index of /&lt;x&gt;/</title>"));
        assert!(listing_head("/a/").contains("href=\"../\""));
        assert!(!listing_head("/").contains("href=\"../\""));
        assert!(LISTING_TAIL.ends_with("</html>\n"));
    }
}
