//! Memory bounds, asserted from the host's ResourceLimiter reports: the
//! server's peak linear memory does not depend on the file size or the
//! client, while the naive fixture's grows with the file.

use std::time::Duration;

use crate::common::*;
use host_test::{get, read_hash, read_slow, read_then_stall, request, Report, Server};
use http::Method;

/// Stalled client: reads one chunk, then holds the connection. STALL_TIMEOUT
/// ends it so the report arrives.
async fn stalled_peak(build: Build, server: &Server, path: &str) -> Report {
    let ex = server.handle(get(path)).await.unwrap();
    assert_eq!(ex.status, 200, "{path}");
    let (_, body) = read_then_stall(ex.body, CHUNK).await;
    if build == Build::P3 {
        // A WASIp3 guest's abort reaches the host behind the bytes already
        // queued (tests/slow_clients.rs); here the client leaves instead.
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(body);
        return ex.report.wait().await;
    }
    let report = ex.report.wait().await;
    drop(body);
    report
}

/// Slow client: about 1 MiB/s for two seconds, then it leaves.
async fn slow_peak(server: &Server, path: &str) -> Report {
    let ex = server.handle(get(path)).await.unwrap();
    assert_eq!(ex.status, 200, "{path}");
    let summary = read_slow(
        ex.body,
        64 * 1024,
        Duration::from_millis(62),
        Duration::from_secs(2),
    )
    .await;
    assert!(
        summary.bytes >= MIB,
        "slow client read only {} bytes",
        summary.bytes
    );
    ex.report.wait().await
}

