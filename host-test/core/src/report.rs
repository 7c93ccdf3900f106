//! What one request cost and how it ended, known once its instance is gone
//! (or, with instance reuse, once the handler has returned and the instance
//! waits for its next request; with concurrent reuse, once its body has
//! ended in an instance that may still be running others).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::call_failure::CallFailure;
use crate::memory_recorder::MemoryUsage;
use crate::response_body::{BodyEnd, BodyTally};

#[derive(Debug, Clone)]
pub struct Report {
    /// The status the caller got: the guest's, 500 when it set none (or an
    /// error), or the host's own (431 for a head over the limit).
    pub status: u16,
    /// Largest linear-memory size approved for the instance, in bytes. With
    /// instance reuse, the instance's peak over every request it has served
    /// up to and including this one (linear memory never shrinks). With
    /// concurrent reuse, requests share the instance's memory: this is the
    /// peak up to this request's end, reached while up to
    /// `instance_max_in_flight` requests ran at once, and it cannot be split
    /// among them (bound it by in-flight requests times their need, plus the
    /// instance's base).
    pub peak_memory: u64,
    /// Approved memory creations and growths (the instance's, so far).
    pub memory_growths: u32,
    /// Growths refused by `ServerConfig::max_memory` (the instance's, so far).
    pub refused_growths: u32,
    /// Which instance served the request: numbered from 0 per `Server`.
    pub instance_id: u64,
    /// Requests the instance has been given, this one included (always 1
    /// without reuse).
    pub instance_requests: u32,
    /// Requests running in the instance when this one ended, this one
    /// included: 1 unless `ServerConfig::concurrent_reuse` lets them overlap.
    pub instance_in_flight: u32,
    /// The most requests the instance has run at once so far (1 without
    /// concurrent reuse).
    pub instance_max_in_flight: u32,
    /// Host resources the guest still held when the handler returned (see
    /// `StoreData::open_resources`): constant from request to request unless
    /// the guest leaks handles. The whole instance's count: with concurrent
    /// reuse it includes what the other requests in flight hold, so compare
    /// only counts whose `instance_in_flight` is 1.
    pub open_resources: usize,
    /// Calls the instance's guest has made into the host so far, when the
    /// server counts them (`ServerConfig::host_calls`): with reuse, over
    /// every request the instance has run up to this one's end, and its
    /// instantiation; with concurrent reuse, those of the requests in flight
    /// beside it too.
    pub host_calls: Option<u64>,
    /// Data bytes the guest got into the response body (pulled by the caller,
    /// or still in the channel when the caller dropped the body or the
    /// instance ended).
    pub body_bytes: u64,
    /// From the start of instantiation (or of the handler call, for a reused
    /// instance) to the drop of the instance's `Store` (or its return to the
    /// idle pool).
    pub duration: Duration,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The guest finished the body.
    Finished,
    /// The body ended with an error while the caller was still reading: the
    /// guest dropped it without `finish` (e.g. it gave up on a stalled
    /// client), or `finish` failed on a `Content-Length` mismatch.
    Aborted,
    /// The caller dropped the body before its end (and the guest did not trap).
    ClientGone,
    /// The response had no body resource (HEAD, 304, ...).
    NoBody,
    /// Instantiation or the handler trapped, before or after the response.
    Trapped(String),
    /// The request outlived `ServerConfig::request_timeout`: the host dropped
    /// the instance mid-call (a guest blocked in `poll` cannot be interrupted
    /// any other way).
    DeadlineExceeded,
    /// The guest set an `error-code` instead of a response (the caller got a 500).
    ResponseError(String),
    /// The guest returned without setting a response (the caller got a 500).
    NoResponse,
    /// The host side failed (e.g. the instance's task panicked).
    HostError(String),
    /// The host answered 431 itself: the request head was over
    /// `ServerConfig::max_request_head`; no instance ran.
    HeadTooLarge,
}

