//! The real `wasmtime serve` (wasmtime-cli 48.0.8) as a child process, and a
//! small HTTP/1.1 client to drive it over loopback TCP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use host_test::read_hash;
use host_test::server_process::{Address, Lines, ServerProcess};
use http::Method;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::{header, sha256_file};

/// The CLI version these tests are written against.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// How to build the workspace's own `wasmtime serve` (wasmtime-cli 48.0.8 as
/// a library, `host-test/src/bin/wasmtime_serve.rs`); `cargo test -p host-test`
/// (scripts/test) builds it too.
pub const BUILD: &str = "cargo build --release -p host-test --bin wasmtime-serve";

/// `-W max-memory-size` for every test of the WASI 0.2 build: 16 wasm pages
/// (1 MiB), the cap the README recommends. The component needs 2 pages with
/// TRANSFER=chunked and 1 with splice, and one copy of the largest header
/// value it reads: `wasmtime serve` passes heads up to about 2 x 408 KiB
/// (hyper's read limit plus one last read), so a smaller cap would let a
/// large head trap the instance.
pub const MEMORY_CAP: u64 = 16 * 65_536;

/// The same for the WASI 0.3 build: `wasmtime serve` sends an instance up to
/// 128 requests, and their bodies stream on after the handler returns, so up
/// to 128 bodies share it: per body a chunk (64 KiB) and 4 KiB of state, the
/// base (2 pages), one large head (816 KiB) and a request's headroom (32
/// KiB), 152 pages in all; 160 leave room for the heap's fragmentation (the
/// README's arithmetic).
pub const P3_MEMORY_CAP: u64 = 160 * 65_536;

/// The cap `WasmtimeServe::start_component` gives `component`.
pub fn memory_cap(component: &str) -> u64 {
    if component == host_test::P3_COMPONENT {
        P3_MEMORY_CAP
    } else {
        MEMORY_CAP
    }
}

/// The wasmtime binary: `$WASMTIME`, else `wasmtime` on PATH, else
/// `$CARGO_HOME/bin/wasmtime`, else the workspace's `wasmtime-serve` beside
/// the test binaries; it must say `wasmtime 48.0.8`. Panics with the build
/// command otherwise: these tests never pass without it.
pub fn wasmtime_cli() -> PathBuf {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(find_wasmtime_cli)
        .clone()
        .unwrap_or_else(|why| panic!("{why}"))
}

fn find_wasmtime_cli() -> Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("WASMTIME") {
        candidates.push(path.into());
    }
    candidates.push("wasmtime".into());
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    if let Some(cargo_home) = cargo_home {
        candidates.push(cargo_home.join("bin").join("wasmtime"));
    }
    // target/<profile>/deps/<this test> -> target/<profile>/wasmtime-serve
    if let Some(profile_dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
    {
        candidates.push(profile_dir.join("wasmtime-serve"));
    }
    let mut seen = Vec::new();
    for candidate in &candidates {
        match Command::new(candidate).arg("--version").output() {
            Ok(out) => {
                let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if version.split_whitespace().nth(1) == Some(WASMTIME_VERSION) {
                    return Ok(candidate.clone());
                }
                seen.push(format!("{}: {version:?}", candidate.display()));
            }
            Err(error) => seen.push(format!("{}: {error}", candidate.display())),
        }
    }
    Err(format!(
        "these end-to-end tests need `wasmtime serve` {WASMTIME_VERSION}, which was not found \
         ({}).\nBuild the workspace's own with\n    {BUILD}\nor run scripts/test (it builds it), \
         or set WASMTIME=/path/to/wasmtime.",
        seen.join("; ")
    ))
}

/// `wasmtime serve -Scli [extra]... --dir ROOT::/ -W max-memory-size=CAP
/// --addr 127.0.0.1:0 [--env K=V]... component` for the binary `wasmtime`,
/// not yet started (port 0: the kernel picks a free port; wasmtime prints it).
pub fn serve_command(
    wasmtime: &Path,
    extra: &[&str],
    component: &str,
    root: &Path,
    memory_cap: u64,
    env: &[(&str, &str)],
) -> Command {
    let mut command = Command::new(wasmtime);
    command
        .arg("serve")
        .arg("-Scli")
        .args(extra)
        .arg("--dir")
        .arg(format!("{}::/", root.display()))
        .arg("-W")
        .arg(format!("max-memory-size={memory_cap}"))
        .args(["--addr", "127.0.0.1:0"]);
    for (key, value) in env {
        command.arg("--env").arg(format!("{key}={value}"));
    }
    command.arg(component);
    command
}

/// A running `wasmtime serve -Scli --dir ROOT::/ -W max-memory-size=CAP
/// --addr 127.0.0.1:0 [--env K=V]... [extra]... fileserver.wasm`, killed on drop.
pub struct WasmtimeServe {
    process: ServerProcess,
    pub addr: SocketAddr,
    stderr: Lines,
}

impl WasmtimeServe {
    pub fn start(root: &Path, env: &[(&str, &str)], extra: &[&str]) -> WasmtimeServe {
        Self::start_component(host_test::FILESERVER_COMPONENT, root, env, extra)
    }

    /// `start` with another component (e.g. the WASI 0.3 build), capped at
    /// `memory_cap(component)`.
    pub fn start_component(
        component: &str,
        root: &Path,
        env: &[(&str, &str)],
        extra: &[&str],
    ) -> WasmtimeServe {
        Self::start_capped(component, memory_cap(component), root, env, extra)
    }

