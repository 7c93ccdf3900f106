//! The host's stall timeout: a connection whose client takes no bytes for
//! `limit` while the server has bytes for it is closed, as nginx's
//! `send_timeout` does. It measures the client only: the clock runs while a
//! write waits for the socket, never while the server has nothing to send.
//!
//! With it the component may leave stalls to the host (`STALL_TIMEOUT=host`),
//! and a WASI 0.3 component may hand a whole file's stream to the host, with
//! no guest code left running to notice a stall.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A socket whose writes fail with `TimedOut` after waiting `limit`.
pub struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    /// Allocated at the first write that has to wait, then reset for each.
    timer: Option<Pin<Box<Sleep>>>,
    /// A write is waiting and `timer` runs for it.
    waiting: bool,
    /// Counts the connection once when it is cut (`serve --metrics`).
    stalls: Option<Counter>,
}

impl<S> WriteDeadline<S> {
    pub fn new(inner: S, limit: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            inner,
            limit,
            timer: None,
            waiting: false,
            stalls: None,
        }
    }

    /// Adds 1 to `stalls` when this connection is cut.
    pub fn counting_stalls(mut self, stalls: Option<Counter>) -> WriteDeadline<S> {
        self.stalls = stalls;
        self
    }

    /// What a write that returned `polled` means under the deadline.
    fn judge<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.waiting = false;
            return polled;
        }
        let deadline = Instant::now() + self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.waiting {
            timer.as_mut().reset(deadline);
            self.waiting = true;
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                // Once: the connection may be written to again on its way out.
                if let Some(stalls) = self.stalls.take() {
                    stalls.inc();
                }
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client took no bytes within the write timeout",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.judge(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.judge(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.judge(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test]
    async fn a_reader_that_stops_is_cut_one_that_reads_is_not() {
        let (client, server) = tokio::io::duplex(1024);
        let stalls = Counter::<u64>::default();
        let mut server = WriteDeadline::new(server, Duration::from_millis(200))
            .counting_stalls(Some(stalls.clone()));
        let mut client = client;
        // Reads keep coming: every write completes in time.
        let reader = tokio::spawn(async move {
            let mut buf = vec![0; 512];
            for _ in 0..40 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                client.read_exact(&mut buf).await.unwrap();
            }
            client
        });
        for _ in 0..40 {
            server.write_all(&[7; 512]).await.unwrap();
        }
        let _client = reader.await.unwrap();
        assert_eq!(stalls.get(), 0, "a reader that reads is not a stall");
        // Nobody reads any more: the buffer fills, and the write times out.
        let started = std::time::Instant::now();
        let error = loop {
            if let Err(error) = server.write_all(&[7; 512]).await {
                break error;
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(server.write_all(&[7; 512]).await.is_err());
        assert_eq!(stalls.get(), 1, "one cut connection, counted once");
    }
}
