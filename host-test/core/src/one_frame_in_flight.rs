//! A response body that hands its writer one data frame at a time: the next
//! frame is pulled from the guest only once the writer has dropped the last.
//!
//! hyper drops a frame when its last byte has gone to the socket, and until
//! then takes further frames into its write queue, up to its buffer limit. For
//! a client that stopped reading, those queued frames are host memory held
//! for nothing: the kernel's socket buffer is full and the guest's stream
//! would wait anyway. With this wrapper a stalled response holds the one
//! frame the socket could not take, and the guest's stream waits behind it.
//! A client that reads loses nothing measurable: hyper still writes each frame
//! as soon as it gets it (docs/benchmarks.md).

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Frames handed out and not dropped yet, and their bytes, over the whole
/// process: what the writers (hyper) hold.
static HELD_FRAMES: AtomicUsize = AtomicUsize::new(0);
static HELD_BYTES: AtomicUsize = AtomicUsize::new(0);

/// What the writers hold of every `OneFrameInFlight` body in the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub frames: usize,
    pub bytes: usize,
}

/// For tests and diagnostics: the frames every response's writer holds now.
pub fn held() -> Held {
    Held {
        frames: HELD_FRAMES.load(Ordering::Relaxed),
        bytes: HELD_BYTES.load(Ordering::Relaxed),
    }
}

/// Wraps a body so that at most one of its data frames is out at a time.
pub struct OneFrameInFlight<B> {
    inner: B,
    gate: Arc<Mutex<Gate>>,
}

#[derive(Default)]
struct Gate {
    /// A frame handed out has not been dropped yet.
    in_flight: bool,
    /// The writer, waiting for that drop to poll again.
    waker: Option<Waker>,
}

impl<B> OneFrameInFlight<B> {
    pub fn new(inner: B) -> Self {
        OneFrameInFlight {
            inner,
            gate: Arc::default(),
        }
    }
}

/// A frame's bytes with the gate they reopen when the last reference goes.
struct Written {
    data: Bytes,
    gate: Arc<Mutex<Gate>>,
}

impl AsRef<[u8]> for Written {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl Written {
    fn new(data: Bytes, gate: Arc<Mutex<Gate>>) -> Written {
        HELD_FRAMES.fetch_add(1, Ordering::Relaxed);
        HELD_BYTES.fetch_add(data.len(), Ordering::Relaxed);
        Written { data, gate }
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        HELD_FRAMES.fetch_sub(1, Ordering::Relaxed);
        HELD_BYTES.fetch_sub(self.data.len(), Ordering::Relaxed);
        let waker = {
            let mut gate = self.gate.lock().unwrap();
            gate.in_flight = false;
            gate.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<B> Body for OneFrameInFlight<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        {
            let mut gate = self.gate.lock().unwrap();
            if gate.in_flight {
                gate.waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        let polled = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        let Some(Ok(frame)) = polled else {
            return Poll::Ready(polled);
        };
        let frame = match frame.into_data() {
            Ok(data) if !data.is_empty() => {
                self.gate.lock().unwrap().in_flight = true;
                let gate = Arc::clone(&self.gate);
                Frame::data(Bytes::from_owner(Written::new(data, gate)))
            }
            Ok(empty) => Frame::data(empty),
            Err(trailers) => trailers,
        };
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;
    use std::collections::VecDeque;
    use std::convert::Infallible;

    /// A body whose frames are all ready.
    struct Ready(VecDeque<&'static [u8]>);

    impl Body for Ready {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            Poll::Ready(
                self.0
                    .pop_front()
                    .map(|data| Ok(Frame::data(Bytes::from_static(data)))),
            )
        }
    }

    fn body(frames: &[&'static [u8]]) -> OneFrameInFlight<Ready> {
        OneFrameInFlight::new(Ready(frames.iter().copied().collect()))
    }

    #[tokio::test]
    async fn the_next_frame_waits_until_the_last_is_dropped() {
        let mut body = body(&[b"one", b"two"]);
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], b"one");
        // Held: the next poll waits, however often it is made.
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut body).poll_frame(&mut cx).is_pending());
        assert!(Pin::new(&mut body).poll_frame(&mut cx).is_pending());
        // A slice of it still holds it.
        let tail = first.slice(1..);
        drop(first);
        assert!(Pin::new(&mut body).poll_frame(&mut cx).is_pending());
        drop(tail);
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&second[..], b"two");
        drop(second);
        assert!(body.frame().await.is_none());
    }

    #[tokio::test]
    async fn a_waiting_writer_is_woken_by_the_drop() {
        let mut body = body(&[b"one", b"two"]);
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let dropper = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            drop(first);
        });
        let second = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("woken when the first frame was dropped");
        assert_eq!(&second.unwrap().unwrap().into_data().unwrap()[..], b"two");
        dropper.await.unwrap();
    }
}
