//! Downloads in both builds: validators and `Repr-Digest` from the site's
//! `sha256sum` manifest (`MANIFEST`), the same on every copy of the site;
//! stale entries give no digest; `Want-Repr-Digest`; the manifest never
//! served; a 100,000-file manifest costs no extra linear memory; and
//! `LIMIT_RATE` / `LIMIT_RATE_AFTER` pacing, which the stall timeout does not
//! mistake for a stalled client.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::common::*;
use base64::Engine as _;
use host_test::Server;
use http::Method;

fn expected_digest(path: &Path) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(sha256_file(path));
    format!("sha-256=:{encoded}:")
}

fn expected_etag(path: &Path) -> String {
    let hex: String = sha256_file(path)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"sha256-{hex}\"")
}

const FILES: [&str; 5] = [
    "downloads/tool-1.0.tar.gz",
    "downloads/tool-1.0.iso",
    "app.js",
    "app.js.gz",
    "index.html",
];

fn download_site() -> Site {
    let site = Site::new();
    site.file("downloads/tool-1.0.tar.gz", 300 * KIB);
    site.file("downloads/tool-1.0.iso", 2 * MIB + 17);
    site.file("app.js", 40 * KIB);
    site.file("app.js.gz", 9 * KIB);
    site.text("index.html", "<h1>downloads</h1>");
    site.text("unlisted.txt", "no entry");
    site.text(
        "SHA256SUMS",
        &sha256sum_manifest(&site.root(), &FILES, true),
    );
    site
}

/// GET of the manifest-listed ISO with `headers`.
async fn get_iso(server: &Server, headers: &[(&str, &str)]) -> Fetched {
    fetch(server, Method::GET, "/downloads/tool-1.0.iso", headers).await
}

