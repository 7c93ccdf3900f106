//! The host's own checks, against the naive fixture (a guest whose memory
//! grows with the file): reports, memory cap, client departure, and serving
//! over TCP.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use host_test::{
    get, read_all, read_hash, read_then_drop, Outcome, Server, ServerConfig, StreamEnd,
    NAIVE_COMPONENT,
};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

fn site_with(name: &str, size: usize) -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    // Not all zeroes, so a mixed-up chunk would change the hash.
    let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join(name), &content).unwrap();
    (dir, content)
}

fn naive(dir: &Path) -> ServerConfig {
    ServerConfig::new(dir).component(NAIVE_COMPONENT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_read_is_counted_and_memory_follows_the_file() {
    let (dir, content) = site_with("f.bin", 3 * MIB);
    let server = Server::new(naive(dir.path())).unwrap();
    let exchange = server.handle(get("/f.bin")).await.unwrap();
    assert_eq!(exchange.status, 200);
    let (summary, digest) = read_hash(exchange.body).await;
    assert!(summary.is_clean());
    assert_eq!(summary.bytes, content.len() as u64);
    assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(&content)));

    let report = exchange.report.wait().await;
    assert_eq!(report.outcome, Outcome::Finished);
    assert_eq!(report.body_bytes, content.len() as u64);
    assert!(report.peak_memory >= content.len() as u64, "{report:?}");
    assert!(report.memory_growths >= 2, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_cap_turns_into_a_trap_and_a_500_without_hanging() {
    let (dir, _) = site_with("f.bin", 4 * MIB);
    let server = Server::new(naive(dir.path()).max_memory(2 * MIB)).unwrap();
    let exchange = tokio::time::timeout(Duration::from_secs(10), server.handle(get("/f.bin")))
        .await
        .expect("handle must return when the guest traps before responding")
        .unwrap();
    assert_eq!(exchange.status, 500);
    let (body, summary) = read_all(exchange.body).await;
    assert!(body.is_empty() && summary.is_clean());
    let report = exchange.report.wait().await;
    assert!(report.outcome.is_trapped(), "{:?}", report.outcome);
    assert!(report.refused_growths >= 1);
    assert!(report.peak_memory <= 2 * MIB as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_drop_is_client_gone_and_counts_only_what_was_pushed() {
    let (dir, content) = site_with("f.bin", 8 * MIB);
    let server = Server::new(naive(dir.path())).unwrap();
    let exchange = server.handle(get("/f.bin")).await.unwrap();
    let summary = read_then_drop(exchange.body, 64 * 1024).await;
    assert_eq!(summary.end, StreamEnd::NotReached);
    let report = tokio::time::timeout(Duration::from_secs(5), exchange.report.wait())
        .await
        .expect("the guest must notice the closed stream");
    assert_eq!(report.outcome, Outcome::ClientGone);
    // Read + what sat in the channel (buffer_chunks + 1 writes of 64 KiB).
    assert!(report.body_bytes >= summary.bytes);
    assert!(
        report.body_bytes <= summary.bytes + 2 * 64 * 1024,
        "{report:?}"
    );
    assert!(report.body_bytes < content.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_is_final_while_the_caller_still_holds_unread_frames() {
    // The guest finishes (1 write fits the channel) before anything is read.
    let (dir, _) = site_with("small.txt", 1000);
    let server = Server::new(naive(dir.path())).unwrap();
    let exchange = server.handle(get("/small.txt")).await.unwrap();
    let report = tokio::time::timeout(Duration::from_secs(5), exchange.report.wait())
        .await
        .expect("report must not wait for the caller to read");
    assert_eq!(report.outcome, Outcome::Finished);
    assert_eq!(report.body_bytes, 1000);
    let (body, summary) = read_all(exchange.body).await;
    assert_eq!(body.len(), 1000);
    assert!(summary.is_clean());
}

/// Sends `request` on a fresh connection and returns the whole response text
/// (the server closes the connection because of `Connection: close`).
fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_over_tcp_and_refuses_large_heads_before_the_guest() {
    let (dir, content) = site_with("f.bin", 100_000);
    let running = host_test::bind(naive(dir.path()), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = running.local_addr;

    let response = tokio::task::spawn_blocking(move || {
        raw_exchange(
            addr,
            b"GET /f.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
    })
    .await
    .unwrap();
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(response.starts_with(b"HTTP/1.1 200"));
    assert_eq!(&response[head_end..], &content[..]);

    // An HTTP/1.0 request without Host is still answered.
    let response =
        tokio::task::spawn_blocking(move || raw_exchange(addr, b"GET /f.bin HTTP/1.0\r\n\r\n"))
            .await
            .unwrap();
    assert!(
        response.starts_with(b"HTTP/1.0 200"),
        "{:?}",
        String::from_utf8_lossy(&response[..40])
    );

    let big_header = format!(
        "GET /f.bin HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(32 * 1024)
    );
    let response = tokio::task::spawn_blocking(move || raw_exchange(addr, big_header.as_bytes()))
        .await
        .unwrap();
    assert!(
        response.starts_with(b"HTTP/1.1 431"),
        "{:?}",
        String::from_utf8_lossy(&response[..response.len().min(40)])
    );

    running
        .shutdown_with_grace(Duration::from_secs(1))
        .await
        .unwrap();
    assert!(
        TcpStream::connect(addr).is_err(),
        "listener must be closed after shutdown"
    );
}
