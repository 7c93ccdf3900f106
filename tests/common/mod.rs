//! Shared fixtures for the integration tests: sites on disk, servers in the
//! test host, and checksums.
#![allow(dead_code)] // each test binary uses a different part

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use host_test::{Server, ServerConfig};
use sha2::{Digest, Sha256};
use wasi_fileserver_core::manifest::digest::Sha256Digest;
use wasi_fileserver_core::manifest::line::entry_lines;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;
/// The component's default CHUNK_SIZE.
pub const CHUNK: u64 = 64 * KIB;
/// One wasm page.
pub const PAGE: u64 = 64 * KIB;

/// Both transfer modes: every streaming test runs in each.
pub const MODES: [&str; 2] = ["chunked", "splice"];

/// Both builds of the file server (`host_test::Build`): every integrity,
/// memory, stall, disconnect, conformance and behaviour test runs against
/// each.
pub use host_test::Build;
pub const BUILDS: [Build; 2] = Build::ALL;

/// What a test's `host-test serve` gives the requests still in flight when it
/// stops: long enough for a clean end, short enough not to slow the suite.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// A build, a name for how its body travels, and the settings that make it so.
pub type BodyPath = (Build, &'static str, Vec<(&'static str, &'static str)>);

/// Every way a body can travel, as settings: each build in each transfer
/// mode, and the WASI 0.3 build handing a whole file's stream to the host
/// (`TRANSFER=splice` with the stall timeout left to the host).
pub fn every_body_path() -> Vec<BodyPath> {
    let mut paths: Vec<_> = builds_and_modes()
        .map(|(build, mode)| (build, mode, vec![("TRANSFER", mode)]))
        .collect();
    paths.push((
        Build::P3,
        "handed over",
        vec![("TRANSFER", "splice"), ("STALL_TIMEOUT", "host")],
    ));
    paths
}

/// Every (build, transfer mode) pair.
pub fn builds_and_modes() -> impl Iterator<Item = (Build, &'static str)> {
    BUILDS
        .into_iter()
        .flat_map(|build| MODES.map(move |mode| (build, mode)))
}

/// A temporary directory with the served root at `root/` and a secret file
/// beside it (outside the root), which no response may ever contain.
pub struct Site {
    pub dir: tempfile::TempDir,
}

pub const SECRET: &[u8] = b"TOP-SECRET-0xC0FFEE: never served";

impl Site {
    pub fn new() -> Site {
        Site::in_dir(tempfile::tempdir().expect("tempdir"))
    }

    /// The pages most tests ask for: `/` ("<h1>home</h1>"), `/hello.txt`
    /// ("hello") and `/docs/` ("<h1>docs</h1>").
    pub fn basic() -> Site {
        let site = Site::new();
        site.text("index.html", "<h1>home</h1>");
        site.text("hello.txt", "hello");
        site.text("docs/index.html", "<h1>docs</h1>");
        site
    }

    /// A site on tmpfs (`/dev/shm`), which keeps file times that ext4 clamps
    /// (past 2446): panics when there is none, so a test never skips quietly.
    pub fn on_tmpfs() -> Site {
        let dir = tempfile::tempdir_in("/dev/shm")
            .expect("a tmpfs at /dev/shm (these tests need its full range of file times)");
        Site::in_dir(dir)
    }

    fn in_dir(dir: tempfile::TempDir) -> Site {
        std::fs::create_dir(dir.path().join("root")).unwrap();
        std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
        Site { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// A file of `size` pseudo-random bytes (different at every offset, so a
    /// misplaced chunk cannot go unnoticed).
    pub fn file(&self, name: &str, size: u64) -> PathBuf {
        let path = self.root().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let mut out = std::io::BufWriter::new(File::create(&path).unwrap());
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ size;
        let mut left = size;
        while left > 0 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bytes = state.to_le_bytes();
            let n = left.min(8) as usize;
            out.write_all(&bytes[..n]).unwrap();
            left -= n as u64;
        }
        out.flush().unwrap();
        path
    }

    /// A sparse file: its size costs no disk.
    pub fn sparse(&self, name: &str, size: u64) -> PathBuf {
        let path = self.root().join(name);
        File::create(&path).unwrap().set_len(size).unwrap();
        path
    }

    pub fn text(&self, name: &str, content: &str) -> PathBuf {
        let path = self.root().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Each `(name, content)` as `text` writes it.
    pub fn texts(&self, files: &[(&str, &str)]) {
        for (name, content) in files {
            self.text(name, content);
        }
    }

    /// A new site with copies of `names`, each modified at `modified`: as
    /// another replica, or another `spin up` copy, of this one.
    pub fn copy_dated(&self, names: &[&str], modified: std::time::SystemTime) -> Site {
        let copy = Site::new();
        for name in names {
            let to = copy.root().join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(self.root().join(name), &to).unwrap();
            let file = File::options().write(true).open(&to).unwrap();
            file.set_modified(modified).unwrap();
        }
        copy
    }

    /// The WASI 0.2 build.
    pub fn server(&self, env: &[(&str, &str)]) -> Server {
        self.server_of(Build::P2, env)
    }

    pub fn server_of(&self, build: Build, env: &[(&str, &str)]) -> Server {
        let mut config = ServerConfig::new(self.root()).component(build.component());
        for (k, v) in env {
            config = config.env(*k, *v);
        }
        Server::new(config).expect("server")
    }

    /// Each build's server of this site with `env`, one at a time.
    pub fn servers<'a>(
        &'a self,
        env: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = (Build, Server)> + 'a {
        BUILDS
            .into_iter()
            .map(|build| (build, self.server_of(build, env)))
    }

    pub fn naive_server(&self) -> Server {
        Server::new(ServerConfig::new(self.root()).component(host_test::NAIVE_COMPONENT))
            .expect("naive server")
    }
}

pub fn sha256_file(path: &Path) -> [u8; 32] {
    let mut hasher = Sha256::new();
    std::io::copy(&mut File::open(path).unwrap(), &mut hasher).unwrap();
    hasher.finalize().into()
}

/// A manifest as `host-test manifest` writes it: sorted by path bytes, each
/// entry followed by its size (or not, as the `find | sha256sum` one-liner
/// writes it).
pub fn sha256sum_manifest(root: &Path, paths: &[&str], sizes: bool) -> String {
    let mut paths: Vec<&str> = paths.to_vec();
    paths.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut out = Vec::new();
    for path in paths {
        let file = root.join(path);
        let digest = Sha256Digest(sha256_file(&file));
        let size = sizes.then(|| std::fs::metadata(&file).unwrap().len());
        out.extend(entry_lines(&digest, path.as_bytes(), size));
    }
    String::from_utf8(out).unwrap()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("ascii header"))
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub mod archive_files;
pub mod case_file;
/// The request mix of the instance-reuse tests (host-test and `wasmtime serve`).
pub mod request_mix;
/// The real `wasmtime serve` as a child process, and a TCP client for it.
pub mod wasmtime_cli;

/// One exchange read to its end, with the instance's outcome.
pub struct Fetched {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub summary: host_test::ReadSummary,
    pub outcome: host_test::Outcome,
}

/// No trap, and a body read to a clean end.
pub fn assert_clean(f: &Fetched, what: &str) {
    assert!(!f.outcome.is_trapped(), "{what}: {:?}", f.outcome);
    assert!(f.summary.is_clean(), "{what}: {:?}", f.summary);
}

pub async fn fetch(
    server: &Server,
    method: http::Method,
    target: &str,
    headers: &[(&str, &str)],
) -> Fetched {
    let host_test::Exchange {
        status,
        headers,
        body,
        report,
    } = server
        .handle(host_test::request(method, target, headers))
        .await
        .unwrap();
    let (body, summary) = host_test::read_all(body).await;
    let outcome = report.wait().await.outcome;
    Fetched {
        status: status.as_u16(),
        headers,
        body,
        summary,
        outcome,
    }
}