    /// `start_component` with `-W max-memory-size=memory_cap`.
    pub fn start_capped(
        component: &str,
        memory_cap: u64,
        root: &Path,
        env: &[(&str, &str)],
        extra: &[&str],
    ) -> WasmtimeServe {
        Self::spawn(serve_command(
            &wasmtime_cli(),
            extra,
            component,
            root,
            memory_cap,
            env,
        ))
    }

    /// Runs a `serve_command` (of any wasmtime) until it prints the address
    /// it serves on (`Serving HTTP on http://...`).
    pub fn spawn(command: Command) -> WasmtimeServe {
        let (process, stderr) = ServerProcess::spawn_collecting(command, Address::Announced)
            .unwrap_or_else(|error| panic!("wasmtime serve: {error:#}"));
        WasmtimeServe {
            addr: process.addr,
            process,
            stderr,
        }
    }

    /// Everything wasmtime and the guest wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Panics, naming `what` and showing stderr's tail, if wasmtime reported a
    /// trap, a failed allocation or a failed worker.
    pub fn assert_no_trap(&self, what: &str) {
        let stderr = self.stderr();
        let signs = ["wasm trap", "memory allocation", "worker failed"];
        let seen: Vec<_> = signs.iter().filter(|sign| stderr.contains(*sign)).collect();
        assert!(seen.is_empty(), "{what}: {seen:?}:\n{}", tail(&stderr, 40));
    }

    /// Lines the guest wrote to stderr that contain `needle` (wasmtime
    /// prefixes them with `stderr [instance] :: `).
    pub fn guest_lines(&self, needle: &str) -> Vec<String> {
        self.stderr
            .containing(needle)
            .into_iter()
            .filter(|l| l.starts_with("stderr ["))
            .collect()
    }

    /// The guest's stderr lines containing `needle`, waiting up to 5 s for
    /// the first (wasmtime relays them after the response may have ended).
    pub async fn await_guest_lines(&self, needle: &str) -> Vec<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let lines = self.guest_lines(needle);
            if !lines.is_empty() || std::time::Instant::now() > deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn assert_running(&mut self) {
        if let Some(status) = self.process.exited() {
            panic!(
                "wasmtime serve exited ({status}); stderr:\n{}",
                self.stderr()
            );
        }
    }
}

/// How long one request to `wasmtime serve` may take, a 256 MiB download
/// on a loaded machine included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// One HTTP/1.1 keep-alive connection.
pub struct Connection {
    sender: SendRequest<Empty<Bytes>>,
    task: tokio::task::JoinHandle<()>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Connection {
        let stream = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/1.1 handshake");
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        Connection { sender, task }
    }

    /// A GET of `target` on a new connection, answered 200; the connection
    /// stays open while it is held.
    pub async fn get_ok(addr: SocketAddr, target: &str) -> (Connection, Incoming) {
        let mut connection = Connection::open(addr).await;
        let response = connection
            .send(Method::GET, target, &[])
            .await
            .unwrap_or_else(|e| panic!("GET {target}: {e}"));
        assert_eq!(response.status(), 200, "GET {target}");
        (connection, response.into_body())
    }

    /// Whether another request can go on this connection.
    pub fn is_usable(&self) -> bool {
        !self.sender.is_closed() && !self.task.is_finished()
    }

    pub async fn send(
        &mut self,
        method: http::Method,
        target: &str,
        headers: &[(&str, &str)],
    ) -> hyper::Result<http::Response<Incoming>> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(target)
            .header("host", "localhost");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Empty::new()).expect("valid test request");
        self.sender.ready().await?;
        self.sender.send_request(request).await
    }
}

impl Drop for Connection {
    /// Closes the socket at once, even in the middle of a response.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A request on a fresh connection, body read to its end.
pub async fn fetch(
    addr: SocketAddr,
    method: http::Method,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, http::HeaderMap, Vec<u8>) {
    let mut connection = Connection::open(addr).await;
    let response = connection
        .send(method, target, headers)
        .await
        .unwrap_or_else(|e| panic!("{target}: {e}"));
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{target}: body: {e}"))
        .to_bytes()
        .to_vec();
    (parts.status.as_u16(), parts.headers, body)
}

/// GET of a whole file over a fresh connection: status 200, Content-Length and
/// the file's SHA-256, streamed (not kept in memory).
pub async fn download_intact(server: &WasmtimeServe, target: &str, path: &Path, what: &str) {
    let started = Instant::now();
    let mut connection = Connection::open(server.addr).await;
    let response = connection.send(Method::GET, target, &[]).await.unwrap();
    assert_eq!(response.status(), 200, "{what} {target}");
    let size = std::fs::metadata(path).unwrap().len();
    assert_eq!(
        header(response.headers(), "content-length"),
        Some(size.to_string().as_str()),
        "{what} {target}"
    );
    let (summary, hash) = tokio::time::timeout(REQUEST_TIMEOUT, read_hash(response.into_body()))
        .await
        .expect("download finishes");
    assert!(
        summary.is_clean(),
        "{what} {target}: {summary:?}\n{}",
        server.stderr()
    );
    assert_eq!(
        (summary.bytes, hash),
        (size, sha256_file(path)),
        "{what} {target}"
    );
    eprintln!(
        "{what}: {target} ({size} bytes) intact in {:.1?}",
        started.elapsed()
    );
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
