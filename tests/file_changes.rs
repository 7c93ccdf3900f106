//! A file that changes while it is sent: shrunk -> the response is aborted,
//! never finished short; grown -> exactly the promised Content-Length.

mod common;

use std::fs::OpenOptions;
use std::io::Write;

use common::*;
use host_test::{get, read_all, read_then_stall, Outcome, StreamEnd};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrunk_file_aborts_the_response() {
    let site = Site::new();
    for mode in MODES {
        let path = site.file(&format!("shrinks-{mode}.bin"), 10 * MIB);
        let server = site.server(&[("TRANSFER", mode)]);
        let ex = server
            .handle(get(&format!("/shrinks-{mode}.bin")))
            .await
            .unwrap();
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
            "{mode}: a short body must not end cleanly: {rest:?}"
        );
        assert!(
            first.bytes + rest.bytes <= MIB + 4 * CHUNK,
            "{mode}: {} bytes",
            first.bytes + rest.bytes
        );
        assert_eq!(ex.report.wait().await.outcome, Outcome::Aborted, "{mode}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grown_file_sends_exactly_content_length() {
    let site = Site::new();
    for mode in MODES {
        let name = format!("grows-{mode}.bin");
        let path = site.file(&name, MIB);
        let original = std::fs::read(&path).unwrap();
        let server = site.server(&[("TRANSFER", mode)]);
        let ex = server.handle(get(&format!("/{name}"))).await.unwrap();
        let (first, body) = read_then_stall(ex.body, CHUNK).await;
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&vec![b'x'; MIB as usize])
            .unwrap();
        let (rest_bytes, rest) = read_all(body).await;
        assert!(rest.is_clean(), "{mode}: {rest:?}");
        assert_eq!(first.bytes + rest.bytes, MIB, "{mode}");
        assert_eq!(rest_bytes[..], original[first.bytes as usize..], "{mode}");
        assert_eq!(ex.report.wait().await.outcome, Outcome::Finished, "{mode}");
    }
}
