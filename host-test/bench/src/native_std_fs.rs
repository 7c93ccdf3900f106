//! The native baseline's `inline` kind: the file opened, stat'ed and read
//! with `std::fs` on the thread that serves the connection, with no
//! `spawn_blocking` hop. A file of at most `READ_SIZE` is read whole with the
//! request; a larger one one `READ_SIZE` read per body frame, when hyper asks
//! for the frame. A read that waits for the disk holds up the thread's other
//! connections: fine for the bench's files, which sit in the page cache, and
//! what `host-test serve` does with its own file reads.

use std::convert::Infallible;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::{Request, Response};
use hyper::body::{Body, Frame, Incoming, SizeHint};

use crate::native_http::{file_name, not_found_is_none, respond, READ_SIZE};

pub async fn answer(
    dir: Arc<PathBuf>,
    request: Request<Incoming>,
) -> Result<Response<StdFsBody>, Infallible> {
    let found = match file_name(&request) {
        Some(name) => open(&dir, name),
        None => Ok(None),
    };
    Ok(respond(found, || StdFsBody::Whole(None)))
}

/// The file `name` directly in `dir` as a body, and its length; `None` when
/// it is no such regular file.
fn open(dir: &Path, name: &str) -> io::Result<Option<(StdFsBody, u64)>> {
    let Some(file) = not_found_is_none(File::open(dir.join(name)))? else {
        return Ok(None);
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    let len = meta.len();
    if len > READ_SIZE as u64 {
        let body = StdFsBody::Chunks {
            file,
            remaining: len,
            buf: BytesMut::new(),
        };
        return Ok(Some((body, len)));
    }
    let len_bytes = len as usize;
    let mut buf = BytesMut::with_capacity(len_bytes);
    while buf.len() < len_bytes {
        let missing = len_bytes - buf.len();
        if read_into(&file, &mut buf, missing)? == 0 {
            return Err(shrank());
        }
    }
    Ok(Some((StdFsBody::Whole(Some(buf.freeze())), len)))
}

/// A response body: a small file's bytes, or a large file read as hyper
/// asks for each frame (so a slow client slows the reads down).
pub enum StdFsBody {
    /// The whole file, read with the request (`None`: no body, or sent).
    Whole(Option<Bytes>),
    /// The file, `READ_SIZE` per frame, each read on the polling thread.
    Chunks {
        file: File,
        remaining: u64,
        buf: BytesMut,
    },
}

impl Body for StdFsBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let (file, remaining, buf) = match this {
            StdFsBody::Whole(bytes) => return Poll::Ready(bytes.take().map(Frame::data).map(Ok)),
            StdFsBody::Chunks {
                file,
                remaining,
                buf,
            } => (file, remaining, buf),
        };
        if *remaining == 0 {
            return Poll::Ready(None);
        }
        let want = READ_SIZE.min(usize::try_from(*remaining).unwrap_or(READ_SIZE));
        match read_into(file, buf, want) {
            Ok(n) if n > 0 => {
                *remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(buf.split().freeze()))))
            }
            // The file shrank: end with an error, never a short body.
            Ok(_) => {
                *this = StdFsBody::Whole(None);
                Poll::Ready(Some(Err(shrank())))
            }
            Err(error) => {
                *this = StdFsBody::Whole(None);
                Poll::Ready(Some(Err(error)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            StdFsBody::Whole(bytes) => bytes.is_none(),
            StdFsBody::Chunks { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            StdFsBody::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            StdFsBody::Chunks { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

fn shrank() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "file ended early")
}

/// One `read(2)` of up to `n` bytes, appended to `buf`. It reads into the
/// spare capacity directly: `std::io::Read` would want the bytes zeroed
/// first, a cost the other servers do not pay.
fn read_into(file: &File, buf: &mut BytesMut, n: usize) -> io::Result<usize> {
    buf.reserve(n);
    let spare = &mut buf.spare_capacity_mut()[..n];
    loop {
        // SAFETY: `spare` is `n` bytes of `buf`'s allocation that nothing
        // else refers to; read(2) writes at most `n` bytes there.
        let read = unsafe { libc::read(file.as_raw_fd(), spare.as_mut_ptr().cast(), n) };
        match usize::try_from(read) {
            Ok(read) => {
                // SAFETY: read(2) initialised the first `read` spare bytes.
                unsafe { buf.set_len(buf.len() + read) };
                return Ok(read);
            }
            Err(_) => {
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn site(len: usize) -> (tempfile::TempDir, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        File::create(dir.path().join("f.bin"))
            .unwrap()
            .write_all(&data)
            .unwrap();
        (dir, data)
    }

    /// Every frame of `body`, joined.
    fn collect(mut body: StdFsBody) -> io::Result<Vec<u8>> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(frame)) = Pin::new(&mut body).poll_frame(&mut cx) {
            out.extend_from_slice(frame?.data_ref().unwrap());
        }
        assert!(body.is_end_stream());
        Ok(out)
    }

    #[test]
    fn small_and_large_files_come_back_whole() {
        for len in [0, 1024, READ_SIZE, READ_SIZE + 1, 3 * READ_SIZE + 7] {
            let (dir, data) = site(len);
            let (body, got_len) = open(dir.path(), "f.bin").unwrap().unwrap();
            assert_eq!(got_len, len as u64);
            assert_eq!(
                matches!(body, StdFsBody::Whole(_)),
                len <= READ_SIZE,
                "{len}"
            );
            assert_eq!(collect(body).unwrap(), data, "{len}");
        }
    }

    #[test]
    fn a_missing_file_or_a_directory_is_none_and_a_shrunk_file_an_error() {
        let (dir, _) = site(3 * READ_SIZE);
        assert!(open(dir.path(), "missing").unwrap().is_none());
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(open(dir.path(), "sub").unwrap().is_none());
        let (body, _) = open(dir.path(), "f.bin").unwrap().unwrap();
        File::create(dir.path().join("f.bin")).unwrap();
        assert_eq!(
            collect(body).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
