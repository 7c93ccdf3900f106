//! What the path leads to: a file, a directory's index file or listing, or
//! nothing servable (then a clean URL, a `_redirects` rule, the fallback
//! pages).

use percent_encoding::utf8_percent_encode;

use crate::decide::file_lookup::{Entry, FileLookup, LookupError};
use crate::decide::plan::{Failure, FileRole, Plan};
use crate::request::accept::listing_format;
use crate::request::path::ResolvedPath;
use crate::settings::{DirectoryDownload, TrailingSlash};

use super::locations::{directory_location, with_query};
use super::Decision;
use crate::decide::plan::lookup_failure;
use crate::decide::uri_encoding::NOT_URI;

impl<F: FileLookup> Decision<'_, F> {
    /// What the path itself leads to; `missing` when nothing is there.
    pub(super) fn locate(&self, path: &ResolvedPath) -> Plan {
        let relative = path.relative();
        match self.fs.stat(&relative) {
            Ok(Entry::File(meta)) if !path.trailing_slash => {
                if let Some(location) = self.canonical_page(path) {
                    return Plan::Redirect {
                        status: 308,
                        location,
                    };
                }
                self.serve_file(relative, path.file_name(), meta, FileRole::Requested)
            }
            // "/file.txt/" names a directory that does not exist.
            Ok(Entry::File(_)) | Ok(Entry::Other) => self.missing(path),
            Ok(Entry::Directory(_)) if !path.trailing_slash => match self.settings.trailing_slash {
                TrailingSlash::Never => self.directory_index(path),
                TrailingSlash::Auto | TrailingSlash::Always => Plan::Redirect {
                    status: 301,
                    location: directory_location(path),
                },
            },
            Ok(Entry::Directory(_)) => match self.settings.trailing_slash {
                TrailingSlash::Never if !path.segments.is_empty() => Plan::Redirect {
                    status: 308,
                    location: with_query(
                        &format!(
                            "../{}",
                            utf8_percent_encode(&path.last_raw_segment, NOT_URI)
                        ),
                        path,
                    ),
                },
                _ => self.directory_index(path),
            },
            Err(LookupError::NotFound) => self.missing(path),
            Err(e) => Plan::Fail(lookup_failure(e)),
        }
    }

    /// A directory: the archive asked for (if enabled), else its index file,
    /// else its listing (if enabled), else missing.
    fn directory_index(&self, path: &ResolvedPath) -> Plan {
        if self.settings.directory_download == DirectoryDownload::Tar && asks_for_tar(path) {
            return Plan::Archive {
                path: path.relative(),
                name: path
                    .segments
                    .last()
                    .cloned()
                    .unwrap_or_else(|| "site".to_string()),
            };
        }
        let index = path.join(&self.settings.index_file);
        match self.fs.stat(&index) {
            Ok(Entry::File(meta)) => {
                self.serve_file(index, &self.settings.index_file, meta, FileRole::Requested)
            }
            Ok(_) | Err(LookupError::NotFound) if self.settings.directory_listing => {
                let title = format!(
                    "/{}",
                    path.segments
                        .iter()
                        .map(|s| format!("{s}/"))
                        .collect::<String>()
                );
                let relative = path.relative();
                Plan::Listing {
                    hidden: self.unserved_files_in(&relative),
                    path: relative,
                    title,
                    format: listing_format(self.request.accept),
                }
            }
            Ok(_) | Err(LookupError::NotFound) => self.missing(path),
            Err(e) => Plan::Fail(lookup_failure(e)),
        }
    }

    /// Nothing servable at the path: a clean URL's page, then a redirect rule,
    /// then the fallback pages.
    pub(super) fn missing(&self, path: &ResolvedPath) -> Plan {
        if self.settings.clean_urls && !path.is_hidden() && !self.is_unserved_file(path) {
            if let Some(plan) = self.clean_url_page(path) {
                return plan;
            }
        }
        if let Some(rule) = self.request.redirect {
            return self.apply_rule(path, rule);
        }
        self.not_found()
    }

    /// FALLBACK_PATH (200) wins over CUSTOM_404_PATH (404), else a plain 404.
    pub(super) fn not_found(&self) -> Plan {
        if let Some(fallback) = &self.settings.fallback_path {
            if let Ok(Entry::File(meta)) = self.fs.stat(fallback) {
                return self.serve_file(fallback.clone(), fallback, meta, FileRole::Requested);
            }
        }
        if let Some(page) = &self.settings.custom_404_path {
            if let Ok(Entry::File(meta)) = self.fs.stat(page) {
                return self.serve_file(page.clone(), page, meta, FileRole::NotFoundPage);
            }
        }
        Plan::Fail(Failure::NotFound)
    }

    /// Whether `path` is one of the site's own files (never served).
    pub(super) fn is_unserved_file(&self, path: &ResolvedPath) -> bool {
        let relative = path.relative();
        self.settings.unserved_files().any(|file| *file == relative)
    }

    /// The names of the site's own files that live in the directory `relative`.
    fn unserved_files_in(&self, relative: &str) -> Vec<String> {
        self.settings
            .unserved_files()
            .filter_map(|file| {
                let (dir, name) = file.rsplit_once('/').unwrap_or((".", file.as_str()));
                (dir == relative).then(|| name.to_string())
            })
            .collect()
    }
}

/// Whether the query has the member `download=tar`.
fn asks_for_tar(path: &ResolvedPath) -> bool {
    path.query
        .as_deref()
        .is_some_and(|query| query.split('&').any(|member| member == "download=tar"))
}
