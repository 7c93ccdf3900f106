//! The builds on the hosts users already have, end to end over loopback TCP:
//! `wasmtime serve` 44 (wasmtime-cli 44.0.3, the engine of Spin 4.0.2, the
//! latest Spin release) runs the WASI 0.2 build and the WASI
//! 0.3.0-rc-2026-03-15 build (`host_test::P3_RC_COMPONENT`, p3's
//! `rc-2026-03-15` feature), and refuses the 0.3.2 build; `wasmtime serve` 48
//! refuses the rc build; `wasmtime serve` 36 (wasmtime-cli 36.0.x, the engine
//! of Spin 3.4) runs the WASI 0.2 build and refuses both WASI 0.3 builds; a
//! newer `wasmtime serve` (49 or 50, `WASMTIME_NEW`) runs the WASI 0.2 and
//! 0.3.2 builds and refuses the rc build. docs/hosts.md has the table these
//! checks fill.
//!
//! How to run: `scripts/host-check` (it needs `WASMTIME_44=/path/to/wasmtime`,
//! a wasmtime-cli 44 binary, `WASMTIME_36=...`, a wasmtime-cli 36 binary,
//! and/or `WASMTIME_NEW=...`, a wasmtime-cli 49 or 50 binary), which is
//! `WASMTIME_44=... cargo test --release -p wasi-fileserver-core --test older_hosts`.
//! The script skips (`--skip wasmtime_36`) the tests of a version it was not
//! given, and says so.
//!
//! Why a test target with `test = false` (Cargo.toml): CI runs scripts/test,
//! that is `cargo test --release -- --include-ignored` over the package's
//! default test targets, and CI has no wasmtime 44 or 36 (building one takes
//! about 20 minutes on 2 cores). `cargo test` builds this target only when it
//! is named (`--test older_hosts`), so CI does not run these checks, and when
//! they do run they never pass without the binaries: without `WASMTIME_44`
//! (`WASMTIME_36`) every test about wasmtime 44 (36) fails and says how to
//! get one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::wasmtime_cli::{
    download_intact, fetch, serve_command, Connection, WasmtimeServe, MEMORY_CAP, P3_MEMORY_CAP,
};
use common::*;
use host_test::read_hash;
use http::Method;

/// An older wasmtime-cli these checks run, named by an environment variable.
struct OlderWasmtime {
    /// The environment variable that holds its path.
    var: &'static str,
    /// The major versions its `--version` may report.
    majors: &'static [&'static str],
    /// The `cargo install` version requirement, its root, and the build time
    /// on 2 cores, for the message that says how to get one.
    install: &'static str,
    root: &'static str,
    minutes: u32,
}

/// wasmtime-cli 44.x: the engine of Spin 4.0.2.
const WASMTIME_44: OlderWasmtime = OlderWasmtime {
    var: "WASMTIME_44",
    majors: &["44"],
    install: "44.0.3",
    root: "/tmp/wt44",
    minutes: 20,
};

/// wasmtime-cli 36.x (36.0.20 measured): the engine of Spin 3.4.
const WASMTIME_36: OlderWasmtime = OlderWasmtime {
    var: "WASMTIME_36",
    majors: &["36"],
    install: "'~36.0'",
    root: "/tmp/wt36",
    minutes: 20,
};

/// A wasmtime-cli newer than the workspace's 48: 49.x or 50.x (50.0.1
/// measured), which need rustc 1.96 and 1.97 to build.
const WASMTIME_NEW: OlderWasmtime = OlderWasmtime {
    var: "WASMTIME_NEW",
    majors: &["49", "50"],
    install: "50.0.1",
    root: "/tmp/wt50",
    minutes: 23,
};

impl OlderWasmtime {
    /// wasmtime 49 and 50 need rustc 1.96 and 1.97: `+1.97` in the hint
    /// for them, and no toolchain for the older ones.
    fn how_to_get_one(&self) -> String {
        let OlderWasmtime {
            var,
            majors,
            install,
            root,
            minutes,
        } = self;
        let major = majors.join(" or ");
        let toolchain = if majors.contains(&"50") { "+1.97 " } else { "" };
        format!(
            "set {var} to a wasmtime-cli {major} binary, e.g. \
             `cargo {toolchain}install wasmtime-cli --version {install} --locked --root {root}` \
             (about {minutes} minutes on 2 cores), then `{var}={root}/bin/wasmtime scripts/host-check`"
        )
    }

    /// `$VAR`, checked to say `wasmtime MAJOR.x`. Panics otherwise: these
    /// checks never pass without it.
    fn path(&self) -> PathBuf {
        self.find().unwrap_or_else(|why| panic!("{why}"))
    }

