//! Hostile input and faults: traversal in every encoding, special files,
//! symlinks, oversized headers, and host limits that keep one bad request
//! from hurting the others, on both builds. Never a trap, never a byte from
//! outside the root.

use std::time::{Duration, Instant};

use crate::common::*;
use host_test::{get, read_all, read_then_stall, Outcome, ServerConfig, StreamEnd};
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn site() -> Site {
    Site::basic()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traversal_corpus_never_reveals_the_secret() {
    let site = site();
    // Inside the root, a link out of it and a link that stays in.
    std::os::unix::fs::symlink(
        site.dir.path().join("secret.txt"),
        site.root().join("escape.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(site.dir.path(), site.root().join("escape-dir")).unwrap();
    std::os::unix::fs::symlink("hello.txt", site.root().join("alias.txt")).unwrap();
    let corpus = [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/%252e%252e/secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/..%5Csecret.txt",
        "/docs/..%5c..%5csecret.txt",
        "/hello.txt%00",
        "/%00/../secret.txt",
        "//secret.txt",
        "//../secret.txt",
        "/docs/../../secret.txt",
        "/docs/./../../secret.txt",
        "/C:/secret.txt",
        "/C:%5csecret.txt",
        "/c:\\secret.txt",
        "/secret.txt.",
        "/secret.txt%20",
        "/..;/secret.txt",
        "/escape.txt",
        "/escape-dir/secret.txt",
        "/escape-dir/",
        "http://evil.example/../secret.txt",
    ];
    for (build, mode) in builds_and_modes() {
        let server = site.server_of(build, &[("TRANSFER", mode), ("DIRECTORY_LISTING", "true")]);
        let spin_server = site.server_of(
            build,
            &[
                ("TRANSFER", mode),
                ("DIRECTORY_LISTING", "true"),
                ("PATH_SOURCE", "spin-path-info"),
            ],
        );
        for target in corpus {
            for spin in [false, true] {
                let headers: &[(&str, &str)] = if spin {
                    &[("spin-path-info", target)]
                } else {
                    &[]
                };
                let request_target = if spin { "/hello.txt" } else { target };
                if spin && !target.starts_with('/') {
                    continue;
                }
                let server = if spin { &spin_server } else { &server };
                let f = fetch(server, Method::GET, request_target, headers).await;
                let what = format!("{build:?} {mode} {target} (spin-path-info: {spin})");
                assert!(matches!(f.status, 400 | 403 | 404), "{what}: {}", f.status);
                assert!(!contains(&f.body, SECRET), "{what} leaked the secret");
                assert!(!f.outcome.is_trapped(), "{what}: {:?}", f.outcome);
            }
        }
        let f = fetch(&server, Method::GET, "/alias.txt", &[]).await;
        assert_eq!(
            (f.status, f.body.as_slice()),
            (200, &b"hello"[..]),
            "{build:?} {mode}: a link inside the root is followed"
        );
    }
}

/// A hidden name is refused whatever it points to; a visible link is the
/// site owner's and serves its target (docs/security.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_names_are_refused_even_as_links() {
    let site = site();
    site.text(".env", "SECRET=1");
    std::os::unix::fs::symlink("hello.txt", site.root().join(".hidden-link")).unwrap();
    std::os::unix::fs::symlink("docs", site.root().join(".hidden-dir")).unwrap();
    std::os::unix::fs::symlink(".env", site.root().join("visible-link")).unwrap();
    for (build, server) in site.servers(&[]) {
        for target in [
            "/.env",
            "/.hidden-link",
            "/.hidden-dir/index.html",
            "/.hidden-dir/",
        ] {
            let f = fetch(&server, Method::GET, target, &[]).await;
            assert_eq!(f.status, 404, "{build:?} {target}");
        }
        let f = fetch(&server, Method::GET, "/visible-link", &[]).await;
        assert_eq!(
            (f.status, f.body.as_slice()),
            (200, &b"SECRET=1"[..]),
            "{build:?}: the owner's link is followed"
        );
    }
}

/// Asserts that less than `seconds` have passed since `started`.
fn assert_within(started: Instant, seconds: u64, what: std::fmt::Arguments<'_>) {
    let (elapsed, limit) = (started.elapsed(), Duration::from_secs(seconds));
    assert!(elapsed < limit, "{what}: took {elapsed:?}, over {limit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_files_are_refused_without_opening() {
    let site = site();
    let root = site.root();
    let ok = |cmd: &mut std::process::Command| assert!(cmd.status().unwrap().success(), "{cmd:?}");
    ok(std::process::Command::new("mkfifo").arg(root.join("fifo")));
    ok(std::process::Command::new("mknod")
        .arg(root.join("null-device"))
        .args(["c", "1", "3"]));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("socket")).unwrap();
    for (build, server) in site.servers(&[]) {
        for target in ["/fifo", "/null-device", "/socket"] {
            let started = Instant::now();
            let f = tokio::time::timeout(
                Duration::from_secs(5),
                fetch(&server, Method::GET, target, &[]),
            )
            .await
            .unwrap_or_else(|_| panic!("{build:?} {target}: hung"));
            assert_eq!(f.status, 404, "{build:?} {target}");
            assert_within(started, 2, format_args!("{build:?} {target}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_input_gets_bounded_answers() {
    let site = site();
    site.file("data.bin", 100_000);
    // As many as fit the host's 16 KiB head limit.
    let ranges = (0..1000)
        .map(|i| format!("{}-{}", i * 10, i * 10))
        .collect::<Vec<_>>()
        .join(",");
    let tags = (0..5000)
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let range = format!("bytes={ranges}");
    let long = format!("/{}", "a/".repeat(20_000));
    for (build, server) in site.servers(&[]) {
        let started = Instant::now();
        // Heads over the host's 16 KiB limit never reach the component (the
        // component's own limits: tests/never_trap.rs).
        for (target, headers, want, what) in [
            (
                "/data.bin",
                &[("range", range.as_str())][..],
                (200, Some(100_000)),
                "thousands of ranges: the whole file",
            ),
            (
                "/data.bin",
                &[("if-none-match", tags.as_str())][..],
                (431, None),
                "thousands of ETags",
            ),
            (long.as_str(), &[][..], (431, None), "a 40 KB path"),
        ] {
            let f = fetch(&server, Method::GET, target, headers).await;
            let length = (f.status == 200).then_some(f.body.len());
            assert_eq!((f.status, length), want, "{build:?}: {what}");
        }
        assert_within(started, 5, format_args!("{build:?}: bounded work"));
    }
}

/// Ranges that would multiply the bytes sent (many open-ended, whole-file or
/// tiny ranges) get one copy of the file at most, or 431 when the header
/// itself is over the limit: never a multipart body larger than the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_amplification_is_bounded() {
    let site = site();
    const SIZE: usize = 100_000;
    site.file("data.bin", SIZE as u64);
    let repeat = |range: &str, times: usize| format!("bytes={}", vec![range; times].join(","));
    let small = (0..3000)
        .map(|i| format!("{}-{}", i * 2, i * 2))
        .collect::<Vec<_>>()
        .join(",");
    let cases = [
        ("2,000 open ranges", repeat("0-", 2000)),
        ("50 whole-file ranges", repeat("0-99999", 50)),
        ("3,000 small ranges", format!("bytes={small}")),
    ];
    for (build, mode) in builds_and_modes() {
        let server = site.server_of(build, &[("TRANSFER", mode)]);
        for (what, range) in &cases {
            let f = fetch(&server, Method::GET, "/data.bin", &[("range", range)]).await;
            let what = format!("{build:?} {mode}: {what}");
            match f.status {
                200 => assert_eq!(f.body.len(), SIZE, "{what}"),
                431 => assert!(f.body.len() < 100, "{what}"),
                other => panic!("{what}: {other}"),
            }
            assert!(f.summary.is_clean(), "{what}: {:?}", f.summary);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_while_sent_completes_or_aborts() {
    let site = site();
    for (build, mode) in builds_and_modes() {
        let name = format!("doomed-{}-{mode}.bin", build.label());
        let path = site.file(&name, 4 * MIB);
        let expected = std::fs::read(&path).unwrap();
        let server = site.server_of(build, &[("TRANSFER", mode)]);
        let ex = server.handle(get(&format!("/{name}"))).await.unwrap();
        let (first, body) = read_then_stall(ex.body, CHUNK).await;
        std::fs::remove_file(&path).unwrap();
        let (rest, summary) = read_all(body).await;
        match summary.end {
            // The open handle keeps the bytes: all of them, in order.
            StreamEnd::Clean => {
                assert_eq!(
                    first.bytes as usize + rest.len(),
                    expected.len(),
                    "{build:?} {mode}"
                )
            }
            StreamEnd::Error(_) => {}
            StreamEnd::NotReached => unreachable!(),
        }
        assert_eq!(
            &rest[..],
            &expected[first.bytes as usize..first.bytes as usize + rest.len()],
            "{build:?} {mode}"
        );
        let outcome = ex.report.wait().await.outcome;
        assert!(!outcome.is_trapped(), "{build:?} {mode}: {outcome:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_deadline_drops_a_blocked_instance() {
    let site = site();
    site.sparse("big.bin", GIB);
    for build in BUILDS {
        // No stall timeout: only the host's deadline can end this request.
        let config = ServerConfig::new(site.root())
            .component(build.component())
            .env("STALL_TIMEOUT", "0")
            .request_timeout(Duration::from_secs(1));
        let server = host_test::Server::new(config).unwrap();
        let ex = server.handle(get("/big.bin")).await.unwrap();
        let (_, body) = read_then_stall(ex.body, CHUNK).await;
        let report = tokio::time::timeout(Duration::from_secs(5), ex.report.wait())
            .await
            .unwrap_or_else(|_| panic!("{build:?}: deadline not enforced"));
        assert_eq!(report.outcome, Outcome::DeadlineExceeded, "{build:?}");
        let (_, rest) = read_all(body).await;
        assert!(
            matches!(rest.end, StreamEnd::Error(_)),
            "{build:?}: a cut body never ends cleanly: {rest:?}"
        );
        // The server goes on.
        let f = fetch(&server, Method::GET, "/hello.txt", &[]).await;
        assert_eq!(f.status, 200, "{build:?}");
    }
}

async fn raw_status(addr: std::net::SocketAddr, target: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = vec![0; 12];
    stream.read_exact(&mut head).await.unwrap();
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_component_does_not_take_serve_down() {
    let site = site();
    site.sparse("big.bin", 8 * MIB);
    // The naive fixture reads the whole file: under a 2 MiB cap it traps. It
    // exists as a WASI 0.2 component only; the file server's own builds
    // never trap (tests/never_trap.rs runs both).
    let config = ServerConfig::new(site.root())
        .component(host_test::NAIVE_COMPONENT)
        .max_memory(2 * MIB as usize);
    let server = host_test::bind(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            raw_status(server.local_addr, "/big.bin").await,
            "HTTP/1.1 500"
        );
        assert_eq!(
            raw_status(server.local_addr, "/hello.txt").await,
            "HTTP/1.1 200"
        );
    }
    server.shutdown_with_grace(SHUTDOWN_GRACE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_limits_concurrency_and_slow_heads() {
    let site = site();
    site.sparse("big.bin", GIB);
    for build in BUILDS {
        let mut config = ServerConfig::new(site.root())
            .component(build.component())
            .max_concurrent_requests(1)
            .header_read_timeout(Duration::from_millis(500));
        config = match build {
            Build::P2 => config.env("STALL_TIMEOUT", "1s"),
            // A WASI 0.3 guest that gives up on a stalled client ends its
            // body with an error the host reads only behind the bytes already
            // queued for the socket, so the request (and its slot) lasts
            // until the client reads or leaves (docs/design.md). The host's
            // own write timeout, as `host-test serve` sets by default, is
            // what frees the slot.
            Build::P3 => {
                config.write_timeout = Some(Duration::from_secs(1));
                config.env("STALL_TIMEOUT", "host")
            }
        };
        let server = host_test::bind(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = server.local_addr;

        // One stalled download takes the only slot: the next request gets 503.
        let mut stalled = TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"GET /big.bin HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0; 4096];
        stalled.read_exact(&mut buf).await.unwrap();
        assert_eq!(
            raw_status(addr, "/hello.txt").await,
            "HTTP/1.1 503",
            "{build:?}"
        );
        // The stall timeout frees the slot.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            raw_status(addr, "/hello.txt").await,
            "HTTP/1.1 200",
            "{build:?}"
        );
        drop(stalled);

        // A head that never completes loses its connection.
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET /hello.txt HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "{build:?}: a slow head must be cut");
        assert_within(started, 3, format_args!("{build:?}: cutting a slow head"));
        assert!(
            !String::from_utf8_lossy(&rest).contains("200 OK"),
            "{build:?}"
        );
        server.shutdown_with_grace(SHUTDOWN_GRACE).await.unwrap();
    }
}
