//! Smoke test of `host-test-bench --quick`: the built binary runs the quick
//! subset (servers in child processes, clients here), prints the markdown
//! tables and writes the JSON; peak linear memory must be flat across file
//! sizes and clients in each mode of each build, p2 and p3 (the same for
//! every file of a chunk or more), and grow with the file for the naive
//! fixture (so the bench does see memory). No timing is asserted, nor the
//! p3 peaks' values (how the p3 glue relays a splice response may change).

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

#[test]
fn quick_bench_prints_the_table_and_memory_is_flat() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_host-test-bench"))
        .arg("--quick")
        .arg("--json")
        .arg(&json_path)
        .arg("--work-dir")
        .arg(dir.path())
        .output()
        .expect("running host-test-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bench --quick failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("| server | build | file | client |")
            && stdout.contains("| chunked | p2 | 64 MiB |")
            && stdout.contains("| chunked | p3 | 64 MiB |"),
        "no table on stdout:\n{stdout}"
    );
    assert!(
        stdout.contains(
            "| file | client | conns | native | chunked p2 | chunked p3 | splice p2 | splice p3 |"
        ),
        "no side-by-side table on stdout:\n{stdout}"
    );

    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let rows = json["rows"].as_array().expect("rows");
    assert!(rows.iter().all(|row| row["failed"] == false), "{rows:#?}");

    // (mode, build) -> size -> largest peak linear memory over its rows (all
    // clients).
    let mut peaks: BTreeMap<(&str, &str), BTreeMap<u64, u64>> = BTreeMap::new();
    for row in rows {
        let (Some(server), Some(build), Some(size), Some(peak)) = (
            row["server"].as_str(),
            row["build"].as_str(),
            row["size_bytes"].as_u64(),
            row["peak_linear_memory_bytes"]["max"].as_u64(),
        ) else {
            continue;
        };
        if row["variant"].is_null() {
            let largest = peaks
                .entry((server, build))
                .or_default()
                .entry(size)
                .or_default();
            *largest = (*largest).max(peak);
        }
    }
    // The baselines carry no build; every fileserver row carries one.
    for row in rows {
        let baseline = ["native", "native inline", "nginx", "Go"]
            .contains(&row["server"].as_str().unwrap_or(""));
        assert_eq!(row["build"].is_null(), baseline, "{row:#?}");
    }
    // Both native baselines serve every size and the request loop, and the
    // inline one is compared with the tokio::fs one.
    for native in ["native", "native inline"] {
        let native_rows: Vec<&Value> = rows
            .iter()
            .filter(|row| row["server"] == native && row["client"] != "stalled")
            .collect();
        assert!(
            native_rows.len() >= 4
                && native_rows.iter().all(|row| row["throughput_mb_per_s"]
                    .as_f64()
                    .or(row["requests_per_s"].as_f64())
                    .is_some_and(|figure| figure > 0.0)),
            "{native}: {native_rows:#?}"
        );
        assert_eq!(
            native_rows
                .iter()
                .all(|row| row["ratio_to_native"].is_number()),
            native == "native inline",
            "{native}: {native_rows:#?}"
        );
    }
    // The README default is measured against the peers, or says why not.
    assert!(
        stdout
            .contains("### The README default (`host-test serve --dir DIR`) against nginx and Go"),
        "no peer table:\n{stdout}"
    );
    for peer in ["nginx", "Go"] {
        let peer_rows: Vec<&Value> = rows.iter().filter(|row| row["server"] == peer).collect();
        assert!(!peer_rows.is_empty(), "{peer}: no rows at all");
        assert!(
            peer_rows
                .iter()
                .all(|row| row["throughput_mb_per_s"].is_number()
                    || row["requests_per_s"].is_number()
                    || row["host_memory"].is_object()
                    || row["result"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("not measured"))),
            "{peer}: a row without figures or a reason: {peer_rows:#?}"
        );
    }
    // The default and the peers took turns: one figure per round each, or
    // (a peer only) the reason there is none.
    let turns = &json["turns"];
    let rounds = turns["rounds"].as_u64().expect("turns.rounds") as usize;
    assert!(rounds >= 2, "{turns:#?}");
    for server in turns["servers"].as_array().expect("turns.servers") {
        let name = server["server"].as_str().unwrap_or("");
        match server["result"].as_str() {
            Some(why) => assert!(
                name != "default" && why.starts_with("not measured"),
                "{name} has no figures in turns: {why}"
            ),
            None => {
                for figure in ["downloads_mb_per_s", "requests_per_s"] {
                    let values = server[figure].as_array().expect(figure);
                    assert_eq!(values.len(), rounds, "{name} {figure}: {values:?}");
                    assert!(
                        values.iter().all(|v| v.as_f64().is_some_and(|v| v > 0.0)),
                        "{name} {figure}: {values:?}"
                    );
                }
            }
        }
    }
    assert!(
        stdout.contains("#### In turns, round by round"),
        "no rounds table:\n{stdout}"
    );
    // Flat: every file of at least one chunk (64 KiB) peaks the same, and a
    // smaller one (1 KiB: its read fits in the first page) no higher.
    // Per build: the p3 build in splice mode may relay through its buffer
    // (two pages rather than one); flat is what counts.
    for key in [
        ("chunked", "p2"),
        ("chunked", "p3"),
        ("splice", "p2"),
        ("splice", "p3"),
    ] {
        let mode = format!("{} {}", key.0, key.1);
        let by_size = peaks
            .get(&key)
            .unwrap_or_else(|| panic!("{mode}: no rows with peak linear memory: {peaks:?}"));
        let full_chunk: Vec<u64> = by_size
            .iter()
            .filter(|(size, _)| **size >= 64 * 1024)
            .map(|(_, peak)| *peak)
            .collect();
        assert!(full_chunk.len() >= 3, "{mode}: too few sizes: {by_size:?}");
        assert!(
            full_chunk.iter().all(|peak| *peak == full_chunk[0])
                && by_size.values().all(|peak| *peak <= full_chunk[0]),
            "{mode}: peak linear memory is not flat across sizes: {by_size:?}"
        );
    }
    let naive = &peaks[&("naive", "p2")];
    let mib = 1024 * 1024;
    assert!(
        naive[&(64 * mib)] >= 64 * mib && naive[&(64 * mib)] > naive[&mib],
        "the naive fixture's memory should follow the file: {naive:?}"
    );
}
