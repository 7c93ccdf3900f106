//! Sends a rendered Reply as a WASI 0.3 `response`: headers, then no body, a
//! short text, the file's own stream (`TRANSFER=splice` with
//! `STALL_TIMEOUT=0`), or segments through the pump.
//!
//! The body is a stream the response carries and a trailers future that says
//! how it ended. That future defaults to an error: unless the body was sent
//! whole (`Ok`), the host aborts the response instead of ending it cleanly,
//! so a client never takes a short body for a complete one.

use wasi_fileserver_core::answer::body::{prepare, send_body, Prepared};
use wasi_fileserver_core::render::reply::{unavailable_reply, Reply, ReplyBody};
use wasi_fileserver_core::send::segment::BodyEnd;
use wasi_fileserver_core::settings::{Settings, Transfer};
use wasip3::filesystem::types::Descriptor;
use wasip3::http::types::{ErrorCode, Fields, Response, Trailers};
use wasip3::wit_bindgen::rt::async_support::{FutureReader, FutureWriter, StreamReader};
use wasip3::{wit_future, wit_stream};

use crate::fs::RootDir;
use crate::pump::Pump;

type TrailersResult = Result<Option<Trailers>, ErrorCode>;

pub async fn respond(
    reply: Reply,
    root: Option<RootDir>,
    settings: &'static Settings,
) -> Result<Response, ErrorCode> {
    let (reply, root, mut body) = match prepare(reply, root).await {
        Prepared::Simple(reply) => return Ok(simple(&reply)),
        Prepared::Streamed { reply, root, body } => (reply, root, body),
    };
    // Once the file's own stream is handed over, no guest code runs while it
    // flows, so the guest could not notice a stalled client: the host moves
    // the bytes alone only when the guest keeps no stall timer (the host
    // enforces one, or nobody does). Nor can it pace the bytes: a rate limit
    // needs the pump.
    if settings.transfer == Transfer::Splice
        && settings.stall_timeout.guest_timer().is_none()
        && settings.rate_limit.is_none()
    {
        body = match body.into_whole_file() {
            Ok(file) => return Ok(whole_file(&reply, file)),
            Err(body) => body,
        };
    }
    let Some(buffer) = body.read_buffer(settings) else {
        return Ok(simple(&unavailable_reply()));
    };
    Ok(streamed(
        &reply,
        settings,
        buffer,
        move |mut pump| async move { send_body(&root, body, &mut pump, settings).await },
    ))
}

/// The file's own stream is the body: the host moves every byte, none enters
/// linear memory, and no guest task is left running for it. The response has
/// a Content-Length, so the host aborts it if the stream ends short (the file
/// shrank, or a read failed); the trailers are therefore plain `Ok`.
fn whole_file(reply: &Reply, file: Descriptor) -> Response {
    let (contents, _read_result) = file.read_via_stream(0);
    // Trailers that are `Ok` once the writer is gone: dropped at once.
    let (trailers, trailers_rx) = wit_future::new(|| Ok(None));
    drop(trailers);
    response(reply, Some(contents), trailers_rx)
}

/// A body produced by `produce` through the pump, after the response is returned.
fn streamed<F>(
    reply: &Reply,
    settings: &Settings,
    buffer: Vec<u8>,
    produce: impl FnOnce(Pump) -> F + 'static,
) -> Response
where
    F: std::future::Future<Output = Result<(), BodyEnd>> + 'static,
{
    let (out, contents) = wit_stream::new();
    let (trailers, trailers_rx) = trailers();
    let response = response(reply, Some(contents), trailers_rx);
    let pump = Pump::new(
        out,
        settings.stall_timeout.guest_timer(),
        buffer,
        settings.rate_limit,
    );
    spawn!(async move {
        // `produce` owns the body stream: it is dropped (closed) when it returns.
        let end = produce(pump).await.err().unwrap_or(BodyEnd::Done);
        finish(trailers, end).await;
    });
    response
}

/// No body, or a short literal one.
fn simple(reply: &Reply) -> Response {
    let ReplyBody::Text(text) = reply.body else {
        // HEAD, 304, redirects: no body at all, whatever Content-Length says.
        // Trailers that default to `Ok`, resolved by dropping the writer: no
        // task to run after the handler returns.
        let (trailers, trailers_rx) = wit_future::new(|| Ok(None));
        drop(trailers);
        return response(reply, None, trailers_rx);
    };
    let (mut out, contents) = wit_stream::new();
    let (trailers, trailers_rx) = trailers();
    let response = response(reply, Some(contents), trailers_rx);
    spawn!(async move {
        let unsent = out.write_all(text.as_bytes().to_vec()).await;
        drop(out);
        let end = if unsent.is_empty() {
            BodyEnd::Done
        } else {
            BodyEnd::ClientGone
        };
        finish(trailers, end).await;
    });
    response
}

/// `Ok` trailers only for a body sent whole; any other end leaves the default
/// error, which makes the host abort the response.
async fn finish(trailers: FutureWriter<TrailersResult>, end: BodyEnd) {
    match end {
        BodyEnd::Done => {
            trailers.write(Ok(None)).await.ok();
        }
        BodyEnd::ClientGone | BodyEnd::Stalled | BodyEnd::Truncated | BodyEnd::Failed => {
            drop(trailers)
        }
    }
}

fn trailers() -> (FutureWriter<TrailersResult>, FutureReader<TrailersResult>) {
    wit_future::new(|| Err(ErrorCode::InternalError(None)))
}

fn response(
    reply: &Reply,
    contents: Option<StreamReader<u8>>,
    trailers: FutureReader<TrailersResult>,
) -> Response {
    // Headers that cannot be built: a bare 500, as the 0.2 build sends.
    let (headers, status) = match Fields::from_list(&reply.header_entries()) {
        Ok(headers) => (headers, reply.status),
        Err(_) => (Fields::new(), 500),
    };
    let (response, _sent) = Response::new(headers, contents, trailers);
    if response.set_status_code(status).is_err() {
        let _ = response.set_status_code(500);
    }
    response
}
