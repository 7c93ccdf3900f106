//! A file that changes while it is sent, on every body path (both builds in
//! both transfer modes, and a WASI 0.3 whole file handed to the host):
//! shrunk -> the response is aborted, never finished short; grown -> exactly
//! the promised Content-Length.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use crate::common::*;
use host_test::{get, read_all, read_then_stall, Build, Outcome, StreamEnd};

/// A new `size`-byte file for one body path: the case's name for messages,
/// the file's URL path and the file.
fn file_for(
    site: &Site,
    change: &str,
    build: Build,
    path_name: &str,
    size: u64,
) -> (String, String, PathBuf) {
    let name = format!("{change}-{build:?}-{}.bin", path_name.replace(' ', "-"));
    let path = site.file(&name, size);
    (format!("{build:?} {path_name}"), format!("/{name}"), path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrunk_file_aborts_the_response() {
    let site = Site::new();
    for (build, path_name, env) in every_body_path() {
        let (what, target, path) = file_for(&site, "shrinks", build, path_name, 10 * MIB);
        let server = site.server_of(build, &env);
        let ex = server.handle(get(&target)).await.unwrap();
        assert_eq!(header(&ex.headers, "content-length"), Some("10485760"));
        let (first, body) = read_then_stall(ex.body, CHUNK).await;
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(MIB)
            .unwrap();
        let (_, rest) = read_all(body).await;
        assert!(
            matches!(rest.end, StreamEnd::Error(_)),
            "{what}: a short body must not end cleanly: {rest:?}"
        );
        assert!(
            first.bytes + rest.bytes <= MIB + 4 * CHUNK,
            "{what}: {} bytes",
            first.bytes + rest.bytes
        );
        assert_eq!(ex.report.wait().await.outcome, Outcome::Aborted, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grown_file_sends_exactly_content_length() {
    let site = Site::new();
    for (build, path_name, env) in every_body_path() {
        let (what, target, path) = file_for(&site, "grows", build, path_name, MIB);
        let original = std::fs::read(&path).unwrap();
        let server = site.server_of(build, &env);
        let ex = server.handle(get(&target)).await.unwrap();
        let (first, body) = read_then_stall(ex.body, CHUNK).await;
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&vec![b'x'; MIB as usize])
            .unwrap();
        let (rest_bytes, rest) = read_all(body).await;
        assert!(rest.is_clean(), "{what}: {rest:?}");
        assert_eq!(first.bytes + rest.bytes, MIB, "{what}");
        assert_eq!(rest_bytes[..], original[first.bytes as usize..], "{what}");
        assert_eq!(ex.report.wait().await.outcome, Outcome::Finished, "{what}");
    }
}
