//! What a stalled client costs `host-test serve` in body frames, counted
//! rather than inferred from RSS: with the README default (the WASI 0.3
//! build in shared instances, whole files handed to the host), hyper holds
//! at most one frame per stalled response, and a frame is 4 KiB until the
//! client has taken 4 MiB. Its own test binary, since the count is the
//! process's.

mod common;

use std::time::Duration;

use common::*;
use host_test::one_frame_in_flight::held;
use host_test::{bind, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const STALLED: usize = 40;
/// A host read before the client has proven that it drains
/// (`host-test/core/src/file_stream.rs`).
const FIRST_FRAME: usize = 4 * 1024;

/// A client with a 4 KiB receive buffer that reads the head and 4 KiB of the
/// body, then stops reading.
async fn stall(addr: std::net::SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nhost: stall\r\n\r\n")
        .await
        .unwrap();
    let mut taken = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed before the body");
        taken.extend_from_slice(&chunk[..n]);
        if let Some(head) = taken.windows(4).position(|w| w == b"\r\n\r\n") {
            if taken.len() >= head + 4 + 4096 {
                assert!(taken.starts_with(b"HTTP/1.1 200"), "{:?}", &taken[..12]);
                return stream;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_response_holds_at_most_one_small_frame() {
    let site = Site::new();
    site.sparse("big.bin", GIB);
    // `host-test serve --dir` with its defaults, on one thread, and a write
    // timeout long enough to count.
    let config = ServerConfig::new(site.root())
        .component(host_test::P3_COMPONENT)
        .env("STALL_TIMEOUT", "host")
        .env("TRANSFER", "splice")
        .reuse(1000)
        .concurrent_reuse(64)
        .threads(1)
        .write_timeout(Duration::from_secs(600));
    let server = bind(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let before = held();
    assert_eq!(before.frames, 0, "{before:?}");

    let mut clients = Vec::new();
    for _ in 0..STALLED {
        clients.push(stall(server.local_addr).await);
    }
    // Let every response run into its full socket.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stalled = held();
    eprintln!("{STALLED} stalled responses: hyper holds {stalled:?}");
    assert!(
        stalled.frames <= STALLED,
        "more than one frame per stalled response: {stalled:?}"
    );
    assert!(
        stalled.bytes <= STALLED * FIRST_FRAME,
        "frames larger than the first host reads: {stalled:?}"
    );

    // The clients leave: every frame is released.
    drop(clients);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while held().frames > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(held(), before, "frames still held after the clients left");
    server.shutdown().await.unwrap();
}
