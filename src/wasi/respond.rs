//! Sends a rendered Reply: headers, then no body, a short text, or a file
//! through the pump.

use super::bindings::wasi::filesystem::types::Descriptor;
use super::bindings::wasi::http::types::{Fields, OutgoingBody, OutgoingResponse, ResponseOutparam};
use super::fs::open_file;
use super::pump::{pump_file, PumpEnd};
use crate::config::Settings;
use crate::plan::lookup_failure;
use crate::plan::Failure;
use crate::reply::{failure_reply, Reply, ReplyBody};

pub fn respond(reply: Reply, root: Option<&Descriptor>, outparam: ResponseOutparam, settings: &Settings) {
    match &reply.body {
        ReplyBody::File { path, start, len } => {
            // Open before committing to a status, so that a failure can still say so.
            let opened = match root {
                Some(root) => open_file(root, path).map_err(lookup_failure),
                None => Err(Failure::Internal),
            };
            match opened {
                Ok(file) => send_file(&reply, &file, *start, *len, outparam, settings),
                Err(failure) => send_text(&failure_reply(failure), outparam),
            }
        }
        _ => send_text(&reply, outparam),
    }
}

fn send_file(reply: &Reply, file: &Descriptor, start: u64, len: u64, outparam: ResponseOutparam, settings: &Settings) {
    let Some((response, body)) = response_with_body(reply) else {
        return send_text(&failure_reply(Failure::Internal), outparam);
    };
    // The host hands the body to the client only once the response is set.
    ResponseOutparam::set(outparam, Ok(response));
    let Ok(out) = body.write() else { return };
    let end = pump_file(file, &out, start, len, settings);
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
fn send_text(reply: &Reply, outparam: ResponseOutparam) {
    let text = match reply.body {
        ReplyBody::Text(text) => text,
        _ => {
            // HEAD, redirects: no body resource at all, whatever Content-Length says.
            let response = fields(reply).and_then(|headers| response(reply.status, headers));
            return match response {
                Some(response) => ResponseOutparam::set(outparam, Ok(response)),
                None => set_bare_error(outparam),
            };
        }
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
