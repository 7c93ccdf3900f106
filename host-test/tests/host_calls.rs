//! Calls from the guest into the host per 1 KiB GET, as `host-test serve
//! --count-host-calls` logs them, in serve's defaults for both builds: each
//! stays within a bound, so that a change that adds host calls per request
//! (in the component or the host) fails here. The figures and what they
//! bound: docs/benchmarks.md, "Work per request".

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::http::eventually;
use crate::common::serve_process;

/// Requests over one keep-alive connection; the first few are left out.
const REQUESTS: usize = 60;
const WARM_UP: usize = 10;

/// The builds, the flags that pick them, and the range their steady-state
/// count per request must fall in: a little above today's count, so that
/// new calls fail here (lower the bound when the count falls), and far
/// enough above zero that a hook that misses host imports fails too.
const BUILDS: [(&str, &[&str], u64, u64); 2] = [
    ("WASI 0.3 build", &[], 20, 39),
    (
        "WASI 0.2 build",
        &["--component", host_test::FILESERVER_COMPONENT],
        20,
        42,
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_get_makes_a_bounded_number_of_host_calls() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("1k.bin"), &data).unwrap();
    for (name, component, least, most) in BUILDS {
        let mut extra = vec!["--count-host-calls", "--threads", "1"];
        extra.extend_from_slice(component);
        let (server, log) = serve_process(dir.path(), &extra);
        get_in_a_loop(server.addr, "/1k.bin", REQUESTS, data.len()).await;
        let lines = log_lines(&log, REQUESTS).await;
        let per_request = steady_per_request(&lines);
        assert!(
            !per_request.is_empty(),
            "{name}: no two requests in one instance:\n{}",
            lines.join("\n")
        );
        let median = per_request[per_request.len() / 2];
        println!("{name}: {median} host calls per 1 KiB GET (of {per_request:?})");
        // A line's count can be read before the last calls of its request
        // land (they then count to the next one), so a single rise may be
        // off; the median and the mean over all the rises are not.
        let mean = per_request.iter().sum::<u64>() as f64 / per_request.len() as f64;
        assert!(
            (least..=most).contains(&median) && (least as f64..=most as f64).contains(&mean),
            "{name}: host calls per request (median {median}, mean {mean:.1}) outside \
             {least}..={most}: {per_request:?}"
        );
    }
}

/// `count` GETs of `target` over one connection, each read whole.
async fn get_in_a_loop(addr: SocketAddr, target: &str, count: usize, body_len: usize) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: t\r\n\r\n");
    let mut buffer = Vec::new();
    for _ in 0..count {
        stream.write_all(request.as_bytes()).await.unwrap();
        loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                if buffer.len() >= end + 4 + body_len {
                    buffer.drain(..end + 4 + body_len);
                    break;
                }
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection closed");
            buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The access log's request lines, once all `count` have come (they are
/// written in batches).
async fn log_lines(log: &host_test::server_process::Lines, count: usize) -> Vec<String> {
    let all_come = eventually(Duration::from_secs(10), async || {
        let lines = log.containing("GET /");
        (lines.len() >= count).then_some(lines)
    })
    .await;
    let lines = all_come.unwrap_or_else(|| log.containing("GET /"));
    assert_eq!(lines.len(), count, "{}", lines.join("\n"));
    lines
}

/// Host calls per request after the warm-up: the rise of the instance's
/// count from one request's line to the next one's in the same instance,
/// sorted.
fn steady_per_request(lines: &[String]) -> Vec<u64> {
    let field = |line: &str, key: &str| -> String {
        line.split(' ')
            .find_map(|part| part.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {line}"))
            .to_string()
    };
    let counts: Vec<(String, u64)> = lines
        .iter()
        .map(|line| {
            let instance = field(line, "instance=");
            let instance = instance.split('#').next().unwrap().to_string();
            (instance, field(line, "host_calls=").parse().unwrap())
        })
        .collect();
    let mut rises: Vec<u64> = counts
        .windows(2)
        .skip(WARM_UP)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| pair[1].1 - pair[0].1)
        .collect();
    rises.sort_unstable();
    rises
}
