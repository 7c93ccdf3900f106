//! `wasi:filesystem` 0.3's `read-via-stream`, as this host serves it: every
//! read on the calling thread, straight into the reader's buffer, sized by
//! the reader.
//!
//! wasmtime-wasi 48 reads a file stream that the host itself consumes (a
//! WASI 0.3 guest hands a file's stream over as a response body) in 8 KiB
//! pieces, and without `allow_blocking_current_thread` each piece is a
//! `spawn_blocking` round trip. This producer reads what the reader asks for:
//! a guest's whole read buffer, or `host_read` bytes for a host reader. The
//! host reader's share is held while the client is slow, so `host_read` is
//! also what a stalled download costs here (see `ServerConfig::host_read`).
//!
//! One deliberate difference from wasmtime-wasi: a stream ends at the size
//! the file had when the stream was opened, so a file that grows while it is
//! sent (a log being appended to) is sent to the length the component
//! promised in `Content-Length`, not aborted for the excess. A file that
//! shrinks ends the stream early, and the host aborts the response.
//!
//! It replaces wasmtime-wasi's definition in the linker (shadowing), and uses
//! only wasmtime-wasi's public descriptor types.

use std::os::unix::fs::FileExt as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::oneshot;
use wasmtime::component::{
    Destination, FutureReader, Linker, Resource, StreamProducer, StreamReader, StreamResult,
    VecBuffer,
};
use wasmtime::StoreContextMut;
use wasmtime_wasi::filesystem::Descriptor;
use wasmtime_wasi::p3::bindings::filesystem::types::ErrorCode;
use wasmtime_wasi::WasiView;

/// The WIT interface wasmtime-wasi 48 implements; guests importing any
/// 0.3.x match it.
const INTERFACE: &str = "wasi:filesystem/types@0.3.0";
const FUNCTION: &str = "[method]descriptor.read-via-stream";

type ReadResult = Result<(), ErrorCode>;

/// Replaces `read-via-stream` in `linker` (after wasmtime-wasi's own was
/// added) with reads of `host_read` bytes for host readers.
pub fn shadow_read_via_stream<T: WasiView + 'static>(
    linker: &mut Linker<T>,
    host_read: usize,
) -> anyhow::Result<()> {
    let host_read = host_read.max(1);
    linker.allow_shadowing(true);
    linker
        .instance(INTERFACE)
        .map_err(anyhow::Error::from)?
        .func_wrap(
            FUNCTION,
            move |mut store: StoreContextMut<'_, T>,
                  (descriptor, offset): (Resource<Descriptor>, u64)| {
                let file = match store.data_mut().ctx().table.get(&descriptor)? {
                    Descriptor::File(file) => Some(Arc::clone(&file.file)),
                    Descriptor::Dir(_) => None,
                };
                let (result_tx, result_rx) = oneshot::channel::<ReadResult>();
                let stream = match file {
                    Some(file) => StreamReader::new(
                        &mut store,
                        InlineRead {
                            end: file.metadata().map_or(u64::MAX, |meta| meta.len()),
                            file,
                            offset,
                            host_read,
                            produced: 0,
                            result: Some(result_tx),
                        },
                    )?,
                    None => {
                        let _ = result_tx.send(Err(ErrorCode::IsDirectory));
                        StreamReader::new(&mut store, std::iter::empty())?
                    }
                };
                let result = FutureReader::new(&mut store, result_rx)?;
                Ok(((stream, result),))
            },
        )
        .map_err(anyhow::Error::from)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Reads a file from `offset` to its end, one `pread` per request of the reader.
struct InlineRead {
    file: Arc<std::fs::File>,
    offset: u64,
    /// The file's size when the stream was opened: where the stream ends.
    end: u64,
    host_read: usize,
    /// Bytes read for a host reader so far (see `host_read_now`).
    produced: u64,
    result: Option<oneshot::Sender<ReadResult>>,
}

/// A host reader's reads before its client has taken `PROVEN_DRAIN` bytes.
const FIRST_HOST_READ: usize = 4 * 1024;
/// More than the kernel buffers of one connection take in (Linux's largest
/// automatic send buffer, `tcp_wmem`, is 4 MiB): a client that has taken
/// this much reads, rather than merely letting its buffers fill.
const PROVEN_DRAIN: u64 = 4 * 1024 * 1024;

impl InlineRead {
    /// Host reads are 4 KiB until the client has taken `PROVEN_DRAIN`
    /// bytes, then `host_read`. A client that stops reading holds only
    /// small frames, and a download that goes on reads at full size after
    /// its first 4 MiB.
    fn host_read_now(&self) -> usize {
        if self.produced < PROVEN_DRAIN {
            FIRST_HOST_READ.min(self.host_read)
        } else {
            self.host_read
        }
    }
}

impl InlineRead {
    fn close(&mut self, result: ReadResult) -> StreamResult {
        if let Some(tx) = self.result.take() {
            let _ = tx.send(result);
        }
        StreamResult::Dropped
    }
}

impl Drop for InlineRead {
    fn drop(&mut self) {
        self.close(Ok(()));
    }
}

impl<D> StreamProducer<D> for InlineRead {
    type Item = u8;
    type Buffer = VecBuffer<u8>;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        destination: Destination<'a, u8, Self::Buffer>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        // A guest reader's buffer is its own read size; a host reader gets
        // `host_read` bytes.
        let host_read = self.host_read_now();
        let mut destination = destination.as_direct(store, host_read);
        let offset = self.offset;
        let left = usize::try_from(self.end.saturating_sub(offset)).unwrap_or(usize::MAX);
        if left == 0 {
            return Poll::Ready(Ok(self.close(Ok(()))));
        }
        let buffer = destination.remaining();
        let buffer = match buffer.get_mut(..left) {
            Some(limited) => limited,
            None => buffer,
        };
        if buffer.is_empty() {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        Poll::Ready(Ok(match self.file.read_at(buffer, offset) {
            Ok(0) => self.close(Ok(())),
            Ok(n) => {
                destination.mark_written(n);
                let read = u64::try_from(n).unwrap_or(u64::MAX);
                self.produced = self.produced.saturating_add(read);
                match offset.checked_add(read) {
                    Some(next) => {
                        self.offset = next;
                        StreamResult::Completed
                    }
                    None => self.close(Err(ErrorCode::Overflow)),
                }
            }
            Err(error) => self.close(Err(error.into())),
        }))
    }
}
