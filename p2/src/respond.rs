//! Sends a rendered Reply: headers, then no body, a short text, or segments
//! (a file's ranges, a listing's rows) through the pump.

use crate::bindings::wasi::filesystem::types::{Descriptor, DescriptorType, DirectoryEntry};
use crate::bindings::wasi::http::types::{
    Fields, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use crate::fs::{next_entry, open_dir, open_file};
use crate::pump::pump;
use wasi_fileserver_core::decide::plan::{lookup_failure, Failure};
use wasi_fileserver_core::render::listing::{DirReadError, EntriesEnd, ListedEntry, ListingRows};
use wasi_fileserver_core::render::reply::{failure_reply, Reply, ReplyBody};
use wasi_fileserver_core::send::segment::{BodyEnd, Segment};
use wasi_fileserver_core::settings::Settings;

pub fn respond(
    reply: Reply,
    root: Option<&Descriptor>,
    outparam: ResponseOutparam,
    settings: &Settings,
) {
    if matches!(reply.body, ReplyBody::None | ReplyBody::Text(_)) {
        return simple(&reply, outparam);
    }
    let Some(root) = root else {
        return simple(&failure_reply(Failure::Internal), outparam);
    };
    // Open before committing to a status, so that a failure can still say so.
    match &reply.body {
        ReplyBody::File { path, segments } => match open_file(root, path) {
            Ok((file, _size)) => {
                let segments = segments.iter().cloned().map(Ok);
                streamed(&reply, outparam, Some(&file), segments, settings)
            }
            Err(e) => simple(&failure_reply(lookup_failure(e)), outparam),
        },
        ReplyBody::Listing { path, head, hidden } => {
            let entries = open_dir(root, path)
                .map_err(lookup_failure)
                .and_then(|dir| dir.read_directory().map_err(|_| Failure::Internal));
            match entries {
                Ok(entries) => {
                    let rows = listing_rows(
                        move || next_entry(&entries),
                        ListingRows::new(settings.serve_hidden, hidden.clone()),
                    );
                    let segments = std::iter::once(Ok(Segment::Literal(head.clone()))).chain(rows);
                    streamed(&reply, outparam, None, segments, settings)
                }
                Err(failure) => simple(&failure_reply(failure), outparam),
            }
        }
        ReplyBody::None | ReplyBody::Text(_) => simple(&reply, outparam),
    }
}

/// The listing's rows, then its tail, pulled one entry at a time.
fn listing_rows(
    mut next: impl FnMut() -> Result<Option<DirectoryEntry>, DirReadError>,
    rows: ListingRows,
) -> impl Iterator<Item = Result<Segment, BodyEnd>> {
    let mut rows = Some(rows);
    std::iter::from_fn(move || loop {
        let listing = rows.as_mut()?;
        match next() {
            Ok(Some(entry)) => {
                let named = ListedEntry::Named {
                    name: &entry.name,
                    is_dir: entry.type_ == DescriptorType::Directory,
                };
                if let Some(row) = listing.row(named) {
                    return Some(Ok(Segment::Literal(row)));
                }
            }
            Err(DirReadError::UnreadableName) => {
                listing.row(ListedEntry::UnreadableName);
            }
            Ok(None) => {
                let tail = rows.take()?.tail(EntriesEnd::Complete);
                return Some(Ok(Segment::Literal(tail)));
            }
            Err(DirReadError::Failed) => {
                rows = None;
                return Some(Err(BodyEnd::Failed));
            }
        }
    })
}

fn streamed(
    reply: &Reply,
    outparam: ResponseOutparam,
    file: Option<&Descriptor>,
    segments: impl Iterator<Item = Result<Segment, BodyEnd>>,
    settings: &Settings,
) {
    let Some((response, body)) = response_with_body(reply) else {
        return simple(&failure_reply(Failure::Internal), outparam);
    };
    // The host hands the body to the client only once the response is set.
    ResponseOutparam::set(outparam, Ok(response));
    let Ok(out) = body.write() else { return };
    let end = pump(&out, file, segments, settings);
    drop(out);
    match end {
        BodyEnd::Done => {
            let _ = OutgoingBody::finish(body, None);
        }
        // Dropping the body unfinished aborts the response: a client must never
        // take a short body for a complete one.
        BodyEnd::ClientGone | BodyEnd::Stalled | BodyEnd::Truncated | BodyEnd::Failed => drop(body),
    }
}

/// No body, or a short literal one.
fn simple(reply: &Reply, outparam: ResponseOutparam) {
    let ReplyBody::Text(text) = reply.body else {
        // HEAD, 304, redirects: no body resource at all, whatever Content-Length says.
        let response = fields(reply).and_then(|headers| response(reply.status, headers));
        return match response {
            Some(response) => ResponseOutparam::set(outparam, Ok(response)),
            None => set_bare_error(outparam),
        };
    };
    let Some((response, body)) = response_with_body(reply) else {
        return set_bare_error(outparam);
    };
    ResponseOutparam::set(outparam, Ok(response));
    let Ok(out) = body.write() else { return };
    // Error texts are far below the 4096-byte limit of blocking_write_and_flush.
    let written = out.blocking_write_and_flush(text.as_bytes()).is_ok();
    drop(out);
    if written {
        let _ = OutgoingBody::finish(body, None);
    }
}

fn response_with_body(reply: &Reply) -> Option<(OutgoingResponse, OutgoingBody)> {
    let response = response(reply.status, fields(reply)?)?;
    let body = response.body().ok()?;
    Some((response, body))
}

fn response(status: u16, headers: Fields) -> Option<OutgoingResponse> {
    let response = OutgoingResponse::new(headers);
    response.set_status_code(status).ok()?;
    Some(response)
}

fn fields(reply: &Reply) -> Option<Fields> {
    Fields::from_list(&reply.header_entries()).ok()
}

/// A 500 without headers, for when even building the response failed.
fn set_bare_error(outparam: ResponseOutparam) {
    let response = OutgoingResponse::new(Fields::new());
    let _ = response.set_status_code(500);
    ResponseOutparam::set(outparam, Ok(response));
}
