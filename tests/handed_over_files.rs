//! A WASI 0.3 whole file handed to the host (`TRANSFER=splice`,
//! `STALL_TIMEOUT=host`): no guest buffer at all, and the host's own reads
//! bound what a slow or stalled download holds. The host reads 4 KiB at a
//! time until the client has taken 4 MiB, then up to `host_read`: the frames
//! a client that stops early leaves behind are small, whatever the file.

use crate::common::*;
use http_body_util::BodyExt as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_stay_small_until_the_client_has_taken_four_mib() {
    let site = Site::new();
    let path = site.file("big.bin", 24 * MIB);
    let expected = std::fs::read(&path).unwrap();
    let server = site.server_of(
        Build::P3,
        &[("TRANSFER", "splice"), ("STALL_TIMEOUT", "host")],
    );
    let mut ex = server.handle(host_test::get("/big.bin")).await.unwrap();
    assert_eq!(ex.status, 200);
    let mut received = Vec::with_capacity(expected.len());
    let (mut largest_early, mut largest_late) = (0, 0);
    while let Some(frame) = ex.body.frame().await {
        let data = frame.unwrap().into_data().unwrap();
        if (received.len() as u64) < 4 * MIB {
            largest_early = largest_early.max(data.len());
        } else {
            largest_late = largest_late.max(data.len());
        }
        received.extend_from_slice(&data);
    }
    assert!(received == expected, "the body is the file");
    assert!(
        largest_early <= 4 * KIB as usize,
        "frames before 4 MiB: up to {largest_early} bytes"
    );
    assert!(
        largest_late > 4 * KIB as usize && largest_late <= 64 * KIB as usize,
        "frames after 4 MiB: up to {largest_late} bytes (host_read is 64 KiB)"
    );
    let report = ex.report.wait().await;
    assert_eq!(report.outcome, host_test::Outcome::Finished);
    // Nothing of the file went through linear memory: the instance's base.
    assert!(report.peak_memory <= 2 * PAGE, "{}", report.peak_memory);
}
