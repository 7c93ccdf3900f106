//! The one place that moves body bytes: a sequence of segments (file ranges
//! and small literals) to the response stream, only as fast as the client
//! takes them.
//!
//! Every write is preceded by `check-write` granting budget; while it grants
//! none, the guest waits on the stream's pollable together with a stall
//! deadline. Chunked mode holds at most one chunk (<= CHUNK_SIZE) in linear
//! memory at a time; splice mode lets the host move the bytes, so none enter it.

use std::cell::Cell;
use std::time::Duration;

use crate::bindings::wasi::clocks::monotonic_clock::{now, subscribe_duration};
use crate::bindings::wasi::filesystem::types::Descriptor;
use crate::bindings::wasi::io::poll::{poll, Pollable};
use crate::bindings::wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi_fileserver_core::send::rate_limit::Pacer;
use wasi_fileserver_core::send::segment::{BodyEnd, Segment};
use wasi_fileserver_core::settings::{Settings, Transfer};

/// The response stream with its readiness pollable, the stall timeout, the
/// chunk size, the rate limit and how file ranges move.
pub struct Pump<'a> {
    out: &'a OutputStream,
    ready: Pollable,
    stall: Option<Duration>,
    /// `CHUNK_SIZE`: the most one write of a file range carries.
    chunk: u64,
    /// `LIMIT_RATE`.
    pace: Option<Cell<Pacer>>,
    transfer: Transfer,
}

impl wasi_fileserver_core::send::pump::Pump for Pump<'_> {
    type File = Descriptor;

    async fn send(&mut self, file: Option<&Descriptor>, segment: Segment) -> Result<(), BodyEnd> {
        match segment {
            Segment::Literal(text) => self.write_literal(text.as_bytes()),
            Segment::FileRange { start, len } => match (file, self.transfer) {
                (None, _) => Err(BodyEnd::Failed),
                (Some(file), Transfer::Chunked) => self.copy_chunked(file, start, len),
                (Some(file), Transfer::Splice) => self.copy_spliced(file, start, len),
            },
        }
    }
}

/// Sleeps until the bytes sent so far are due; the stall timeout does not
/// run meanwhile (the wait is ours, not the client's). Returns the largest
/// write allowed next.
fn wait_for_pace(pace: &Cell<Pacer>) -> u64 {
    let pacer = pace.get();
    let delay = pacer.delay(now());
    if !delay.is_zero() {
        subscribe_duration(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX)).block();
    }
    pacer.largest_write()
}

impl<'a> Pump<'a> {
    pub fn new(out: &'a OutputStream, settings: &Settings) -> Pump<'a> {
        Pump {
            out,
            ready: out.subscribe(),
            stall: settings.stall_timeout.guest_timer(),
            chunk: u64::from(settings.chunk_size),
            pace: settings
                .rate_limit
                .map(|limit| Cell::new(Pacer::new(limit, now()))),
            transfer: settings.transfer,
        }
    }

    fn write_literal(&self, mut bytes: &[u8]) -> Result<(), BodyEnd> {
        while !bytes.is_empty() {
            let budget = usize::try_from(self.budget()?).unwrap_or(usize::MAX);
            let (now, later) = bytes.split_at(budget.min(bytes.len()));
            self.out.write(now).map_err(|e| self.write_error(e))?;
            self.wrote(u64::try_from(now.len()).unwrap_or(u64::MAX));
            bytes = later;
        }
        Ok(())
    }

    /// Waits until the rate limit allows more and the client grants write
    /// budget, or gives up.
    fn budget(&self) -> Result<u64, BodyEnd> {
        let allowed = self.pace.as_ref().map_or(u64::MAX, wait_for_pace);
        loop {
            match self.out.check_write() {
                Ok(0) => self.wait()?,
                Ok(budget) => return Ok(budget.min(allowed)),
                Err(e) => return Err(self.write_error(e)),
            }
        }
    }

    /// The largest write allowed next of a file range with `remaining`
    /// bytes left: what the client and the rate limit allow, at most a chunk.
    fn next_write(&self, remaining: u64) -> Result<u64, BodyEnd> {
        Ok(self.budget()?.min(self.chunk).min(remaining))
    }

    /// Reads each chunk into linear memory, then writes it.
    fn copy_chunked(&self, file: &Descriptor, start: u64, len: u64) -> Result<(), BodyEnd> {
        let mut offset = start;
        let mut remaining = len;
        while remaining > 0 {
            let want = self.next_write(remaining)?;
            let (mut data, _eof) = file.read(want, offset).map_err(|_| BodyEnd::Failed)?;
            if data.is_empty() {
                return Err(BodyEnd::Truncated);
            }
            // Never more than the budget granted, whatever the host returned:
            // writing more would trap.
            data.truncate(usize::try_from(want).unwrap_or(usize::MAX));
            self.out.write(&data).map_err(|e| self.write_error(e))?;
            let written = u64::try_from(data.len()).unwrap_or(u64::MAX);
            self.wrote(written);
            offset = offset.saturating_add(written);
            remaining = remaining.saturating_sub(written);
        }
        Ok(())
    }

    /// Lets the host move the bytes from the file's stream to the response.
    fn copy_spliced(&self, file: &Descriptor, start: u64, len: u64) -> Result<(), BodyEnd> {
        if len == 0 {
            return Ok(());
        }
        let input: InputStream = file.read_via_stream(start).map_err(|_| BodyEnd::Failed)?;
        let input_ready = input.subscribe();
        let mut remaining = len;
        while remaining > 0 {
            let want = self.next_write(remaining)?;
            match self.out.splice(&input, want) {
                // The file read completes in the background: wait for it, not the client.
                Ok(0) => input_ready.block(),
                Ok(moved) => {
                    self.wrote(moved);
                    remaining = remaining.saturating_sub(moved);
                }
                // Closed is either end: the client left, or the file ended early.
                Err(StreamError::Closed) => {
                    return Err(match self.out.check_write() {
                        Err(_) => BodyEnd::ClientGone,
                        Ok(_) => BodyEnd::Truncated,
                    })
                }
                Err(StreamError::LastOperationFailed(_)) => return Err(BodyEnd::Failed),
            }
        }
        Ok(())
    }

    fn wrote(&self, bytes: u64) {
        if let Some(pace) = &self.pace {
            let mut pacer = pace.get();
            pacer.wrote(bytes);
            pace.set(pacer);
        }
    }

    fn wait(&self) -> Result<(), BodyEnd> {
        let Some(stall) = self.stall else {
            self.ready.block();
            return Ok(());
        };
        let deadline = subscribe_duration(u64::try_from(stall.as_nanos()).unwrap_or(u64::MAX));
        let ready = poll(&[&self.ready, &deadline]);
        if ready.contains(&0) {
            Ok(())
        } else {
            Err(BodyEnd::Stalled)
        }
    }

    /// Flush, then wait (under the stall timeout) until the flush completed.
    pub fn flush(&self) -> Result<(), BodyEnd> {
        self.out.flush().map_err(|e| self.write_error(e))?;
        self.budget().map(|_| ())
    }

    fn write_error(&self, e: StreamError) -> BodyEnd {
        match e {
            StreamError::Closed => BodyEnd::ClientGone,
            StreamError::LastOperationFailed(_) => BodyEnd::ClientGone,
        }
    }
}
