//! The one place that moves body bytes: a sequence of segments (file ranges
//! and small literals) to the response stream, only as fast as the client
//! takes them.
//!
//! Every write is preceded by `check-write` granting budget; while it grants
//! none, the guest waits on the stream's pollable together with a stall
//! deadline. Chunked mode holds at most one chunk (<= CHUNK_SIZE) in linear
//! memory at a time; splice mode lets the host move the bytes, so none enter it.

use std::time::Duration;

use super::bindings::wasi::clocks::monotonic_clock::subscribe_duration;
use super::bindings::wasi::filesystem::types::Descriptor;
use super::bindings::wasi::io::poll::{poll, Pollable};
use super::bindings::wasi::io::streams::{InputStream, OutputStream, StreamError};
use crate::config::{Settings, Transfer};
use crate::segment::Segment;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PumpEnd {
    /// Every byte was written and flushed.
    Done,
    /// The client went away.
    ClientGone,
    /// The client granted no budget for the stall timeout.
    Stalled,
    /// The file ended before the promised length (it shrank).
    Truncated,
    /// The file could not be read, or the stream failed.
    Failed,
}

/// Writes every segment in order; file ranges come from `file`. Segments are
/// pulled one at a time, so a generated body (a listing) is never whole in memory.
pub fn pump(
    out: &OutputStream,
    file: Option<&Descriptor>,
    segments: impl Iterator<Item = Result<Segment, PumpEnd>>,
    settings: &Settings,
) -> PumpEnd {
    let writable = Writable {
        out,
        ready: out.subscribe(),
        stall: settings.stall_timeout,
    };
    let chunk = settings.chunk_size;
    for segment in segments {
        let sent = match segment {
            Err(end) => Err(end),
            Ok(Segment::Literal(text)) => write_literal(&writable, text.as_bytes()),
            Ok(Segment::FileRange { start, len }) => match (file, settings.transfer) {
                (None, _) => Err(PumpEnd::Failed),
                (Some(file), Transfer::Chunked) => copy_chunked(file, &writable, start, len, chunk),
                (Some(file), Transfer::Splice) => copy_spliced(file, &writable, start, len, chunk),
            },
        };
        if let Err(end) = sent {
            return end;
        }
    }
    writable.flush().err().unwrap_or(PumpEnd::Done)
}

fn write_literal(out: &Writable<'_>, mut bytes: &[u8]) -> Result<(), PumpEnd> {
    while !bytes.is_empty() {
        let n = usize::try_from(out.budget()?)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        out.out.write(&bytes[..n]).map_err(|e| out.write_error(e))?;
        bytes = &bytes[n..];
    }
    Ok(())
}

fn copy_chunked(
    file: &Descriptor,
    out: &Writable<'_>,
    start: u64,
    len: u64,
    chunk: u32,
) -> Result<(), PumpEnd> {
    let end = start + len;
    let mut offset = start;
    while offset < end {
        let want = out.budget()?.min(u64::from(chunk)).min(end - offset);
        let (data, _eof) = file.read(want, offset).map_err(|_| PumpEnd::Failed)?;
        if data.is_empty() {
            return Err(PumpEnd::Truncated);
        }
        out.out.write(&data).map_err(|e| out.write_error(e))?;
        offset += data.len() as u64;
    }
    Ok(())
}

fn copy_spliced(
    file: &Descriptor,
    out: &Writable<'_>,
    start: u64,
    len: u64,
    chunk: u32,
) -> Result<(), PumpEnd> {
    if len == 0 {
        return Ok(());
    }
    let input: InputStream = file.read_via_stream(start).map_err(|_| PumpEnd::Failed)?;
    let input_ready = input.subscribe();
    let mut remaining = len;
    while remaining > 0 {
        let want = out.budget()?.min(u64::from(chunk)).min(remaining);
        match out.out.splice(&input, want) {
            // The file read completes in the background: wait for it, not the client.
            Ok(0) => input_ready.block(),
            Ok(moved) => remaining -= moved,
            // Closed is either end: the client left, or the file ended early.
            Err(StreamError::Closed) => {
                return Err(match out.out.check_write() {
                    Err(_) => PumpEnd::ClientGone,
                    Ok(_) => PumpEnd::Truncated,
                })
            }
            Err(StreamError::LastOperationFailed(_)) => return Err(PumpEnd::Failed),
        }
    }
    Ok(())
}

/// The response stream with its readiness pollable and the stall timeout.
struct Writable<'a> {
    out: &'a OutputStream,
    ready: Pollable,
    stall: Option<Duration>,
}

impl Writable<'_> {
    /// Waits until the client grants write budget, or gives up.
    fn budget(&self) -> Result<u64, PumpEnd> {
        loop {
            match self.out.check_write() {
                Ok(0) => self.wait()?,
                Ok(budget) => return Ok(budget),
                Err(e) => return Err(self.write_error(e)),
            }
        }
    }

    fn wait(&self) -> Result<(), PumpEnd> {
        let Some(stall) = self.stall else {
            self.ready.block();
            return Ok(());
        };
        let deadline = subscribe_duration(u64::try_from(stall.as_nanos()).unwrap_or(u64::MAX));
        let ready = poll(&[&self.ready, &deadline]);
        if ready.contains(&0) {
            Ok(())
        } else {
            Err(PumpEnd::Stalled)
        }
    }

    /// Flush, then wait (under the stall timeout) until the flush completed.
    fn flush(&self) -> Result<(), PumpEnd> {
        self.out.flush().map_err(|e| self.write_error(e))?;
        self.budget().map(|_| ())
    }

    fn write_error(&self, e: StreamError) -> PumpEnd {
        match e {
            StreamError::Closed => PumpEnd::ClientGone,
            StreamError::LastOperationFailed(_) => PumpEnd::ClientGone,
        }
    }
}