/// The report of a GET answered 200 and read to its clean end.
async fn full_read_peak(server: &Server, path: &str) -> Report {
    let ex = server.handle(get(path)).await.unwrap();
    assert_eq!(ex.status, 200, "{path}");
    let (summary, _) = read_hash(ex.body).await;
    assert!(summary.is_clean(), "{path}: {summary:?}");
    ex.report.wait().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_memory_does_not_grow_with_file_size_or_client() {
    let site = Site::new();
    site.file("small.bin", KIB);
    site.file("mid.bin", MIB);
    site.sparse("huge.bin", GIB);
    // (build, mode, CHUNK_SIZE, STALL_TIMEOUT, pages allowed): the README's
    // budgets. The WASIp3 build hands a whole file over as its own stream
    // only without a stall timeout; with one, `splice` relays like `chunked`.
    let configs = [
        (Build::P2, "splice", "65536", "1s", PAGE),
        (Build::P3, "splice", "65536", "1s", 2 * PAGE),
        (Build::P3, "splice", "65536", "0", PAGE),
    ]
    .into_iter()
    .chain(BUILDS.into_iter().flat_map(|build| {
        [
            (build, "chunked", "65536", "1s", 2 * PAGE),
            (build, "chunked", "16384", "1s", PAGE),
        ]
    }));
    for (build, mode, chunk, stall, budget) in configs {
        let server = site.server_of(
            build,
            &[
                ("TRANSFER", mode),
                ("CHUNK_SIZE", chunk),
                ("STALL_TIMEOUT", stall),
            ],
        );
        let mode = format!("{build:?} {mode} STALL_TIMEOUT={stall}");
        let (small, mid, huge_stalled, huge_slow, small_slow) = tokio::join!(
            full_read_peak(&server, "/small.bin"),
            full_read_peak(&server, "/mid.bin"),
            stalled_peak(build, &server, "/huge.bin"),
            slow_peak(&server, "/huge.bin"),
            async {
                let ex = server.handle(get("/small.bin")).await.unwrap();
                read_slow(
                    ex.body,
                    256,
                    Duration::from_millis(10),
                    Duration::from_secs(2),
                )
                .await;
                ex.report.wait().await
            },
        );
        let peaks = [&small, &mid, &huge_stalled, &huge_slow, &small_slow].map(|r| r.peak_memory);
        eprintln!("{mode} chunk={chunk}: peak bytes [1KiB, 1MiB, 1GiB stalled, 1GiB slow, 1KiB slow] = {peaks:?}");
        for (what, report) in [("stalled 1 GiB", &huge_stalled), ("slow 1 GiB", &huge_slow)] {
            assert_eq!(
                report.peak_memory, mid.peak_memory,
                "{mode}/{chunk}: {what} must peak like a 1 MiB GET"
            );
        }
        assert!(
            mid.peak_memory <= budget,
            "{mode}/{chunk}: {} bytes over the budget",
            mid.peak_memory
        );
        // A file smaller than one chunk never needs more than a big one.
        assert!(small.peak_memory <= mid.peak_memory && small_slow.peak_memory <= mid.peak_memory);
        if budget == PAGE {
            assert_eq!(
                small.peak_memory, huge_stalled.peak_memory,
                "{mode}/{chunk}: 1 KiB vs 1 GiB"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_fixture_grows_with_the_file() {
    let site = Site::new();
    site.sparse("one.bin", MIB);
    site.sparse("sixtyfour.bin", 64 * MIB);
    let naive = site.naive_server();
    let real = site.server(&[]);
    let mut peaks = Vec::new();
    for server in [&naive, &real] {
        for path in ["/one.bin", "/sixtyfour.bin"] {
            let ex = server.handle(get(path)).await.unwrap();
            let (summary, _) = read_hash(ex.body).await;
            assert!(summary.is_clean());
            peaks.push(ex.report.wait().await.peak_memory);
        }
    }
    let [naive_1, naive_64, real_1, real_64] = peaks[..] else {
        unreachable!()
    };
    eprintln!(
        "naive: 1 MiB -> {naive_1} bytes, 64 MiB -> {naive_64} bytes; server: {real_1}, {real_64}"
    );
    assert!(naive_1 > MIB, "naive holds the whole 1 MiB file: {naive_1}");
    assert!(
        naive_64 > 64 * MIB,
        "naive holds the whole 64 MiB file: {naive_64}"
    );
    assert_eq!(
        real_1, real_64,
        "the server's peak must not depend on the file"
    );
    assert!(real_64 * 100 < naive_64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_kib_request_heads_stay_in_one_page() {
    let site = Site::new();
    site.file("a.bin", MIB);
    // Splice: no chunk in linear memory, so any header copy would show.
    let server = site.server(&[("TRANSFER", "splice")]);
    // ~15 KiB of entity tags the component must read and compare, plus
    // ~15 KiB of a header it must not read at all.
    let tags = (0..1000)
        .map(|i| format!("\"t{i:05}\""))
        .collect::<Vec<_>>()
        .join(",");
    let filler = "f".repeat(15 * 1024);
    for (name, value) in [
        ("if-none-match", tags.as_str()),
        ("if-match", tags.as_str()),
        ("x-filler", filler.as_str()),
    ] {
        let ex = server
            .handle(request(Method::GET, "/a.bin", &[(name, value)]))
            .await
            .unwrap();
        let (summary, _) = read_hash(ex.body).await;
        assert!(summary.is_clean());
        let report = ex.report.wait().await;
        assert!(
            report.peak_memory <= PAGE,
            "{name}: {} bytes",
            report.peak_memory
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_and_listings_peak_like_a_small_get() {
    let site = Site::new();
    site.file("small.bin", KIB);
    site.sparse("huge.bin", GIB);
    let dir = site.root().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..100_000 {
        std::fs::File::create(dir.join(format!("file-{i:06}.txt"))).unwrap();
    }
    for (build, mode) in builds_and_modes() {
        let server = site.server_of(build, &[("TRANSFER", mode), ("DIRECTORY_LISTING", "true")]);
        let small = full_read_peak(&server, "/small.bin").await;
        let ex = server
            .handle(request(Method::GET, "/many/", &[]))
            .await
            .unwrap();
        let (listing, _) = read_hash(ex.body).await;
        assert!(listing.is_clean());
        assert!(
            listing.bytes > 100_000 * 40,
            "every entry listed: {} bytes",
            listing.bytes
        );
        let listing = ex.report.wait().await;
        // JSON looks up every entry as well: still one row at a time.
        let accept_json = [("accept", "application/json")];
        let ex = server
            .handle(request(Method::GET, "/many/", &accept_json))
            .await
            .unwrap();
        let (json, _) = read_hash(ex.body).await;
        assert!(
            json.is_clean() && json.bytes > 100_000 * 40,
            "{} bytes",
            json.bytes
        );
        let json = ex.report.wait().await;
        assert_eq!(
            json.peak_memory, small.peak_memory,
            "{build:?} {mode}: JSON listing"
        );
        let ranges = "bytes=0-99,268435456-268500991,536870912-537001983,-65536";
        let ex = server
            .handle(request(Method::GET, "/huge.bin", &[("range", ranges)]))
            .await
            .unwrap();
        assert_eq!(ex.status, 206);
        let (multipart, _) = read_hash(ex.body).await;
        assert!(multipart.is_clean() && multipart.bytes > 262_244);
        let multipart = ex.report.wait().await;
        eprintln!(
            "{build:?} {mode}: peak bytes 1 KiB GET {}, listing of 100,000 {}, multipart over 1 GiB {}",
            small.peak_memory, listing.peak_memory, multipart.peak_memory
        );
        // A listing holds no chunk; a multipart body holds one, like any 64 KiB+ GET.
        assert_eq!(
            listing.peak_memory, small.peak_memory,
            "{build:?} {mode}: listing"
        );
        // The WASIp3 build relays ranges through one chunk in both modes:
        // only a whole file is handed over as the file's own stream.
        let one_chunk = if mode == "splice" && build == Build::P2 {
            small.peak_memory
        } else {
            2 * PAGE
        };
        assert_eq!(
            multipart.peak_memory, one_chunk,
            "{build:?} {mode}: multipart"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_holds_one_chunk_like_a_download() {
    let site = Site::new();
    site.file("big/a.bin", 4 * MIB);
    site.file("big/b/c.bin", 3 * MIB);
    for (build, mode) in builds_and_modes() {
        let what = format!("{build:?} {mode}");
        let env = [("TRANSFER", mode), ("DIRECTORY_DOWNLOAD", "tar")];
        let server = site.server_of(build, &env);
        let download = full_read_peak(&server, "/big/a.bin").await;
        let archive = full_read_peak(&server, "/big/?download=tar").await;
        assert!(
            archive.body_bytes > 7 * MIB,
            "{what}: {}",
            archive.body_bytes
        );
        assert_eq!(
            archive.peak_memory, download.peak_memory,
            "{what}: archive and download"
        );
    }
}
