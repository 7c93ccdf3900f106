//! The pump: the one place that moves body bytes in the WASI 0.3 build,
//! segments (file ranges and small literals) into the response body stream.
//!
//! A file range is read from `read-via-stream` into one buffer of at most
//! CHUNK_SIZE bytes (smaller for a smaller file; allocated by the caller),
//! which is then written to the body; the buffer is reused,
//! so a response holds one chunk of linear memory whatever its length. Every
//! write races a `monotonic-clock` wait of STALL_TIMEOUT: a client that takes
//! nothing for that long loses the response. A write that finds the body's
//! reader gone (the client left) ends the relay at once.
//!
//! (With `TRANSFER=splice` and no stall timeout a whole file needs no relay:
//! the handler hands the file's stream itself to the response, see
//! `respond.rs`.)

use std::time::Duration;

use wasi_fileserver_core::send::deadline::unless_late;
use wasi_fileserver_core::send::rate_limit::{Pacer, RateLimit};
use wasi_fileserver_core::send::segment::{BodyEnd, Segment};
use wasip3::clocks::monotonic_clock::{now, wait_for};
use wasip3::filesystem::types::Descriptor;
use wasip3::wit_bindgen::rt::async_support::{StreamResult, StreamWriter};

/// The response body stream with its stall timeout, rate limit and the one
/// reusable buffer.
pub struct Pump {
    out: StreamWriter<u8>,
    stall: Option<Duration>,
    /// Allocated by the caller (fallibly, see `respond.rs`): its capacity is
    /// the largest read, so the relay itself never allocates. With a rate
    /// limit it is no larger than a paced write.
    buffer: Vec<u8>,
    /// `LIMIT_RATE`.
    pace: Option<Pacer>,
}

impl Pump {
    pub fn new(
        out: StreamWriter<u8>,
        stall: Option<Duration>,
        buffer: Vec<u8>,
        rate_limit: Option<RateLimit>,
    ) -> Pump {
        Pump {
            out,
            stall,
            buffer,
            pace: rate_limit.map(|limit| Pacer::new(limit, now())),
        }
    }

    /// Reads the range into the buffer, a chunk at a time, writing each.
    async fn copy_range(&mut self, file: &Descriptor, start: u64, len: u64) -> Result<(), BodyEnd> {
        let mut buffer = std::mem::take(&mut self.buffer);
        if buffer.capacity() == 0 {
            // A read into no room would never make progress.
            return Err(BodyEnd::Failed);
        }
        let (mut input, result) = file.read_via_stream(start);
        let mut remaining = len;
        while remaining > 0 {
            buffer.clear();
            let (status, filled) = input.read(buffer).await;
            buffer = filled;
            match status {
                StreamResult::Complete(_) => {}
                // The stream ends at the end of the file, or on a read error.
                StreamResult::Dropped | StreamResult::Cancelled => {
                    drop(input);
                    return Err(match result.await {
                        Ok(()) => BodyEnd::Truncated,
                        Err(_) => BodyEnd::Failed,
                    });
                }
            }
            // The stream reads on to the end of the file: keep only the range.
            buffer.truncate(usize::try_from(remaining).unwrap_or(usize::MAX));
            remaining = remaining.saturating_sub(u64::try_from(buffer.len()).unwrap_or(u64::MAX));
            buffer = self.write(buffer).await?;
        }
        self.buffer = buffer;
        Ok(())
    }

    /// Writes all of `data` under the stall timeout, then waits until the
    /// rate limit says those bytes are due (a wait that is not the client's,
    /// so no stall timer runs); gives the buffer back.
    async fn write(&mut self, data: Vec<u8>) -> Result<Vec<u8>, BodyEnd> {
        let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
        let buffer = self.write_now(data).await?;
        if let Some(pace) = &mut self.pace {
            pace.wrote(len);
            let delay = pace.delay(now());
            if !delay.is_zero() {
                wait_for(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX)).await;
            }
        }
        Ok(buffer)
    }

    async fn write_now(&mut self, data: Vec<u8>) -> Result<Vec<u8>, BodyEnd> {
        let stall = self.stall.map(|stall| {
            let nanos = u64::try_from(stall.as_nanos()).unwrap_or(u64::MAX);
            move || wait_for(nanos)
        });
        let (mut status, mut rest) = unless_late(self.out.write(data), stall)
            .await
            .ok_or(BodyEnd::Stalled)?;
        loop {
            match status {
                StreamResult::Complete(_) if rest.remaining() == 0 => return Ok(rest.into_vec()),
                StreamResult::Complete(_) | StreamResult::Cancelled => {}
                StreamResult::Dropped => return Err(BodyEnd::ClientGone),
            }
            (status, rest) = unless_late(self.out.write_buf(rest), stall)
                .await
                .ok_or(BodyEnd::Stalled)?;
        }
    }
}

impl wasi_fileserver_core::send::pump::Pump for Pump {
    type File = Descriptor;

    async fn send(&mut self, file: Option<&Descriptor>, segment: Segment) -> Result<(), BodyEnd> {
        match segment {
            Segment::Literal(text) => self.write(text.into_bytes()).await.map(drop),
            Segment::FileRange { len: 0, .. } => Ok(()),
            Segment::FileRange { start, len } => match file {
                Some(file) => self.copy_range(file, start, len).await,
                None => Err(BodyEnd::Failed),
            },
        }
    }
}
