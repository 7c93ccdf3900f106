//! `CLEAN_URLS`: `/about` serves `about.html`, and a request for
//! `about.html` is redirected to the short form `TRAILING_SLASH` prefers.

use percent_encoding::utf8_percent_encode;

use crate::decide::file_lookup::{Entry, FileLookup, LookupError};
use crate::decide::plan::{FileRole, Plan};
use crate::request::path::ResolvedPath;
use crate::settings::TrailingSlash;

use super::locations::{scheme_guard, with_query};
use super::Decision;
use crate::decide::uri_encoding::NOT_URI;

impl<F: FileLookup> Decision<'_, F> {
    /// With clean URLs, `/about` is `about.html` (and `/about/` too, redirected
    /// to the form `TRAILING_SLASH` prefers).
    pub(super) fn clean_url_page(&self, path: &ResolvedPath) -> Option<Plan> {
        let last = path.segments.last()?;
        let page = format!("{}.html", path.relative());
        let Ok(Entry::File(meta)) = self.fs.stat(&page) else {
            return None;
        };
        let raw = utf8_percent_encode(&path.last_raw_segment, NOT_URI).to_string();
        let redirect = match (path.trailing_slash, self.settings.trailing_slash) {
            (true, TrailingSlash::Auto | TrailingSlash::Never) => Some(format!("../{raw}")),
            (false, TrailingSlash::Always) => Some(format!("{}{raw}/", scheme_guard(&raw))),
            _ => None,
        };
        Some(match redirect {
            Some(location) => Plan::Redirect {
                status: 308,
                location: with_query(&location, path),
            },
            None => self.serve_file(page, &format!("{last}.html"), meta, FileRole::Requested),
        })
    }

    /// With clean URLs, where a request for an existing `.html` file is sent:
    /// `/about.html` to `/about` (or `/about/`), `/docs/index.html` to `/docs/`;
    /// `None` to serve it as asked (no clean URLs, or the shorter path is taken).
    pub(super) fn canonical_page(&self, path: &ResolvedPath) -> Option<String> {
        if !self.settings.clean_urls {
            return None;
        }
        let last = path.segments.last()?;
        let raw = utf8_percent_encode(&path.last_raw_segment, NOT_URI).to_string();
        let raw_stem = raw.strip_suffix(".html")?;
        if *last == self.settings.index_file {
            let location = match self.settings.trailing_slash {
                TrailingSlash::Never if path.segments.len() > 1 => {
                    let parent = path.segments.get(path.segments.len().saturating_sub(2))?;
                    format!("../{}", utf8_percent_encode(parent, NOT_URI))
                }
                _ => "./".to_string(),
            };
            return Some(with_query(&location, path));
        }
        let stem = last.strip_suffix(".html").filter(|stem| !stem.is_empty())?;
        // A file or directory at the shorter path would be served there instead.
        let shorter = path.join_sibling(stem);
        if !matches!(self.fs.stat(&shorter), Err(LookupError::NotFound)) {
            return None;
        }
        let slash = if self.settings.trailing_slash == TrailingSlash::Always {
            "/"
        } else {
            ""
        };
        Some(with_query(
            &format!("{}{raw_stem}{slash}", scheme_guard(raw_stem)),
            path,
        ))
    }
}
