//! A file found: its representation (a precompressed variant the client
//! prefers), the preconditions, and which bytes the response carries.

use crate::decide::file_lookup::{Entry, FileLookup};
use crate::decide::file_meta::FileMeta;
use crate::decide::plan::{Failure, FileRole, Plan};

use super::Decision;
use crate::decide::content_type::{content_type_for, is_precompressible};
use crate::decide::plan::{Representation, Selection, Variants};
use crate::render::http_date;
use crate::request::accept_encoding::{choose, Encoding};
use crate::request::conditional::{check_if_range, evaluate, Validators, Verdict};
use crate::request::method::Method;
use crate::request::range::{parse_range, RangeRequest};
use crate::request::want_digest::DigestPreference;

impl<F: FileLookup> Decision<'_, F> {
    pub(super) fn serve_file(
        &self,
        path: String,
        name: &str,
        meta: FileMeta,
        role: FileRole,
    ) -> Plan {
        let file = self.negotiate(path, name, meta);
        if role != FileRole::Requested {
            // An error page: no validators to honour, no ranges to cut.
            return Plan::File {
                role,
                file,
                selection: Selection::Whole,
                repr_digest: None,
            };
        }
        let etag = file.etag();
        let validators = Validators {
            etag: &etag,
            last_modified: file.last_modified,
        };
        match evaluate(self.request.preconditions, validators) {
            Verdict::Proceed => {}
            Verdict::NotModified => return Plan::NotModified(file),
            Verdict::PreconditionFailed => return Plan::Fail(Failure::PreconditionFailed),
        }
        // Range is defined for GET only (RFC 9110 section 14.2): HEAD ignores it.
        let range = self
            .request
            .range
            .filter(|_| self.request.method == Method::Get);
        let selection = match range {
            Some(range)
                if check_if_range(self.request.preconditions.if_range.as_deref(), validators) =>
            {
                match parse_range(range, file.meta.size) {
                    RangeRequest::Unsatisfiable => return Plan::RangeNotSatisfiable(file),
                    RangeRequest::Partial(ranges) => match ranges.as_slice() {
                        [range] => Selection::Range(*range),
                        _ => Selection::Multipart(ranges),
                    },
                    RangeRequest::Whole => Selection::Whole,
                }
            }
            _ => Selection::Whole,
        };
        let repr_digest = match self.request.want_repr_digest {
            DigestPreference::Refused => None,
            DigestPreference::Unstated | DigestPreference::Wanted => file.digest,
        };
        Plan::File {
            role,
            file,
            selection,
            repr_digest,
        }
    }

    /// Picks a precompressed variant (`name.br`, `name.zst`, `name.gz`) the
    /// client prefers. Every variant `has_variants` allows is looked up,
    /// even those the client does not accept, because every response for a
    /// negotiable resource must say `Vary: Accept-Encoding`.
    pub(super) fn negotiate(&self, path: String, name: &str, meta: FileMeta) -> Representation {
        let content_type = content_type_for(name);
        let probed = has_variants(&path);
        let found = Encoding::ALL.map(|e| {
            if !probed {
                return None;
            }
            match self.fs.stat(&e.variant_path(&path)) {
                Ok(Entry::File(meta)) => Some((e, meta)),
                _ => None,
            }
        });
        let variants = if found.iter().any(Option::is_some) {
            Variants::Negotiable
        } else {
            Variants::None
        };
        let variant =
            |wanted: Encoding| found.iter().flatten().find(|(e, _)| *e == wanted).copied();
        let chosen =
            choose(self.request.accept_encoding, |e| variant(e).is_some()).and_then(variant);
        let (path, meta, encoding) = match chosen {
            Some((encoding, variant_meta)) => {
                (encoding.variant_path(&path), variant_meta, Some(encoding))
            }
            None => (path, meta, None),
        };
        let digest = self.fs.digest(&path, meta.size);
        Representation {
            path,
            last_modified: meta
                .modified_time()
                .map(|modified| http_date::last_modified(modified, self.request.now)),
            meta,
            content_type,
            encoding,
            variants,
            digest,
        }
    }
}

/// Whether `decide` looks up the precompressed variants of the file at
/// `path`: all of them for a type that may have some (`is_precompressible`),
/// none for a type compressed already.
fn has_variants(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    is_precompressible(content_type_for(name))
}

/// The other paths `decide` asks about once `path` turned out to be a file
/// (the variants `has_variants` allows, for `Vary`, whatever the request
/// accepts): a glue that looks paths up ahead of the decision can fetch them
/// with it.
pub(crate) fn companion_paths(path: &str) -> impl Iterator<Item = String> + '_ {
    let probed = has_variants(path);
    Encoding::ALL
        .into_iter()
        .filter(move |_| probed)
        .map(move |e| e.variant_path(path))
}
