//! `host-test serve --metrics ADDR`: after known requests, `GET /metrics`
//! on its own listener shows them counted by status class, their body
//! bytes, nothing left in flight, and one peak-memory observation per
//! instance; a client that stalls past the write timeout is counted.

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::http::{eventually, request};
use crate::common::serve_process;
use host_test::server_process::ServerProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The address `serve` announced for its metrics.
async fn metrics_addr(server: &ServerProcess) -> SocketAddr {
    let found = eventually(Duration::from_secs(10), async || {
        server.address_lines().iter().find_map(|line| {
            let rest = line.strip_prefix("metrics on http://")?;
            rest.strip_suffix("/metrics")?.parse().ok()
        })
    })
    .await;
    found.unwrap_or_else(|| panic!("no metrics address in {:?}", server.address_lines()))
}

/// The metrics' text.
async fn scrape(addr: SocketAddr) -> String {
    let answer = request(addr, "GET", "/metrics", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert!(
        answer
            .head
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{}",
        answer.head
    );
    String::from_utf8(answer.body).unwrap()
}

/// The value of the sample named `name` (labels included, as written).
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"))
}

fn requests(text: &str, class: &str) -> f64 {
    sample(
        text,
        &format!("host_test_requests_total{{class=\"{class}\"}}"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_bytes_and_instances() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [5, 1000, 70_000];
    for (i, size) in sizes.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.bin")), vec![b'x'; *size]).unwrap();
    }
    // A fresh instance per request: each ends, and is observed, with it.
    let (server, _log) = serve_process(dir.path(), &["--metrics", "127.0.0.1:0", "--reuse", "1"]);
    let metrics = metrics_addr(&server).await;
    assert_ne!(metrics.port(), server.addr.port());

    let before = scrape(metrics).await;
    for class in ["1xx", "2xx", "3xx", "4xx", "5xx"] {
        assert_eq!(requests(&before, class), 0.0, "{class}");
    }
    assert_eq!(
        sample(&before, "host_test_instance_peak_memory_bytes_count"),
        0.0
    );

    let mut body_bytes = 0;
    for (i, size) in sizes.iter().enumerate() {
        let answer = request(server.addr, "GET", &format!("/{i}.bin"), &[]).await;
        assert_eq!((answer.status, answer.body.len()), (200, *size));
        body_bytes += answer.body.len();
    }
    let missing = request(server.addr, "GET", "/missing.bin", &[]).await;
    assert_eq!(missing.status, 404);
    body_bytes += missing.body.len();

    // Reports, and the instances' ends, come just after the responses.
    let settled = eventually(Duration::from_secs(10), async || {
        let text = scrape(metrics).await;
        (sample(&text, "host_test_requests_in_flight") == 0.0
            && sample(&text, "host_test_instances_alive") == 0.0
            && requests(&text, "4xx") == 1.0)
            .then_some(text)
    })
    .await;
    let text = settled.unwrap_or_else(|| {
        panic!("requests or instances still counted as running");
    });
    assert_eq!(requests(&text, "2xx"), 3.0, "{text}");
    assert_eq!(requests(&text, "4xx"), 1.0, "{text}");
    for class in ["1xx", "3xx", "5xx"] {
        assert_eq!(requests(&text, class), 0.0, "{class}: {text}");
    }
    assert_eq!(
        sample(&text, "host_test_response_body_bytes_total"),
        body_bytes as f64,
        "{text}"
    );
    // Four requests, one instance each.
    let instances = sample(&text, "host_test_instance_peak_memory_bytes_count");
    assert_eq!(instances, 4.0, "{text}");
    assert_eq!(
        sample(
            &text,
            "host_test_instance_peak_memory_bytes_bucket{le=\"+Inf\"}"
        ),
        instances
    );
    assert!(
        sample(&text, "host_test_instance_peak_memory_bytes_sum") >= instances * 65536.0,
        "every instance has at least a page: {text}"
    );
    assert_eq!(sample(&text, "host_test_stalled_connections_total"), 0.0);

    // Only /metrics is there.
    assert_eq!(request(metrics, "GET", "/", &[]).await.status, 404);
    assert_eq!(request(metrics, "POST", "/metrics", &[]).await.status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stalled_past_the_write_timeout_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::File::create(dir.path().join("big.bin"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let (server, _log) = serve_process(
        dir.path(),
        &["--metrics", "127.0.0.1:0", "--write-timeout", "1s"],
    );
    let metrics = metrics_addr(&server).await;

    // Takes the head with a small receive buffer, then stops reading.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(server.addr).await.unwrap();
    stalled
        .write_all(b"GET /big.bin HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    stalled.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    assert_eq!(
        sample(&scrape(metrics).await, "host_test_requests_in_flight"),
        1.0
    );

    let cut = eventually(Duration::from_secs(30), async || {
        let text = scrape(metrics).await;
        (sample(&text, "host_test_stalled_connections_total") >= 1.0).then_some(text)
    })
    .await;
    let text = cut.expect("the stalled connection counted within 30 s");
    assert_eq!(
        sample(&text, "host_test_stalled_connections_total"),
        1.0,
        "{text}"
    );
    // Its response ended with the connection: nothing left in flight.
    let ended = eventually(Duration::from_secs(10), async || {
        let text = scrape(metrics).await;
        (sample(&text, "host_test_requests_in_flight") == 0.0).then_some(text)
    })
    .await;
    let text = ended.expect("the cut request no longer in flight");
    assert_eq!(requests(&text, "2xx"), 1.0, "{text}");
    drop(stalled);
}
