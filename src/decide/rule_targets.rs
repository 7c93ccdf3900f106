//! A matched `_redirects` rule: a redirect, or the file a rewrite or a
//! 404/410 page rule points at.

use percent_encoding::utf8_percent_encode;

use crate::decide::file_lookup::{Entry, FileLookup};
use crate::decide::plan::{Failure, FileRole, Plan};
use crate::request::path::ResolvedPath;

use super::locations::relative_location;
use super::Decision;
use crate::decide::uri_encoding::NOT_URI;
use crate::request::path::resolve_path;
use crate::rules::redirects::RuleKind;
use crate::rules::scan::RedirectMatch;

impl<F: FileLookup> Decision<'_, F> {
    /// A matched `_redirects` rule, applied.
    pub(super) fn apply_rule(&self, path: &ResolvedPath, rule: &RedirectMatch) -> Plan {
        match rule.kind {
            RuleKind::Redirect(status) => Plan::Redirect {
                status,
                location: if rule.target.starts_with('/') {
                    relative_location(path, &rule.target)
                } else {
                    utf8_percent_encode(&rule.target, NOT_URI).to_string()
                },
            },
            RuleKind::Rewrite => self.serve_target(&rule.target, FileRole::Requested),
            RuleKind::Page(410) => self.serve_target(&rule.target, FileRole::GonePage),
            RuleKind::Page(_) => self.serve_target(&rule.target, FileRole::NotFoundPage),
        }
    }

    /// The file a rewrite or page rule points at: looked up like a request,
    /// but never redirected, and never through the rules again.
    fn serve_target(&self, target: &str, role: FileRole) -> Plan {
        let absent = || match role {
            FileRole::Requested => self.not_found(),
            FileRole::NotFoundPage => Plan::Fail(Failure::NotFound),
            FileRole::GonePage => Plan::Fail(Failure::Gone),
        };
        let Ok(path) = resolve_path(target) else {
            return absent();
        };
        if self.is_unserved_file(&path) || (path.is_hidden() && !self.settings.serve_hidden) {
            return absent();
        }
        match self.fs.stat(&path.relative()) {
            Ok(Entry::File(meta)) => self.serve_file(path.relative(), path.file_name(), meta, role),
            Ok(Entry::Directory(_)) => {
                let index = path.join(&self.settings.index_file);
                match self.fs.stat(&index) {
                    Ok(Entry::File(meta)) => {
                        self.serve_file(index, &self.settings.index_file, meta, role)
                    }
                    _ => absent(),
                }
            }
            _ => absent(),
        }
    }
}
