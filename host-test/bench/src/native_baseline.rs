//! The native baseline: a plain hyper + tokio HTTP/1.1 server that streams a
//! file from disk with `tokio::fs` in 64 KiB reads, run by the bench as
//! `host-test native-serve --dir D --addr A` in its own process. Every
//! throughput and request-rate figure of the component is divided by this
//! server's on the same machine in the same run.
//!
//! It gets the same connection settings as `host-test serve` (hyper's
//! `max_buf_size`, `TCP_NODELAY`, keep-alive), so that host memory per
//! connection compares like with like. It serves the plain files of one
//! directory (no subdirectories) with `Content-Length` and nothing else.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use anyhow::Context as _;
use bytes::{BufMut as _, Bytes, BytesMut};
use http::{header, Request, Response, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt as _, Take};
use tokio::net::TcpListener;

/// Bytes asked of the file per read.
pub const READ_SIZE: usize = 64 * 1024;

/// The native baseline server (used by `bench`).
#[derive(Debug, clap::Args)]
pub struct NativeServeArgs {
    /// Directory whose plain files are served.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

pub fn main(args: NativeServeArgs) -> ExitCode {
    let runtime = match crate::async_runtime() {
        Ok(runtime) => runtime,
        Err(exit) => return exit,
    };
    match runtime.block_on(serve(args.dir, args.addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(dir: PathBuf, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    // The same line as `host-test serve`: the bench reads the address from it.
    println!(
        "serving {} on http://{}/",
        dir.display(),
        listener.local_addr()?
    );
    let dir = Arc::new(dir);
    loop {
        let stream = host_test::listener::accept_connection(&listener).await;
        let dir = dir.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(dir.clone(), request));
            let _ = http1::Builder::new()
                .max_buf_size(host_test::listener::MAX_BUF_SIZE)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    dir: Arc<PathBuf>,
    request: Request<Incoming>,
) -> Result<Response<FileBody>, Infallible> {
    let name = request.uri().path().trim_start_matches('/');
    let response = match open(&dir, name).await {
        Ok(Some((file, len))) => Response::builder()
            .header(header::CONTENT_LENGTH, len)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(FileBody::new(file, len)),
        Ok(None) => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(FileBody::empty()),
        Err(_) => Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(FileBody::empty()),
    };
    Ok(response.expect("valid response parts"))
}

/// The file `name` directly in `dir` and its length; `None` when it is no
/// such regular file.
async fn open(dir: &Path, name: &str) -> io::Result<Option<(tokio::fs::File, u64)>> {
    if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return Ok(None);
    }
    let file = match tokio::fs::File::open(dir.join(name)).await {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let meta = file.metadata().await?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some((file, meta.len())))
}

/// A response body read from a file in `READ_SIZE` reads, one frame per read:
/// hyper polls for the next frame only when it can write, so a slow client
/// slows the reads down.
struct FileBody {
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
