//! The caps and bounds the README and the deployment guide quote are the
//! ones the tests use: the `-W max-memory-size` of each `wasmtime serve`
//! command and the pages the guide's arithmetic arrives at, and the bound
//! for one WASI 0.3 instance running 16 requests at once.

use crate::common::wasmtime_cli::{
    download_intact, fetch, wasmtime_cli, WasmtimeServe, MEMORY_CAP, P3_MEMORY_CAP,
};
use crate::common::{Site, CHUNK, MIB, PAGE};
use crate::p3_concurrency::{IN_FLIGHT, REQUEST_STATE};
use http::Method;

const README: &str = include_str!("../README.md");
const DEPLOYMENT: &str = include_str!("../docs/deployment.md");

/// `1245184` -> `1,245,184`.
fn with_commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The README command that serves `wasm`, as words: its lines end at the one
/// naming `wasm`, continued with `\\`.
fn readme_command(wasm: &str) -> Vec<String> {
    let lines: Vec<&str> = README.lines().collect();
    let last = lines
        .iter()
        .position(|line| line.trim_end().ends_with(wasm))
        .unwrap_or_else(|| panic!("no README command serves {wasm}"));
    let mut first = last;
    while first > 0 && lines[first - 1].trim_end().ends_with('\\') {
        first -= 1;
    }
    lines[first..=last]
        .iter()
        .flat_map(|line| line.split_whitespace())
        .filter(|word| *word != "\\")
        .map(str::to_string)
        .collect()
}

/// The `-W max-memory-size` of the README command that serves `wasm`.
fn readme_cap(wasm: &str) -> u64 {
    let command = readme_command(wasm);
    command
        .iter()
        .find_map(|word| word.strip_prefix("max-memory-size="))
        .and_then(|cap| cap.parse().ok())
        .unwrap_or_else(|| panic!("no max-memory-size in {command:?}"))
}

#[test]
fn readme_caps_are_the_end_to_end_tests_caps() {
    assert_eq!(readme_cap("release/wasi_fileserver.wasm"), MEMORY_CAP);
    assert_eq!(readme_cap("release/wasi_fileserver_p3.wasm"), P3_MEMORY_CAP);
    let pages = |cap: u64| format!("{} pages", cap / PAGE);
    for cap in [MEMORY_CAP, P3_MEMORY_CAP] {
        assert!(DEPLOYMENT.contains(&pages(cap)), "{}", pages(cap));
    }
}

#[test]
fn readme_bound_for_requests_in_flight_is_the_concurrency_tests() {
    // The one-request base of the WASI 0.3 build (chunked) is 2 pages.
    let bound = 2 * PAGE + u64::from(IN_FLIGHT) * (CHUNK + REQUEST_STATE);
    let quoted = format!("{} B", with_commas(bound));
    assert!(README.contains(&quoted), "README does not say {quoted}");
    assert!(README.contains(&format!("{} KiB of request state", REQUEST_STATE / 1024)));
}

#[test]
fn host_chooser_figures_are_the_benchmark_pages() {
    // The README's host chooser quotes figures whose one home is the
    // benchmark page's host-memory tables, with their commands.
    const BENCHMARKS: &str = include_str!("../docs/benchmarks.md");
    let host_memory = BENCHMARKS
        .split("## Host memory per stalled client, by host")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("benchmarks.md has its host-memory section");
    let chooser = README
        .split("## Choosing a host")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has its host chooser");
    let rows: Vec<&str> = chooser
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| host,"))
        .collect();
    assert_eq!(rows.len(), 6, "{chooser}");
    for row in rows {
        let figure = row.split('|').nth(4).expect("a memory column").trim();
        assert!(figure.ends_with(" KiB"), "{row}");
        // The figure's row there is a configuration the README ships.
        let cell = format!("| {figure} |");
        let source = host_memory
            .lines()
            .find(|line| line.contains(&cell))
            .unwrap_or_else(|| panic!("benchmarks.md has no {figure} for {row}"));
        assert!(source.contains("*shipped*"), "{figure}: {source}");
    }
}

/// The README's `wasmtime serve` commands, word for word but for the
/// directory, the address and the component's path, serve 64 MiB intact and
/// many small requests in a row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs wasmtime serve 48.0.8 (scripts/test builds it and runs these)"]
async fn the_readme_commands_serve() {
    let site = Site::new();
    let big = site.file("big.bin", 64 * MIB);
    site.text("small.txt", "small");
    for (wasm, component) in [
        (
            "release/wasi_fileserver.wasm",
            host_test::FILESERVER_COMPONENT,
        ),
        ("release/wasi_fileserver_p3.wasm", host_test::P3_COMPONENT),
    ] {
        let words = readme_command(wasm);
        assert_eq!(words[..2], ["wasmtime", "serve"], "{words:?}");
        let mut command = std::process::Command::new(wasmtime_cli());
        for word in &words[1..words.len() - 1] {
            command.arg(match word.as_str() {
                "./public::/" => format!("{}::/", site.root().display()),
                "127.0.0.1:8080" => "127.0.0.1:0".to_string(),
                other => other.to_string(),
            });
        }
        command.arg(component);
        let server = WasmtimeServe::spawn(command);
        download_intact(&server, "/big.bin", &big, wasm).await;
        for _ in 0..50 {
            let (status, _, body) = fetch(server.addr, Method::GET, "/small.txt", &[]).await;
            assert_eq!((status, body.as_slice()), (200, &b"small"[..]), "{wasm}");
        }
    }
}
