//! What `decide` answers: the plan, and the representation it serves.

use std::time::SystemTime;

use crate::decide::file_lookup::LookupError;
use crate::decide::file_meta::FileMeta;
use crate::manifest::digest::Sha256Digest;
use crate::request::accept::ListingFormat;
use crate::request::accept_encoding::Encoding;
use crate::request::range::ByteRange;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Send (or, for HEAD, describe) a file.
    File {
        role: FileRole,
        file: Representation,
        selection: Selection,
        /// `Repr-Digest` to send: the file's digest on 200 and 206, unless
        /// the client declined it.
        repr_digest: Option<Sha256Digest>,
    },
    /// 304: the client's copy is current.
    NotModified(Representation),
    /// 416: no requested range overlaps the representation.
    RangeNotSatisfiable(Representation),
    /// A listing of the directory at `path` (relative), titled `title`,
    /// without the entries named in `hidden` (the rule files).
    Listing {
        path: String,
        title: String,
        hidden: Vec<String>,
        format: ListingFormat,
    },
    /// The directory at `path` (relative) and everything visible below it
    /// as one tar archive, its members under the folder `name`.
    Archive {
        path: String,
        name: String,
    },
    /// 301, 302, 303, 307 or 308 to `location` (relative for this site's
    /// own paths, so that it stays right under any route prefix).
    Redirect {
        status: u16,
        location: String,
    },
    /// 204 with `Allow`.
    Options,
    Fail(Failure),
}

/// Why `decide` answers with an error status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PreconditionFailed,
    /// A `_redirects` 410 rule whose page is missing.
    Gone,
    Internal,
}

/// Why a file is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// The file asked for (or `FALLBACK_PATH`): 200, or 206 for ranges.
    Requested,
    /// `CUSTOM_404_PATH`, or a `_redirects` 404 rule's page: 404, whole,
    /// no conditionals.
    NotFoundPage,
    /// A `_redirects` 410 rule's page: 410, whole, no conditionals.
    GonePage,
}

/// One file as it will be sent: the bytes on disk (perhaps a precompressed
/// variant) and the metadata that describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Representation {
    /// Relative to the root: the file actually read.
    pub path: String,
    pub meta: FileMeta,
    /// `Last-Modified` as sent: whole seconds, never after the response's date.
    pub last_modified: Option<SystemTime>,
    /// From the name the client asked for, not the variant's.
    pub content_type: &'static str,
    pub encoding: Option<Encoding>,
    /// Whether a precompressed variant exists, so responses vary on Accept-Encoding.
    pub variants: Variants,
    /// The manifest's hash of exactly these bytes (the variant's own entry
    /// for a precompressed variant).
    pub digest: Option<Sha256Digest>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variants {
    /// Only the file itself: the same bytes for every request.
    None,
    /// A `.br`, `.zst` or `.gz` beside it: every response says
    /// `Vary: Accept-Encoding`.
    Negotiable,
}

impl Representation {
    /// The variant's own strong ETag; the encoding is part of it so that two
    /// encodings can never share one.
    pub fn etag(&self) -> String {
        if let Some(digest) = self.digest {
            return digest.etag();
        }
        match self.encoding {
            Some(e) => self.meta.etag_with_suffix(e.token()),
            None => self.meta.etag(),
        }
    }
}

/// Which bytes of the representation the response carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The whole file.
    Whole,
    /// 206 with one range.
    Range(ByteRange),
    /// 206 multipart/byteranges with these ranges (several).
    Multipart(Vec<ByteRange>),
}

pub(crate) fn lookup_failure(e: LookupError) -> Failure {
    match e {
        LookupError::NotFound => Failure::NotFound,
        LookupError::Denied => Failure::Forbidden,
        LookupError::Failed => Failure::Internal,
    }
}
