//! Sends a rendered Reply: headers, then no body, a short text, or segments
//! (a file's ranges, a listing's rows) through the pump.

use super::bindings::wasi::filesystem::types::Descriptor;
use super::bindings::wasi::http::types::{
    Fields, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use super::fs::{directory_rows, open_dir, open_file};
use super::pump::{pump, PumpEnd};
use crate::config::Settings;
use crate::listing::{listing_entry, LISTING_TAIL};
use crate::plan::{lookup_failure, Failure};
use crate::reply::{failure_reply, Reply, ReplyBody};
use crate::segment::Segment;

pub fn respond(
    reply: Reply,
    root: Option<&Descriptor>,
    outparam: ResponseOutparam,
    settings: &Settings,
) {
    // Open before committing to a status, so that a failure can still say so.
    let opened = |open: fn(&Descriptor, &str) -> Result<Descriptor, _>, path: &str| match root {
        Some(root) => open(root, path).map_err(lookup_failure),
        None => Err(Failure::Internal),
    };
    match &reply.body {
        ReplyBody::File { path, segments } => match opened(open_file, path) {
            Ok(file) => {
                let segments = segments.iter().cloned().map(Ok);
                send_streamed(&reply, outparam, Some(&file), segments, settings)
            }
            Err(failure) => send_simple(&failure_reply(failure), outparam),
        },
        ReplyBody::Listing { path, head } => match opened(open_dir, path) {
            Ok(dir) => {
                let rows = directory_rows(&dir, settings.serve_hidden).map(|row| match row {
                    Ok((name, is_dir)) => Ok(Segment::Literal(listing_entry(&name, is_dir))),
                    Err(()) => Err(PumpEnd::Failed),
                });
                let segments = std::iter::once(Ok(Segment::Literal(head.clone())))
                    .chain(rows)
                    .chain(std::iter::once(Ok(Segment::Literal(
                        LISTING_TAIL.to_string(),
                    ))));
                send_streamed(&reply, outparam, None, segments, settings)
            }
            Err(failure) => send_simple(&failure_reply(failure), outparam),
        },
        ReplyBody::None | ReplyBody::Text(_) => send_simple(&reply, outparam),
    }
}

fn send_streamed(
    reply: &Reply,
    outparam: ResponseOutparam,
    file: Option<&Descriptor>,
    segments: impl Iterator<Item = Result<Segment, PumpEnd>>,
    settings: &Settings,
) {
    let Some((response, body)) = response_with_body(reply) else {
        return send_simple(&failure_reply(Failure::Internal), outparam);
    };
    // The host hands the body to the client only once the response is set.
    ResponseOutparam::set(outparam, Ok(response));
    let Ok(out) = body.write() else { return };
    let end = pump(&out, file, segments, settings);
    drop(out);
    match end {
        PumpEnd::Done => {
            let _ = OutgoingBody::finish(body, None);
        }
        // Dropping the body unfinished aborts the response: a client must never
        // take a short body for a complete one.
        PumpEnd::ClientGone | PumpEnd::Stalled | PumpEnd::Truncated | PumpEnd::Failed => drop(body),
    }
}

/// No body, or a short literal one.
fn send_simple(reply: &Reply, outparam: ResponseOutparam) {
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
    let entries: Vec<(String, Vec<u8>)> = reply
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    Fields::from_list(&entries).ok()
}

/// A 500 without headers, for when even building the response failed.
fn set_bare_error(outparam: ResponseOutparam) {
    let response = OutgoingResponse::new(Fields::new());
    let _ = response.set_status_code(500);
    ResponseOutparam::set(outparam, Ok(response));
}
