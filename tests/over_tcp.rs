//! `host-test serve` over real sockets: a stalled connection holds one
//! instance while other clients are still served; what RFC 9112 has a server
//! refuse (oversized heads among it) is refused before the component runs.

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::*;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
) -> (http::StatusCode, http::HeaderMap, Vec<u8>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .expect("complete body")
        .to_bytes()
        .to_vec();
    (parts.status, parts.headers, body)
}

/// Sends a raw request and returns the first bytes of the answer.
async fn raw(addr: SocketAddr, request: &[u8], read: usize) -> (TcpStream, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0; read];
    let mut got = 0;
    while got < read {
        let n = stream.read(&mut buf[got..]).await.unwrap();
        if n == 0 {
            break;
        }
        got += n;
    }
    buf.truncate(got);
    (stream, buf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_socket_does_not_block_other_clients() {
    let site = Site::new();
    let data = site.file("data.bin", 10 * MIB);
    site.sparse("big.bin", GIB);
    let config = host_test::ServerConfig::new(site.root()).env("STALL_TIMEOUT", "30s");
    let server = host_test::bind(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = server.local_addr;

    let (stalled, head) = raw(addr, b"GET /big.bin HTTP/1.1\r\nhost: x\r\n\r\n", 4096).await;
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );

    let (status, headers, body) =
        tokio::time::timeout(Duration::from_secs(30), send(addr, "GET", "/data.bin"))
            .await
            .expect("download while another connection is stalled");
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-length"), Some("10485760"));
    assert_eq!(sha256(&body), sha256_file(&data));

    let (status, headers, body) = send(addr, "HEAD", "/big.bin").await;
    assert_eq!((status.as_u16(), body.len()), (200, 0));
    assert_eq!(header(&headers, "content-length"), Some("1073741824"));
    let (status, _, body) = send(addr, "GET", "/nope").await;
    assert_eq!(
        (status.as_u16(), body.as_slice()),
        (404, &b"404 Not Found\n"[..])
    );

    drop(stalled);
    server.shutdown_with_grace(SHUTDOWN_GRACE).await.unwrap();
}

/// What RFC 9112 requires of a server and hyper leaves to the application
/// (Host, section 3.2) is answered by `serve` itself; what hyper enforces
/// (framing, sections 5 and 6) is checked here too, so that a change of
/// either shows. docs/http.md lists each rule and which layer answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_answers_what_rfc_9112_requires() {
    let site = Site::new();
    site.text("a.txt", "a");
    let server = host_test::bind(
        host_test::ServerConfig::new(site.root()),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let huge_head = format!(
        "GET /a.txt HTTP/1.1\r\nhost: x\r\nx-filler: {}\r\n",
        "a".repeat(20 * 1024)
    );
    let many_lines = format!(
        "GET /a.txt HTTP/1.1\r\nhost: x\r\n{}",
        (0..120)
            .map(|i| format!("x-{i}: a\r\n"))
            .collect::<String>()
    );
    let cases: &[(&str, &str, &str)] = &[
        ("a head over the 16 KiB limit", &huge_head, "431"),
        ("more than 100 header lines", &many_lines, "431"),
        ("3.2: no Host", "GET /a.txt HTTP/1.1\r\n", "400"),
        (
            "3.2: two Host lines",
            "GET /a.txt HTTP/1.1\r\nhost: x\r\nhost: x\r\n",
            "400",
        ),
        (
            "3.2: an invalid Host",
            "GET /a.txt HTTP/1.1\r\nhost: user@x\r\n",
            "400",
        ),
        (
            "3.2: HTTP/1.0 without Host",
            "GET /a.txt HTTP/1.0\r\n",
            "200",
        ),
        (
            "3.2.2: absolute form, Host ignored",
            "GET http://other.example/a.txt HTTP/1.1\r\nhost: x\r\n",
            "200",
        ),
        (
            "5.1: whitespace before the colon",
            "GET /a.txt HTTP/1.1\r\nhost : x\r\n",
            "400",
        ),
        (
            "5.2: obs-fold",
            "GET /a.txt HTTP/1.1\r\nhost: x\r\nx-a: b\r\n c\r\n",
            "400",
        ),
        (
            "5.5: NUL in a value",
            "GET /a.txt HTTP/1.1\r\nhost: x\r\nx-a: b\0c\r\n",
            "400",
        ),
        (
            "6.1: a transfer coding other than chunked last",
            "GET /a.txt HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n",
            "400",
        ),
        (
            "6.1: Transfer-Encoding in HTTP/1.0",
            "GET /a.txt HTTP/1.0\r\nhost: x\r\ntransfer-encoding: chunked\r\n",
            "400",
        ),
        (
            "6.3: two different Content-Length values",
            "GET /a.txt HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n",
            "400",
        ),
        (
            "6.3: an invalid Content-Length",
            "GET /a.txt HTTP/1.1\r\nhost: x\r\ncontent-length: 1a\r\n",
            "400",
        ),
        (
            "2.2: bare LF line ends are accepted",
            "GET /a.txt HTTP/1.1\nhost: x\nconnection: close\n",
            "200",
        ),
    ];
    for (rule, head, status) in cases {
        let request = format!("{head}\r\n");
        let (_, answer) = raw(server.local_addr, request.as_bytes(), 12).await;
        let answer = String::from_utf8_lossy(&answer);
        // The status, whichever version the response line names.
        assert_eq!(answer.get(9..12), Some(*status), "{rule}: {answer}");
    }
    // 6.3: Transfer-Encoding overrides Content-Length and the connection
    // closes after the response, so a request smuggled behind the chunked
    // body is never answered.
    let smuggle = "GET /a.txt HTTP/1.1\r\nhost: x\r\ncontent-length: 40\r\n\
                   transfer-encoding: chunked\r\n\r\n0\r\n\r\n\
                   GET /a.txt HTTP/1.1\r\nhost: x\r\n\r\n";
    let mut stream = TcpStream::connect(server.local_addr).await.unwrap();
    stream.write_all(smuggle.as_bytes()).await.unwrap();
    let mut answers = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answers))
        .await
        .expect("the connection closes")
        .unwrap();
    let answers = String::from_utf8_lossy(&answers);
    assert_eq!(answers.matches("HTTP/1.1 ").count(), 1, "{answers}");
    assert!(answers.starts_with("HTTP/1.1 200"), "{answers}");
    server.shutdown_with_grace(SHUTDOWN_GRACE).await.unwrap();
}