impl Outcome {
    pub fn is_trapped(&self) -> bool {
        matches!(self, Outcome::Trapped(_))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Finished => f.write_str("finished"),
            Outcome::Aborted => f.write_str("aborted"),
            Outcome::ClientGone => f.write_str("client-gone"),
            Outcome::NoBody => f.write_str("no-body"),
            Outcome::Trapped(why) => write!(f, "trapped ({})", first_line(why)),
            Outcome::DeadlineExceeded => f.write_str("deadline-exceeded"),
            Outcome::ResponseError(code) => write!(f, "response-error ({code})"),
            Outcome::NoResponse => f.write_str("no-response"),
            Outcome::HostError(why) => write!(f, "host-error ({})", first_line(why)),
            Outcome::HeadTooLarge => f.write_str("head-too-large"),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// How the guest answered `response-outparam.set`, as far as the report cares.
#[derive(Debug, Clone)]
pub(crate) enum ResponseSet {
    /// A response with this status.
    Response(u16),
    ErrorCode(String),
    Never,
}

impl ResponseSet {
    /// The status the caller got.
    pub fn status(&self) -> u16 {
        match self {
            ResponseSet::Response(status) => *status,
            ResponseSet::ErrorCode(_) | ResponseSet::Never => 500,
        }
    }
}

/// Combines the instance's fate with the body's: a trap wins, then what the
/// guest answered, then whether the caller left early, then how the body ended.
pub(crate) fn decide_outcome(
    failure: Option<CallFailure>,
    response: ResponseSet,
    body: &BodyTally,
) -> Outcome {
    match failure {
        Some(CallFailure::Trap(trap)) => return Outcome::Trapped(trap),
        Some(CallFailure::Deadline) => return Outcome::DeadlineExceeded,
        None => {}
    }
    match response {
        ResponseSet::Never => Outcome::NoResponse,
        ResponseSet::ErrorCode(code) => Outcome::ResponseError(code),
        ResponseSet::Response(_) if body.no_body => Outcome::NoBody,
        ResponseSet::Response(_) if body.client_gone => Outcome::ClientGone,
        ResponseSet::Response(_) => match body.end {
            Some(BodyEnd::Clean) => Outcome::Finished,
            Some(BodyEnd::Error(_)) | None => Outcome::Aborted,
        },
    }
}

/// Which instance ran a request, and what it still held afterwards.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InstanceFacts {
    pub id: u64,
    pub requests: u32,
    pub in_flight: u32,
    pub max_in_flight: u32,
    pub open_resources: usize,
    pub host_calls: Option<u64>,
}

pub(crate) fn build_report(
    memory: MemoryUsage,
    instance: InstanceFacts,
    body: &BodyTally,
    duration: Duration,
    status: u16,
    outcome: Outcome,
) -> Report {
    Report {
        status,
        peak_memory: memory.peak,
        memory_growths: memory.growths,
        refused_growths: memory.refused,
        instance_id: instance.id,
        instance_requests: instance.requests,
        instance_in_flight: instance.in_flight,
        instance_max_in_flight: instance.max_in_flight,
        open_resources: instance.open_resources,
        host_calls: instance.host_calls,
        body_bytes: body.bytes,
        duration,
        outcome,
    }
}

impl Report {
    /// The report of a request no instance ran.
    pub(crate) fn without_instance(status: u16, outcome: Outcome) -> Report {
        Report {
            status,
            peak_memory: 0,
            memory_growths: 0,
            refused_growths: 0,
            instance_id: 0,
            instance_requests: 0,
            instance_in_flight: 0,
            instance_max_in_flight: 0,
            open_resources: 0,
            host_calls: None,
            body_bytes: 0,
            duration: Duration::ZERO,
            outcome,
        }
    }
}

/// Where a request's report goes once it is known: a `ReportHandle` the
/// caller awaits, or a function called with it (`serve`'s log line, with no
/// task waiting per request). Dropped undelivered, it delivers a host error.
pub(crate) struct ReportTo(Option<Destination>);

enum Destination {
    Handle(oneshot::Sender<Report>),
    Callback(Box<dyn FnOnce(Report) + Send>),
}

impl ReportTo {
    /// A destination and the handle that receives from it.
    pub fn handle() -> (ReportTo, ReportHandle) {
        let (tx, rx) = oneshot::channel();
        (ReportTo(Some(Destination::Handle(tx))), ReportHandle(rx))
    }

    pub fn callback(callback: impl FnOnce(Report) + Send + 'static) -> ReportTo {
        ReportTo(Some(Destination::Callback(Box::new(callback))))
    }

    pub fn deliver(mut self, report: Report) {
        match self.0.take() {
            Some(Destination::Handle(tx)) => {
                let _ = tx.send(report);
            }
            Some(Destination::Callback(callback)) => callback(report),
            None => {}
        }
    }
}

impl Drop for ReportTo {
    fn drop(&mut self) {
        if let Some(Destination::Callback(callback)) = self.0.take() {
            callback(Report::without_instance(
                500,
                Outcome::HostError("the instance's task ended without a report".into()),
            ));
        }
    }
}

/// Resolves to the `Report` once the request's instance is gone. Await it
/// directly or call `wait`. Holding it does not keep the instance alive.
#[derive(Debug)]
pub struct ReportHandle(pub(crate) oneshot::Receiver<Report>);

impl ReportHandle {
    pub async fn wait(self) -> Report {
        self.await
    }
}

impl Future for ReportHandle {
    type Output = Report;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Report> {
        Pin::new(&mut self.0).poll(cx).map(|received| {
            received.unwrap_or_else(|_| {
                Report::without_instance(
                    500,
                    Outcome::HostError("the instance's task ended without a report".into()),
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(end: Option<BodyEnd>, client_gone: bool, no_body: bool) -> BodyTally {
        BodyTally {
            bytes: 0,
            end,
            client_gone,
            no_body,
        }
    }

    #[test]
    fn a_trap_wins_over_everything() {
        let body = tally(None, true, false);
        assert!(decide_outcome(
            Some(CallFailure::Trap("boom".into())),
            ResponseSet::Response(200),
            &body
        )
        .is_trapped());
    }

    #[test]
    fn client_gone_wins_over_the_body_end() {
        let body = tally(Some(BodyEnd::Error("x".into())), true, false);
        assert_eq!(
            decide_outcome(None, ResponseSet::Response(200), &body),
            Outcome::ClientGone
        );
    }

    #[test]
    fn body_end_decides_otherwise() {
        let clean = tally(Some(BodyEnd::Clean), false, false);
        let error = tally(Some(BodyEnd::Error("x".into())), false, false);
        let empty = tally(Some(BodyEnd::Clean), false, true);
        assert_eq!(
            decide_outcome(None, ResponseSet::Response(200), &clean),
            Outcome::Finished
        );
        assert_eq!(
            decide_outcome(None, ResponseSet::Response(200), &error),
            Outcome::Aborted
        );
        assert_eq!(
            decide_outcome(None, ResponseSet::Response(200), &empty),
            Outcome::NoBody
        );
        assert_eq!(
            decide_outcome(None, ResponseSet::Never, &clean),
            Outcome::NoResponse
        );
    }
}
