//! The components' stderr, with the lines already said left out.
//!
//! A component reports what it finds wrong (a setting it ignored, a rule
//! file's bad line) from the instance that found it, and every instance finds
//! it again: with fresh or recycled instances the same line would come back
//! for every request. The host says each distinct line once per process (the
//! set of lines said is bounded; when full it starts over, so a line may come
//! back after many others).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How many distinct lines are remembered before the memory starts over.
const REMEMBERED_LINES: usize = 4096;
/// A line longer than this is written as it comes, in pieces, unfiltered.
const LONGEST_LINE: usize = 4096;

/// Shared by every instance of a server: clone it into each store.
#[derive(Clone, Default)]
pub struct GuestStderr {
    said: Arc<Mutex<HashSet<u64>>>,
}

impl GuestStderr {
    fn writer(&self) -> LineFilter {
        LineFilter {
            said: self.said.clone(),
            partial: Vec::new(),
        }
    }
}

impl IsTerminal for GuestStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestStderr {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.writer())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.writer())
    }
}

/// One instance's stderr: whole lines, each written unless said before.
struct LineFilter {
    said: Arc<Mutex<HashSet<u64>>>,
    partial: Vec<u8>,
}

impl LineFilter {
    fn take(&mut self, mut bytes: &[u8]) {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            let (line, rest) = bytes.split_at(end + 1);
            self.partial.extend_from_slice(line);
            let line = std::mem::take(&mut self.partial);
            self.say_once(&line);
            bytes = rest;
        }
        self.partial.extend_from_slice(bytes);
        if self.partial.len() > LONGEST_LINE {
            let piece = std::mem::take(&mut self.partial);
            write_stderr(&piece);
        }
    }

    fn say_once(&self, line: &[u8]) {
        let mut hasher = DefaultHasher::new();
        line.hash(&mut hasher);
        let key = hasher.finish();
        let new = {
            let mut said = self
                .said
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if said.len() >= REMEMBERED_LINES {
                said.clear();
            }
            said.insert(key)
        };
        if new {
            write_stderr(line);
        }
    }
}

fn write_stderr(bytes: &[u8]) {
    // Like the guest's own stderr: a failed write is not the request's problem.
    let _ = std::io::stderr().lock().write_all(bytes);
}

impl Drop for LineFilter {
    fn drop(&mut self) {
        // A last line without its newline.
        if !self.partial.is_empty() {
            let mut line = std::mem::take(&mut self.partial);
            line.push(b'\n');
            self.say_once(&line);
        }
    }
}

impl OutputStream for LineFilter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.take(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(LONGEST_LINE)
    }
}

#[async_trait::async_trait]
impl Pollable for LineFilter {
    async fn ready(&mut self) {}
}

impl AsyncWrite for LineFilter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.get_mut().take(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_said_once_across_instances() {
        let stderr = GuestStderr::default();
        let mut first = stderr.writer();
        first.take(b"bad line 3\nbad ");
        first.take(b"line 4\n");
        drop(first);
        let mut second = stderr.writer();
        second.take(b"bad line 3\nbad line 5");
        drop(second);
        let said = stderr.said.lock().unwrap();
        // "bad line 3", "bad line 4", "bad line 5" (its newline added at drop).
        assert_eq!(said.len(), 3);
    }
}
