//! The guest's response body as the caller sees it, and the tally of what the
//! guest put into it.
//!
//! wasmtime-wasi-http hands hyper a body fed by a bounded channel: the guest's
//! writes go in, hyper (or a test) pulls frames out. `ResponseBody` wraps that
//! body without buffering and counts every data frame pulled. The count and the
//! way the stream ended are shared with the task that runs the instance
//! (`BodyTap`), which needs them for the report:
//!
//! - Once the instance is gone (`BodyTap::settle`), nothing more can enter the
//!   channel, so the frames still in it are moved to a queue the caller reads
//!   first (at most `buffer_chunks + 1` `Bytes` handles, no copy). The tally is
//!   then final even if the caller never reads on.
//! - When the caller drops the body before its end, the frames already in the
//!   channel are counted, then the channel is closed, which the guest sees as
//!   `StreamError::Closed` (the client is gone).
//! - wasmtime ends the channel cleanly when the `Store` is dropped with the body
//!   unfinished (e.g. a trap mid-body); a trapped guest's body therefore ends
//!   with an error here, so a caller never takes a truncated body for a whole one.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// Error a `ResponseBody` yields when the guest's body ended abnormally.
#[derive(Debug, Clone)]
pub struct ResponseBodyError(pub String);

impl fmt::Display for ResponseBodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response body aborted: {}", self.0)
    }
}

impl std::error::Error for ResponseBodyError {}

/// How the guest's body stream ended, as seen from the host side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyEnd {
    /// The guest finished the body.
    Clean,
    /// The stream failed: the guest dropped the body without `finish`, a
    /// `Content-Length` mismatch, or the guest trapped.
    Error(String),
}

/// Final numbers for the report, taken when the instance is gone.
#[derive(Debug, Clone, Default)]
pub struct BodyTally {
    /// Data bytes the guest got into the channel.
    pub bytes: u64,
    /// `None` when no body was ever handed over, or it had not ended.
    pub end: Option<BodyEnd>,
    /// The caller dropped the body before its end.
    pub client_gone: bool,
    /// The response carried no body resource (HEAD, 304, ...).
    pub no_body: bool,
}

#[derive(Default)]
struct TapState {
    /// The guest's body while it may still yield frames.
    inner: Option<HyperOutgoingBody>,
    /// Frames moved out of the channel after the instance was gone.
    leftover: VecDeque<Bytes>,
    end: Option<BodyEnd>,
    /// Whether the caller has been given the end (error or `None`).
    end_delivered: bool,
    bytes: u64,
    client_gone: bool,
    no_body: bool,
    /// Set when the instance is about to be dropped with the body unfinished
    /// (a trap, or a reused guest that returned with its body still open):
    /// the channel's end that the drop causes is then reported as this error.
    cut_short: Option<&'static str>,
    /// The response's Content-Length, if it had one and the request was not
    /// a HEAD (whose response carries a GET's length and no body).
    promised: Option<u64>,
    /// The request was a HEAD.
    head_request: bool,
    /// The caller's waker, replaced by a no-op one when `settle` drains the
    /// channel; woken afterwards so the caller reads the moved frames.
    caller_waker: Option<Waker>,
    /// The caller dropped its `ResponseBody` (at its end or before).
    caller_dropped: bool,
    /// A WASIp3 instance's task waiting in `BodyTap::finished`.
    host_waker: Option<Waker>,
    /// Frames the guest's body channel holds at most (buffer chunks + 1).
    channel_frames: usize,
}

