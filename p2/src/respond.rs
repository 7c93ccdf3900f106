//! Sends a rendered Reply: headers, then no body, a short text, or a
//! streamed body (a file's ranges, a listing's rows) through the pump.

use crate::bindings::wasi::http::types::{
    Fields, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use crate::fs::RootDir;
use crate::pump::Pump;
use crate::ready;
use wasi_fileserver_core::answer::body::{prepare, send_body, Prepared};
use wasi_fileserver_core::decide::plan::Failure;
use wasi_fileserver_core::render::reply::{failure_reply, Reply, ReplyBody};
use wasi_fileserver_core::send::segment::BodyEnd;
use wasi_fileserver_core::settings::Settings;

pub fn respond(
    reply: Reply,
    root: Option<RootDir>,
    outparam: ResponseOutparam,
    settings: &Settings,
) {
    let (reply, root, body) = match ready(prepare(reply, root)) {
        Some(Prepared::Streamed { reply, root, body }) => (reply, root, body),
        Some(Prepared::Simple(reply)) => return simple(&reply, outparam),
        None => return simple(&failure_reply(Failure::Internal), outparam),
    };
    let Some((response, outgoing)) = response_with_body(&reply) else {
        return simple(&failure_reply(Failure::Internal), outparam);
    };
    // The host hands the body to the client only once the response is set.
    ResponseOutparam::set(outparam, Ok(response));
    let Ok(out) = outgoing.write() else { return };
    let mut pump = Pump::new(&out, settings);
    let end = ready(send_body(&root, body, &mut pump, settings))
        .unwrap_or(Err(BodyEnd::Failed))
        .and_then(|()| pump.flush())
        .err()
        .unwrap_or(BodyEnd::Done);
    drop(pump);
    drop(out);
    match end {
        BodyEnd::Done => {
            let _ = OutgoingBody::finish(outgoing, None);
        }
        // Dropping the body unfinished aborts the response: a client must never
        // take a short body for a complete one.
        BodyEnd::ClientGone | BodyEnd::Stalled | BodyEnd::Truncated | BodyEnd::Failed => {
            drop(outgoing)
        }
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
