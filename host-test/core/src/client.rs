//! Client models: ways a client consumes a response body, from a whole fast
//! read to a reader that stalls or leaves. They work on any body of `Bytes`
//! (an `Exchange`'s `ResponseBody`, or hyper's `Incoming` over a socket) and
//! pull a frame only when they want more bytes, so the guest sees their pace.

use std::fmt::Display;
use std::time::Duration;

use bytes::{Buf, Bytes};
use http_body_util::BodyExt;
use hyper::body::Body;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// How far a client read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    /// Data bytes the client consumed.
    pub bytes: u64,
    pub end: StreamEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The stream ended cleanly.
    Clean,
    /// The stream ended with an error (the message).
    Error(String),
    /// The client stopped before the end (stall, drop or time limit).
    NotReached,
}

impl ReadSummary {
    pub fn is_clean(&self) -> bool {
        self.end == StreamEnd::Clean
    }
}

/// One step of reading: the next data chunk, or how the stream ended.
enum Step {
    Data(Bytes),
    End(StreamEnd),
}

async fn next_data<B>(body: &mut B) -> Step
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    loop {
        match body.frame().await {
            None => return Step::End(StreamEnd::Clean),
            Some(Err(error)) => return Step::End(StreamEnd::Error(error.to_string())),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if !data.is_empty() {
                        return Step::Data(data);
                    }
                }
            }
        }
    }
}

/// Reads the whole body into memory.
pub async fn read_all<B>(mut body: B) -> (Vec<u8>, ReadSummary)
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    let mut content = Vec::new();
    loop {
        match next_data(&mut body).await {
            Step::Data(data) => content.extend_from_slice(&data),
            Step::End(end) => {
                let bytes = content.len() as u64;
                return (content, ReadSummary { bytes, end });
            }
        }
    }
}

/// Reads the whole body keeping only its SHA-256 (for large files).
pub async fn read_hash<B>(mut body: B) -> (ReadSummary, [u8; 32])
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    loop {
        match next_data(&mut body).await {
            Step::Data(data) => {
                bytes += data.len() as u64;
                hasher.update(&data);
            }
            Step::End(end) => return (ReadSummary { bytes, end }, hasher.finalize().into()),
        }
    }
}

/// Consumes about `bytes_per_tick` bytes every `tick` until the end or until
/// `max_duration` has passed, then drops the body. A frame is pulled only once
/// the previous one is used up.
pub async fn read_slow<B>(
    mut body: B,
    bytes_per_tick: usize,
    tick: Duration,
    max_duration: Duration,
) -> ReadSummary
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    assert!(bytes_per_tick > 0, "bytes_per_tick must be positive");
    let deadline = Instant::now() + max_duration;
    let mut pending = Bytes::new();
    let mut bytes = 0u64;
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {
                return ReadSummary { bytes, end: StreamEnd::NotReached };
            }
            _ = ticks.tick() => {}
        }
        let mut budget = bytes_per_tick;
        while budget > 0 {
            if pending.is_empty() {
                let step = tokio::select! {
                    step = next_data(&mut body) => step,
                    _ = tokio::time::sleep_until(deadline) => {
                        return ReadSummary { bytes, end: StreamEnd::NotReached };
                    }
                };
                match step {
                    Step::Data(data) => pending = data,
                    Step::End(end) => return ReadSummary { bytes, end },
                }
            }
            let take = budget.min(pending.len());
            pending.advance(take);
            budget -= take;
            bytes += take as u64;
        }
    }
}

/// Reads at least `k` bytes (whole frames), then stops reading and hands the
/// body back: holding it is a stalled client, dropping it a departed one.
pub async fn read_then_stall<B>(mut body: B, k: u64) -> (ReadSummary, B)
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    let mut bytes = 0u64;
    while bytes < k {
        match next_data(&mut body).await {
            Step::Data(data) => bytes += data.len() as u64,
            Step::End(end) => return (ReadSummary { bytes, end }, body),
        }
    }
    (
        ReadSummary {
            bytes,
            end: StreamEnd::NotReached,
        },
        body,
    )
}

/// Reads at least `k` bytes (whole frames), then drops the body.
pub async fn read_then_drop<B>(body: B, k: u64) -> ReadSummary
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    let (summary, body) = read_then_stall(body, k).await;
    drop(body);
    summary
}