impl TapState {
    /// Counts a pulled frame, or records the end.
    fn record(
        &mut self,
        polled: Option<Result<Frame<Bytes>, wasmtime_wasi_http::Error>>,
    ) -> Option<Frame<Bytes>> {
        match polled {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    self.bytes += data.len() as u64;
                }
                Some(frame)
            }
            Some(Err(error)) => {
                self.end = Some(BodyEnd::Error(error.to_string()));
                self.inner = None;
                self.wake_host();
                None
            }
            None => {
                self.end = Some(match (self.cut_short, self.promised) {
                    (Some(why), _) => BodyEnd::Error(why.into()),
                    // A body that ends short of its Content-Length is cut,
                    // whatever the layers below said (wasmtime-wasi-http's
                    // WASIp3 body can lose its own error when its one-frame
                    // channel is full).
                    (None, Some(promised)) if self.bytes < promised => BodyEnd::Error(format!(
                        "the body ended after {} of the {promised} bytes its Content-Length promised",
                        self.bytes
                    )),
                    (None, _) => BodyEnd::Clean,
                });
                self.inner = None;
                self.wake_host();
                None
            }
        }
    }

    fn wake_host(&mut self) {
        if let Some(waker) = self.host_waker.take() {
            waker.wake();
        }
    }

    /// Pulls the frames that are ready now (at most `max_frames`), without
    /// registering the caller's waker; `keep` decides whether data frames are
    /// kept for the caller.
    fn drain_ready(&mut self, keep: bool, max_frames: usize) {
        let mut cx = Context::from_waker(Waker::noop());
        let mut pulled = 0;
        while let Some(inner) = self.inner.as_mut().filter(|_| pulled < max_frames) {
            pulled += 1;
            match Pin::new(inner).poll_frame(&mut cx) {
                Poll::Pending => break,
                Poll::Ready(polled) => {
                    if let Some(frame) = self.record(polled) {
                        if let (true, Ok(data)) = (keep, frame.into_data()) {
                            self.leftover.push_back(data);
                        }
                    }
                }
            }
        }
    }
}

/// The side of the body that the instance's task holds.
#[derive(Clone, Default)]
pub(crate) struct BodyTap(Arc<Mutex<TapState>>);

impl BodyTap {
    /// `channel_frames`: how many frames the guest's body channel holds.
    /// `head_request`: the request was a HEAD, so the response's
    /// Content-Length promises no bytes.
    pub fn new(channel_frames: usize, head_request: bool) -> Self {
        let tap = BodyTap::default();
        {
            let mut state = tap.0.lock().unwrap();
            state.channel_frames = channel_frames;
            state.head_request = head_request;
        }
        tap
    }

    /// Called when the guest sets its response (inside `response-outparam.set`,
    /// so strictly before the instance can be gone): takes the body, with the
    /// length its `Content-Length` promises, and gives the head back.
    pub fn install(&self, response: http::Response<HyperOutgoingBody>) -> http::response::Parts {
        let (head, body) = response.into_parts();
        let promised = head
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok());
        self.install_body(body, promised);
        head
    }

    fn install_body(&self, body: HyperOutgoingBody, promised: Option<u64>) {
        let mut state = self.0.lock().unwrap();
        state.promised = promised.filter(|_| !state.head_request);
        // wasmtime gives a response without a body resource an `Empty` body.
        if body.is_end_stream() {
            state.no_body = true;
            state.end = Some(BodyEnd::Clean);
        }
        state.inner = Some(body);
    }

    /// Called when the guest trapped, before its `Store` is dropped.
    pub fn guest_trapped(&self) {
        self.0.lock().unwrap().cut_short = Some("the guest trapped before finishing the body");
    }

    /// Called when a guest returned from the handler without finishing or
    /// dropping its body, before its `Store` is dropped for that reason.
    pub fn guest_left_body_open(&self) {
        self.0.lock().unwrap().cut_short =
            Some("the guest returned from the handler without finishing the body");
    }

    /// Called once the `Store` is dropped, or, for a reused instance, once the
    /// handler has returned: nothing can enter the channel any more (a reused
    /// guest that kept its body open is dropped and settled again), so what
    /// is in it is final. Moves it to the caller's queue.
    pub fn settle(&self) -> BodyTally {
        let mut state = self.0.lock().unwrap();
        if state.end.is_none() && !state.client_gone {
            // Nothing can enter the channel any more: take all of it.
            state.drain_ready(true, usize::MAX);
        }
        if let Some(waker) = state.caller_waker.take() {
            waker.wake();
        }
        BodyTally {
            bytes: state.bytes,
            end: state.end.clone(),
            client_gone: state.client_gone,
            no_body: state.no_body,
        }
    }

    /// Resolves once the body's first frame is here (kept for the caller)
    /// or the body has ended: a caller that answers only then sends the head
    /// and the first bytes in one write, and a small file in one segment.
    pub fn first_frame(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let tap = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = tap.0.lock().unwrap();
            if state.end.is_some() || !state.leftover.is_empty() || state.no_body {
                return Poll::Ready(());
            }
            let Some(inner) = state.inner.as_mut() else {
                return Poll::Ready(());
            };
            match Pin::new(inner).poll_frame(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(polled) => {
                    if let Some(frame) = state.record(polled) {
                        if let Ok(data) = frame.into_data() {
                            state.leftover.push_back(data);
                        }
                    }
                    Poll::Ready(())
                }
            }
        })
    }

    /// For a WASIp3 instance, whose body is fed only while its store runs:
    /// resolves once the body has ended, or the caller has left. When the
    /// caller dropped the body at its end (hyper stops at Content-Length),
    /// this pulls the rest itself to learn how the guest ended it.
    pub fn finished(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let tap = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = tap.0.lock().unwrap();
            if state.end.is_some() || state.client_gone {
                return Poll::Ready(());
            }
            if state.caller_dropped {
                while let Some(inner) = state.inner.as_mut() {
                    match Pin::new(inner).poll_frame(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(polled) => drop(state.record(polled)),
                    }
                }
                return Poll::Ready(());
            }
            state.host_waker = Some(cx.waker().clone());
            Poll::Pending
        })
    }

    pub fn body(&self) -> ResponseBody {
        ResponseBody {
            tap: Some(self.clone()),
        }
    }
}

