//! The real peers the bench measures beside the component: nginx (with
//! `sendfile`, the reference for what a server can do) and Go's
//! `http.FileServer` (the seed report's language, fixed), each in its own
//! process, serving the same files to the same clients. Both are Debian
//! packages (`nginx-light`, `golang-go`); when one is missing, its rows say
//! so and the rest of the bench runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{ensure, Context as _};

use crate::measured_server::{Address, Launch};

/// The Go peer's source, shipped in the repository.
const GO_SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/go-fileserver");

/// Where each peer's program is, or why it cannot run here.
pub struct Peers {
    nginx: Result<PathBuf, String>,
    go: Result<PathBuf, String>,
    work: PathBuf,
}

impl Peers {
    /// Finds nginx and builds the Go server into `work` (a few seconds).
    pub fn prepare(work: &Path) -> Peers {
        Peers {
            nginx: find_nginx(),
            go: build_go_server(work).map_err(|error| format!("{error:#}")),
            work: work.to_path_buf(),
        }
    }

    /// nginx serving `dir` on a free port.
    pub fn nginx(&self, dir: &Path) -> Result<Launch, String> {
        let program = self.nginx.clone()?;
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let config = self.work.join(format!("nginx-{port}.conf"));
        std::fs::write(&config, nginx_config(dir, addr, &self.work))
            .map_err(|e| format!("writing {}: {e}", config.display()))?;
        Ok(Launch {
            program,
            args: vec![
                "-c".into(),
                config.display().to_string(),
                "-e".into(),
                "stderr".into(),
            ],
            address: Address::Fixed(addr),
        })
    }

    /// Go's `http.FileServer` serving `dir`.
    pub fn go(&self, dir: &Path) -> Result<Launch, String> {
        Ok(Launch {
            program: self.go.clone()?,
            args: vec![
                "--dir".into(),
                dir.display().to_string(),
                "--addr".into(),
                "127.0.0.1:0".into(),
            ],
            address: Address::Announced,
        })
    }

    /// One line per peer: what runs, or why not.
    pub fn describe(&self) -> Vec<(String, String)> {
        let describe = |found: &Result<PathBuf, String>, what: &str| match found {
            Ok(path) => format!("{what} ({})", path.display()),
            Err(why) => format!("not measured: {why}"),
        };
        vec![
            (
                "nginx".into(),
                describe(
                    &self.nginx,
                    "1 process, sendfile on, tcp_nopush on, access log off",
                ),
            ),
            (
                "Go".into(),
                describe(
                    &self.go,
                    "net/http FileServer(http.Dir), host-test/bench/peers/go-fileserver",
                ),
            ),
        ]
    }
}

fn find_nginx() -> Result<PathBuf, String> {
    let candidates = ["nginx", "/usr/sbin/nginx"];
    for candidate in candidates {
        if Command::new(candidate)
            .arg("-v")
            .output()
            .is_ok_and(|out| out.status.success())
        {
            return Ok(PathBuf::from(candidate));
        }
    }
    Err("nginx is not installed (apt-get install nginx-light)".into())
}

fn build_go_server(work: &Path) -> anyhow::Result<PathBuf> {
    let go = Command::new("go").arg("version").output();
    ensure!(
        go.is_ok_and(|out| out.status.success()),
        "go is not installed (apt-get install golang-go)"
    );
    let program = work.join("go-fileserver");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&program)
        .arg(".")
        .current_dir(GO_SOURCE)
        .env("GOFLAGS", "-mod=mod")
        .output()
        .context("running go build")?;
    ensure!(
        built.status.success(),
        "go build failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    Ok(program)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn nginx_config(root: &Path, addr: SocketAddr, work: &Path) -> String {
    // As root, nginx would drop to `nobody`, who cannot read a 0700 temp dir.
    let root_user = if running_as_root() {
        "user root;\n"
    } else {
        ""
    };
    let work = work.display();
    format!(
        "{root_user}daemon off;\nmaster_process off;\nworker_processes 1;\n\
         pid {work}/nginx-{port}.pid;\nerror_log stderr;\n\
         events {{ worker_connections 20000; }}\n\
         http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 1000000;\n  send_timeout 600s;\n\
         \x20 client_body_temp_path {work}/nginx-body;\n  proxy_temp_path {work}/nginx-proxy;\n\
         \x20 fastcgi_temp_path {work}/nginx-fastcgi;\n  uwsgi_temp_path {work}/nginx-uwsgi;\n\
         \x20 scgi_temp_path {work}/nginx-scgi;\n\
         \x20 server {{ listen {addr}; root {root}; }}\n}}\n",
        port = addr.port(),
        root = root.display(),
    )
}

/// Whether this process runs as root (then nginx is told to stay root).
fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
