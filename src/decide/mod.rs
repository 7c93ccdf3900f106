//! Request facts and the filesystem's answers -> a `Plan`: which file (or
//! listing, redirect, error) answers, and which bytes of it. Pure; no WASI.
//!
//! `decide` walks the steps in the order below, each a method of `Decision`
//! in the file named after it: `locate` what the path leads to (a file, a
//! directory's index or listing, or nothing), `clean_urls`, the `_redirects`
//! rule's target (`rule_targets`), and the `selection` of a file's
//! representation and bytes; `locations` builds redirect targets.

pub mod content_type;
pub mod fake_fs;
pub mod file_lookup;
pub mod file_meta;
pub mod plan;
pub mod request_facts;
pub mod uri_encoding;

mod clean_urls;
mod locate;
mod locations;
mod rule_targets;
mod selection;
#[cfg(test)]
mod tests;

pub(crate) use selection::companion_paths;

use crate::request::method::Method;
use crate::request::path::resolve_path;
use crate::settings::Settings;
use file_lookup::FileLookup;
use plan::{Failure, Plan};
use request_facts::RequestFacts;

/// What every step of one decision reads: the request, the filesystem and the
/// settings.
struct Decision<'a, F> {
    request: &'a RequestFacts<'a>,
    fs: &'a F,
    settings: &'a Settings,
}

pub fn decide(request: &RequestFacts<'_>, fs: &impl FileLookup, settings: &Settings) -> Plan {
    Decision {
        request,
        fs,
        settings,
    }
    .decide()
}

impl<F: FileLookup> Decision<'_, F> {
    fn decide(&self) -> Plan {
        match self.request.method {
            Method::Get | Method::Head => {}
            Method::Options => return Plan::Options,
            Method::Other => return Plan::Fail(Failure::MethodNotAllowed),
        }
        let Ok(path) = resolve_path(self.request.target) else {
            return Plan::Fail(Failure::BadRequest);
        };
        // A forced rule (`!`) applies whatever is at the path.
        if let Some(rule) = self.request.redirect.filter(|rule| rule.forced) {
            return self.apply_rule(&path, rule);
        }
        // The rule files are never served, and hidden paths only if asked.
        if self.is_unserved_file(&path) || (path.is_hidden() && !self.settings.serve_hidden) {
            return self.missing(&path);
        }
        self.locate(&path)
    }
}