    fn find(&self) -> Result<PathBuf, String> {
        let (var, how) = (self.var, self.how_to_get_one());
        let Some(path) = std::env::var_os(var) else {
            return Err(format!("{var} is not set: {how}"));
        };
        let path = PathBuf::from(path);
        let out = Command::new(&path)
            .arg("--version")
            .output()
            .map_err(|e| format!("{var}={}: {e}; {how}", path.display()))?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let major = version
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.split('.').next());
        if !major.is_some_and(|major| self.majors.contains(&major)) {
            return Err(format!(
                "{var}={} says {version:?}, not wasmtime {}.x: {how}",
                path.display(),
                self.majors.join(".x or ")
            ));
        }
        Ok(path)
    }
}

/// `$WASMTIME_44`, checked once to say `wasmtime 44.x`.
fn wasmtime_44() -> PathBuf {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| WASMTIME_44.find())
        .clone()
        .unwrap_or_else(|why| panic!("{why}"))
}

/// `$WASMTIME_36`, checked to say `wasmtime 36.x`.
fn wasmtime_36() -> PathBuf {
    WASMTIME_36.path()
}

/// `$WASMTIME_NEW`, checked to say `wasmtime 49.x` or `50.x`.
fn wasmtime_new() -> PathBuf {
    WASMTIME_NEW.path()
}

/// The flags wasmtime 44 needs for a WASI 0.3 component: without `-Sp3` it
/// links no 0.3 interface, without `-Wcomponent-model-async` it cannot even
/// parse the component ("failed to parse WebAssembly module"). wasmtime 48
/// enables both by default.
const P3_FLAGS_44: [&str; 2] = ["-Sp3", "-Wcomponent-model-async"];

/// Runs `command`, which must exit (not serve) within two minutes; returns
/// whether it succeeded and its stderr.
fn run_to_exit(mut command: Command) -> (bool, String) {
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    let mut pipe = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut pipe, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} is still running after 2 minutes: it was expected to refuse \
                 the component; stderr:\n{}",
                reader.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (status.success(), reader.join().unwrap())
}