/// The response body of an `Exchange`: the guest's bytes, pulled at the
/// caller's pace. Dropping it before the end closes the stream (client gone).
pub struct ResponseBody {
    /// `None` for the empty body of a response the host made up (the guest
    /// set an error or no response at all).
    tap: Option<BodyTap>,
}

impl ResponseBody {
    pub(crate) fn empty() -> Self {
        Self { tap: None }
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody").finish_non_exhaustive()
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = ResponseBodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ResponseBodyError>>> {
        let Some(tap) = &self.tap else {
            return Poll::Ready(None);
        };
        let mut state = tap.0.lock().unwrap();
        if let Some(data) = state.leftover.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if state.end.is_none() {
            let Some(inner) = state.inner.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(inner).poll_frame(cx) {
                Poll::Pending => {
                    state.caller_waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Poll::Ready(polled) => {
                    if let Some(frame) = state.record(polled) {
                        return Poll::Ready(Some(Ok(frame)));
                    }
                }
            }
        }
        if state.end_delivered {
            return Poll::Ready(None);
        }
        state.end_delivered = true;
        match state.end.clone() {
            Some(BodyEnd::Error(message)) => Poll::Ready(Some(Err(ResponseBodyError(message)))),
            Some(BodyEnd::Clean) | None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        let Some(tap) = &self.tap else {
            return true;
        };
        let state = tap.0.lock().unwrap();
        state.leftover.is_empty()
            && match (&state.end, &state.inner) {
                (Some(BodyEnd::Clean), _) => true,
                (Some(BodyEnd::Error(_)), _) => state.end_delivered,
                (None, Some(inner)) => inner.is_end_stream(),
                (None, None) => true,
            }
    }

    fn size_hint(&self) -> SizeHint {
        let Some(tap) = &self.tap else {
            return SizeHint::with_exact(0);
        };
        let state = tap.0.lock().unwrap();
        match (&state.inner, state.leftover.is_empty()) {
            // Mirrors wasmtime's own body (an `Empty` says exactly 0), so hyper
            // frames responses as `wasmtime serve` does.
            (Some(inner), true) => inner.size_hint(),
            _ => SizeHint::default(),
        }
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        let Some(tap) = &self.tap else { return };
        let mut state = tap.0.lock().unwrap();
        state.caller_dropped = true;
        state.wake_host();
        if state.end.is_some() {
            state.leftover.clear();
            return;
        }
        // Count what the guest already pushed, then close the channel.
        // Only what the channel held when the caller left: the guest is still
        // running, and every pulled frame would make room for another.
        let held = state.channel_frames;
        state.drain_ready(false, held);
        state.leftover.clear();
        // hyper stops polling once Content-Length bytes are out, before the
        // guest's `finish` arrives: that caller did not leave early. Keep the
        // channel so the instance's end settles how the body ended.
        if state.promised.is_some_and(|n| n == state.bytes) {
            return;
        }
        if state.end.is_none() {
            state.client_gone = true;
            state.inner = None;
        }
    }
}