const MANIFEST: [(&str, &str); 2] = [("MANIFEST", "/SHA256SUMS"), ("DIRECTORY_LISTING", "true")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validators_and_digests_come_from_the_manifest() {
    let site = download_site();
    let iso = site.root().join("downloads/tool-1.0.iso");
    for (build, server) in site.servers(&MANIFEST) {
        let f = get_iso(&server, &[]).await;
        assert_eq!(f.status, 200, "{build:?}");
        assert_eq!(
            header(&f.headers, "etag"),
            Some(expected_etag(&iso).as_str())
        );
        assert_eq!(
            header(&f.headers, "repr-digest"),
            Some(expected_digest(&iso).as_str()),
            "{build:?}"
        );
        assert_eq!(sha256(&f.body), sha256_file(&iso));
        assert!(f.summary.is_clean());

        // Every range of it carries the whole representation's digest.
        for range in ["bytes=0-99", "bytes=1000-1999,5000-5099"] {
            let f = get_iso(&server, &[("range", range)]).await;
            assert_eq!(f.status, 206, "{build:?} {range}");
            assert_eq!(
                header(&f.headers, "repr-digest"),
                Some(expected_digest(&iso).as_str())
            );
        }
        let f = fetch(&server, Method::HEAD, "/downloads/tool-1.0.iso", &[]).await;
        assert_eq!(
            header(&f.headers, "repr-digest"),
            Some(expected_digest(&iso).as_str())
        );

        // The hash ETag validates, for If-None-Match and If-Range.
        let etag = expected_etag(&iso);
        let f = get_iso(&server, &[("if-none-match", &etag)]).await;
        assert_eq!(f.status, 304, "{build:?}");
        assert_eq!(header(&f.headers, "repr-digest"), None);
        let f = get_iso(&server, &[("range", "bytes=0-9"), ("if-range", &etag)]).await;
        assert_eq!(f.status, 206, "{build:?}");

        // Want-Repr-Digest: sha-256=0 declines it; other algorithms do not.
        let f = get_iso(&server, &[("want-repr-digest", "sha-256=0")]).await;
        assert_eq!((f.status, header(&f.headers, "repr-digest")), (200, None));
        assert_eq!(header(&f.headers, "etag"), Some(etag.as_str()));
        let f = get_iso(&server, &[("want-repr-digest", "sha-512=9, sha-256=2")]).await;
        assert!(header(&f.headers, "repr-digest").is_some());

        // A precompressed variant has its own entry: its own digest and ETag.
        let gz = site.root().join("app.js.gz");
        let f = fetch(
            &server,
            Method::GET,
            "/app.js",
            &[("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(header(&f.headers, "content-encoding"), Some("gzip"));
        assert_eq!(
            header(&f.headers, "repr-digest"),
            Some(expected_digest(&gz).as_str())
        );
        assert_eq!(
            header(&f.headers, "etag"),
            Some(expected_etag(&gz).as_str())
        );
        let js = site.root().join("app.js");
        let f = fetch(&server, Method::GET, "/app.js", &[]).await;
        assert_eq!(
            header(&f.headers, "repr-digest"),
            Some(expected_digest(&js).as_str())
        );

        // No entry: the size-and-time ETag, no digest.
        let f = fetch(&server, Method::GET, "/unlisted.txt", &[]).await;
        assert_eq!(f.status, 200);
        assert_eq!(header(&f.headers, "repr-digest"), None);
        assert!(!header(&f.headers, "etag").unwrap().starts_with("\"sha256-"));

        // The manifest is never served, nor listed.
        let f = fetch(&server, Method::GET, "/SHA256SUMS", &[]).await;
        assert_eq!(f.status, 404, "{build:?}");
        let f = fetch(&server, Method::GET, "/", &[]).await;
        assert!(!contains(&f.body, b"SHA256SUMS"), "{build:?}");

        // Without MANIFEST, none of it.
        let plain = site.server_of(build, &[]);
        let f = fetch(&plain, Method::GET, "/downloads/tool-1.0.iso", &[]).await;
        assert_eq!(header(&f.headers, "repr-digest"), None);
        let f = fetch(&plain, Method::GET, "/SHA256SUMS", &[]).await;
        assert_eq!(
            f.status, 200,
            "{build:?}: an ordinary file when no setting names it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_copies_with_other_times_answer_alike() {
    let first = download_site();
    let names: Vec<&str> = FILES.iter().copied().chain(["SHA256SUMS"]).collect();
    let second = first.copy_dated(&names, SystemTime::now() - Duration::from_secs(86_400));
    for build in BUILDS {
        let a = first.server_of(build, &MANIFEST);
        let b = second.server_of(build, &MANIFEST);
        for target in [
            "/downloads/tool-1.0.iso",
            "/downloads/tool-1.0.tar.gz",
            "/app.js",
            "/",
        ] {
            let fa = fetch(&a, Method::GET, target, &[("accept-encoding", "gzip")]).await;
            let fb = fetch(&b, Method::GET, target, &[("accept-encoding", "gzip")]).await;
            if target == "/" {
                // The index file: an entry too.
                assert!(header(&fa.headers, "etag")
                    .unwrap()
                    .starts_with("\"sha256-"));
            }
            for name in ["etag", "repr-digest"] {
                assert_eq!(
                    header(&fa.headers, name),
                    header(&fb.headers, name),
                    "{build:?} {target} {name}"
                );
            }
            assert_ne!(
                header(&fa.headers, "last-modified"),
                header(&fb.headers, "last-modified")
            );
            // One copy's ETag revalidates against the other.
            let etag = header(&fa.headers, "etag").unwrap().to_string();
            let f = fetch(
                &b,
                Method::GET,
                target,
                &[("if-none-match", &etag), ("accept-encoding", "gzip")],
            )
            .await;
            assert_eq!(f.status, 304, "{build:?} {target}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_entry_never_sends_a_wrong_digest() {
    let site = download_site();
    // Changed after the manifest: another size.
    site.file("downloads/tool-1.0.tar.gz", 301 * KIB);
    // A manifest without sizes (the one-liner's) is trusted as it is.
    let plain = Site::new();
    plain.file("a.bin", 10 * KIB);
    plain.text(
        "SHA256SUMS",
        &sha256sum_manifest(&plain.root(), &["a.bin"], false),
    );
    for (build, server) in site.servers(&MANIFEST) {
        let f = fetch(&server, Method::GET, "/downloads/tool-1.0.tar.gz", &[]).await;
        assert_eq!(f.status, 200);
        assert_eq!(f.body.len() as u64, 301 * KIB);
        assert_eq!(header(&f.headers, "repr-digest"), None, "{build:?}");
        assert!(
            !header(&f.headers, "etag").unwrap().starts_with("\"sha256-"),
            "{build:?}"
        );
        let server = plain.server_of(build, &MANIFEST);
        let f = fetch(&server, Method::GET, "/a.bin", &[]).await;
        assert_eq!(
            header(&f.headers, "repr-digest"),
            Some(expected_digest(&plain.root().join("a.bin")).as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_file_manifest_costs_no_linear_memory() {
    let site = Site::new();
    let wanted = format!("releases/v{}/pkg-31337.tar.gz", 31337 % 97);
    site.file(&wanted, 5 * KIB);
    let real = sha256_file(&site.root().join(&wanted));
    let mut lines: Vec<(String, String)> = (0..100_000)
        .map(|i| {
            (
                format!("releases/v{}/pkg-{i}.tar.gz", i % 97),
                format!("{:064x}", i as u128 * 7919 + 1),
            )
        })
        .collect();
    lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut manifest = String::new();
    for (path, hex) in &lines {
        let hex = if *path == wanted {
            real.iter().map(|b| format!("{b:02x}")).collect()
        } else {
            hex.clone()
        };
        manifest.push_str(&format!("{hex}  {path}\n# size {}\n", 5 * KIB));
    }
    assert!(manifest.len() > 10_000_000);
    site.text("SHA256SUMS", &manifest);
    for (build, server) in site.servers(&[("MANIFEST", "/SHA256SUMS")]) {
        let ex = server
            .handle(host_test::get(&format!("/{wanted}")))
            .await
            .unwrap();
        assert_eq!(ex.status, 200);
        assert_eq!(
            header(&ex.headers, "repr-digest"),
            Some(expected_digest(&site.root().join(&wanted)).as_str())
        );
        let (summary, _) = host_test::read_hash(ex.body).await;
        assert!(summary.is_clean());
        let peak = ex.report.wait().await.peak_memory;
        assert!(peak <= PAGE, "{build:?}: {peak} bytes of linear memory");
    }
}

/// A paced download takes `(size - after) / rate`, within 10%.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_hold() {
    let site = Site::new();
    site.file("big.bin", 3 * MIB);
    let expected = Duration::from_secs_f64(2.5);
    for build in BUILDS {
        for transfer in ["chunked", "splice"] {
            let server = site.server_of(
                build,
                &[
                    ("LIMIT_RATE", "1m"),
                    ("LIMIT_RATE_AFTER", "512k"),
                    ("TRANSFER", transfer),
                    ("STALL_TIMEOUT", "host"),
                ],
            );
            let started = Instant::now();
            let f = fetch(&server, Method::GET, "/big.bin", &[]).await;
            let took = started.elapsed();
            assert_eq!(f.status, 200);
            assert_eq!(sha256(&f.body), sha256_file(&site.root().join("big.bin")));
            assert!(
                took >= expected.mul_f64(0.9) && took <= expected.mul_f64(1.1),
                "{build:?} {transfer}: 3 MiB at 1 MiB/s after 512 KiB took {took:?}, expected {expected:?}"
            );
        }
        // Unlimited: far faster.
        let server = site.server_of(build, &[]);
        let started = Instant::now();
        fetch(&server, Method::GET, "/big.bin", &[]).await;
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

/// Pacing waits longer than the stall timeout between writes; the client
/// takes everything at once, so it is never stalled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_is_not_a_stall() {
    let site = Site::new();
    site.file("small.bin", 3 * KIB);
    for (build, server) in site.servers(&[("LIMIT_RATE", "1k"), ("STALL_TIMEOUT", "300ms")]) {
        let started = Instant::now();
        let f = fetch(&server, Method::GET, "/small.bin", &[]).await;
        assert!(f.summary.is_clean(), "{build:?}: {:?}", f.summary);
        assert_eq!(f.body.len() as u64, 3 * KIB);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(2700), "{build:?}: {took:?}");
    }
}