/// HEAD, 304 on If-None-Match, a single Range (206) and a 404.
async fn head_304_range_404(server: &WasmtimeServe, data: &[u8], what: &str) {
    let addr = server.addr;
    let (status, headers, body) = fetch(addr, Method::HEAD, "/one.bin", &[]).await;
    assert_eq!((status, body.len()), (200, 0), "{what}: HEAD");
    assert_eq!(
        header(&headers, "content-length"),
        Some(data.len().to_string().as_str()),
        "{what}: HEAD"
    );
    let etag = header(&headers, "etag").expect("ETag").to_string();

    let (status, headers, body) =
        fetch(addr, Method::GET, "/one.bin", &[("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (304, 0), "{what}: If-None-Match");
    assert_eq!(header(&headers, "etag"), Some(etag.as_str()), "{what}");

    let (status, headers, body) =
        fetch(addr, Method::GET, "/one.bin", &[("range", "bytes=10-19")]).await;
    assert_eq!(status, 206, "{what}: Range");
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes 10-19/{}", data.len()).as_str()),
        "{what}"
    );
    assert_eq!(body, data[10..20], "{what}: Range bytes");

    let (status, _, _) = fetch(addr, Method::GET, "/no-such-file.bin", &[]).await;
    assert_eq!(status, 404, "{what}: missing file");
    eprintln!("{what}: HEAD, 304, 206 and 404 as expected");
}

/// The rc build on wasmtime 44 in every way its body can travel, capped at
/// the WASI 0.3 build's cap (docs/deployment.md, "Memory caps"): a 1 MiB file
/// intact, HEAD, 304, Range, 404, and a 64 MiB file intact under the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rc_build_serves_on_wasmtime_44_within_the_memory_cap() {
    let wasmtime = wasmtime_44();
    let site = Site::new();
    let one = site.file("one.bin", MIB);
    let big = site.file("big.bin", 64 * MIB);
    let data = std::fs::read(&one).unwrap();
    for (transfer, stall) in [("chunked", "30s"), ("splice", "30s"), ("splice", "host")] {
        let what = format!("rc build on wasmtime 44, TRANSFER={transfer} STALL_TIMEOUT={stall}");
        let server = WasmtimeServe::spawn(serve_command(
            &wasmtime,
            &P3_FLAGS_44,
            host_test::P3_RC_COMPONENT,
            &site.root(),
            P3_MEMORY_CAP,
            &[("TRANSFER", transfer), ("STALL_TIMEOUT", stall)],
        ));
        download_intact(&server, "/one.bin", &one, &what).await;
        head_304_range_404(&server, &data, &what).await;
        download_intact(&server, "/big.bin", &big, &what).await;
    }
}

/// `component` under `wasmtime` (plain `-Scli`, capped at `cap`): a 1 MiB
/// file intact, HEAD, 304, Range, 404, and, with `big`, a 64 MiB file intact
/// under the cap.
async fn build_serves(wasmtime: &Path, component: &str, cap: u64, what: &str, big: bool) {
    let site = Site::new();
    let one = site.file("one.bin", MIB);
    let data = std::fs::read(&one).unwrap();
    let server = WasmtimeServe::spawn(serve_command(
        wasmtime,
        &[],
        component,
        &site.root(),
        cap,
        &[],
    ));
    download_intact(&server, "/one.bin", &one, what).await;
    head_304_range_404(&server, &data, what).await;
    if big {
        let big = site.file("big.bin", 64 * MIB);
        download_intact(&server, "/big.bin", &big, what).await;
    }
}

/// The WASI 0.2 build at the README's 16-page cap.
async fn p2_build_serves(wasmtime: &Path, what: &str, big: bool) {
    build_serves(
        wasmtime,
        host_test::FILESERVER_COMPONENT,
        MEMORY_CAP,
        what,
        big,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p2_build_serves_on_wasmtime_44() {
    p2_build_serves(&wasmtime_44(), "0.2 build on wasmtime 44", false).await;
}

/// wasmtime 36 implements WASI 0.2.6 (wasi:http 0.2.6), which covers the
/// build's `@0.2.6` and `wasi:http/types@0.2.4` imports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p2_build_serves_on_wasmtime_36() {
    p2_build_serves(&wasmtime_36(), "0.2 build on wasmtime 36", true).await;
}

/// Starts `wasmtime serve` with `component` and asserts it exits refusing it
/// for the reason `reason` gives (every part in its stderr); returns stderr.
fn assert_refused(
    wasmtime: &Path,
    flags: &[&str],
    component: &str,
    reason: &[&str],
    what: &str,
) -> String {
    let site = Site::new();
    let (ok, stderr) = run_to_exit(serve_command(
        wasmtime,
        flags,
        component,
        &site.root(),
        P3_MEMORY_CAP,
        &[],
    ));
    assert!(!ok, "{what}: accepted:\n{stderr}");
    assert!(
        reason.iter().all(|part| stderr.contains(part)),
        "{what}: refused for another reason than {reason:?}:\n{stderr}"
    );
    stderr
}

/// The known problem the rc build exists for: wasmtime 44 implements WASI 0.3
/// only as 0.3.0-rc-2026-03-15, and a pre-release matches only itself.
#[test]
fn wasi_0_3_2_build_is_refused_by_wasmtime_44() {
    assert_refused(
        &wasmtime_44(),
        &P3_FLAGS_44,
        host_test::P3_COMPONENT,
        &[
            "wasi:http/types@0.3.2",
            "matching implementation was not found",
        ],
        "the 0.3.2 build on wasmtime 44",
    );
}

/// wasmtime 36 knows no WASI 0.3 at all: its `serve` has no `-Sp3`, and the
/// release build leaves the component-model-async feature out, so it cannot
/// even parse a WASI 0.3 component ("`stream` requires the component model
/// async feature"; `-Wcomponent-model-async` only gets "support for
/// component-model-async was disabled at compile-time").
#[test]
fn wasi_0_3_builds_are_refused_by_wasmtime_36() {
    let wasmtime = wasmtime_36();
    for (build, component) in [
        ("0.3.2 build", host_test::P3_COMPONENT),
        ("rc build", host_test::P3_RC_COMPONENT),
    ] {
        let stderr = assert_refused(
            &wasmtime,
            &[],
            component,
            &[
                "failed to parse WebAssembly module",
                "requires the component model async feature",
            ],
            &format!("the {build} on wasmtime 36"),
        );
        eprintln!(
            "{build} on wasmtime 36: refused: {}",
            stderr.lines().take(4).collect::<Vec<_>>().join(" ")
        );
    }
}

/// And the other way round: wasmtime 48 (WASI 0.3.0) refuses the rc build, so
/// each WASI 0.3 host needs its own build.
#[test]
fn rc_build_is_refused_by_wasmtime_48() {
    assert_refused(
        &common::wasmtime_cli::wasmtime_cli(),
        &[],
        host_test::P3_RC_COMPONENT,
        &[
            "wasi:http/types@0.3.0-rc-2026-03-15",
            "matching implementation was not found",
        ],
        "the rc build on wasmtime 48",
    );
}

/// A newer wasmtime (49, 50) links the WASI 0.2 build and the WASI 0.3.2
/// build as 48 does: each serves a 1 MiB and a 64 MiB file intact under the
/// README's caps, with HEAD, 304, Range and 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_builds_serve_on_wasmtime_new() {
    let wasmtime = wasmtime_new();
    p2_build_serves(&wasmtime, "0.2 build on a newer wasmtime", true).await;
    let what = "0.3.2 build on a newer wasmtime";
    build_serves(
        &wasmtime,
        host_test::P3_COMPONENT,
        P3_MEMORY_CAP,
        what,
        true,
    )
    .await;
}

/// Like 48, a newer wasmtime implements WASI 0.3.0 and refuses the rc build.
#[test]
fn rc_build_is_refused_by_wasmtime_new() {
    assert_refused(
        &wasmtime_new(),
        &[],
        host_test::P3_RC_COMPONENT,
        &[
            "wasi:http/types@0.3.0-rc-2026-03-15",
            "matching implementation was not found",
        ],
        "the rc build on a newer wasmtime",
    );
}
