//! The native baseline: a plain hyper + tokio HTTP/1.1 server that serves a
//! file from disk with no component, run by the bench as `host-test-bench
//! native-serve --dir D --addr A [--file-io inline]` in its own process.
//! Every throughput and request-rate figure of the component is divided by
//! this server's (its `tokio::fs` kind) on the same machine in the same run.
//!
//! Two kinds of file work, one per bench row:
//! - `tokio-fs` (`native_tokio_fs`): `tokio::fs`, the obvious way to write
//!   it, which sends every open, stat and read through `spawn_blocking`;
//! - `inline` (`native_std_fs`): `std::fs` on the thread that serves the
//!   connection, as `host-test serve` does its own file reads, so that the
//!   row is what hyper on tokio can do at best here.
//!
//! Both get the same connection settings as `host-test serve` (hyper's
//! `max_buf_size`, `TCP_NODELAY`, keep-alive), so that host memory per
//! connection compares like with like. They serve the plain files of one
//! directory (no subdirectories) with `Content-Length` and nothing else.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::{native_std_fs, native_tokio_fs};

/// The native baseline server (used by `bench`).
#[derive(Debug, clap::Args)]
pub struct NativeServeArgs {
    /// Directory whose plain files are served.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// How the file is opened and read.
    #[arg(long, value_enum, default_value_t = FileIo::TokioFs)]
    file_io: FileIo,
}

/// How the native baseline does its file work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileIo {
    /// `tokio::fs`: every file operation a `spawn_blocking` round trip.
    TokioFs,
    /// `std::fs` on the serving thread: a file of at most `READ_SIZE` read
    /// whole with the request, a larger one `READ_SIZE` per body frame.
    Inline,
}

pub fn main(args: NativeServeArgs) -> ExitCode {
    let runtime = match crate::async_runtime() {
        Ok(runtime) => runtime,
        Err(exit) => return exit,
    };
    let served = match args.file_io {
        FileIo::TokioFs => runtime.block_on(serve(args.dir, args.addr, native_tokio_fs::answer)),
        FileIo::Inline => runtime.block_on(serve(args.dir, args.addr, native_std_fs::answer)),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve<A, F, B>(dir: PathBuf, addr: SocketAddr, answer: A) -> anyhow::Result<()>
where
    A: Fn(Arc<PathBuf>, Request<Incoming>) -> F + Copy + Send + 'static,
    F: Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
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
        let stream = host_test::accept::accept_connection(&listener).await;
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
