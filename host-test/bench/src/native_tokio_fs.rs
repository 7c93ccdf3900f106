//! The native baseline's `tokio-fs` kind: the file opened, stat'ed and read
//! with `tokio::fs`, each operation a `spawn_blocking` round trip.

use std::convert::Infallible;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{BufMut as _, Bytes, BytesMut};
use http::{Request, Response};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::io::{AsyncReadExt as _, Take};

use crate::native_http::{file_name, not_found_is_none, respond, READ_SIZE};

pub async fn answer(
    dir: Arc<PathBuf>,
    request: Request<Incoming>,
) -> Result<Response<FileBody>, Infallible> {
    let found = match file_name(&request) {
        Some(name) => open(&dir, name).await,
        None => Ok(None),
    };
    Ok(respond(found, FileBody::empty))
}

/// The file `name` directly in `dir` as a body, and its length; `None` when
/// it is no such regular file.
async fn open(dir: &Path, name: &str) -> io::Result<Option<(FileBody, u64)>> {
    let Some(file) = not_found_is_none(tokio::fs::File::open(dir.join(name)).await)? else {
        return Ok(None);
    };
    let meta = file.metadata().await?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some((FileBody::new(file, meta.len()), meta.len())))
}

/// A response body read from a file in `READ_SIZE` reads, one frame per read:
/// hyper polls for the next frame only when it can write, so a slow client
/// slows the reads down.
pub struct FileBody {
    file: Option<Take<tokio::fs::File>>,
    remaining: u64,
    buf: BytesMut,
}

impl FileBody {
    fn new(file: tokio::fs::File, len: u64) -> Self {
        Self {
            file: Some(file.take(len)),
            remaining: len,
            buf: BytesMut::new(),
        }
    }

    fn empty() -> Self {
        Self {
            file: None,
            remaining: 0,
            buf: BytesMut::new(),
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let Some(file) = this.file.as_mut() else {
            return Poll::Ready(None);
        };
        if this.remaining == 0 {
            this.file = None;
            return Poll::Ready(None);
        }
        if this.buf.capacity() < READ_SIZE {
            this.buf.reserve(READ_SIZE);
        }
        // At most READ_SIZE per read, however much capacity `reserve` gave.
        let mut limited = (&mut this.buf).limit(READ_SIZE);
        let read = ready!(tokio_util::io::poll_read_buf(
            Pin::new(file),
            cx,
            &mut limited
        ));
        match read {
            Err(error) => Poll::Ready(Some(Err(error))),
            Ok(0) => {
                // The file shrank: end with an error, never a short body.
                this.file = None;
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file ended early",
                ))))
            }
            Ok(n) => {
                this.remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(this.buf.split().freeze()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.file.is_none() || self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
