//! What the process-level tests of `host-test` share.

#![allow(dead_code)]

pub mod http;

use std::path::Path;
use std::process::Command;

use host_test::server_process::{Address, Lines, ServerProcess};

/// `host-test serve --dir DIR [extra]...` in its own process, on a free
/// port, with its stderr (the access log and the components' messages).
pub fn serve_process(dir: &Path, extra: &[&str]) -> (ServerProcess, Lines) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_host-test"));
    command
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--max-concurrent",
            "10000",
            "--dir",
        ])
        .arg(dir)
        .args(extra);
    ServerProcess::spawn_collecting(command, Address::Announced)
        .unwrap_or_else(|error| panic!("host-test serve: {error:#}"))
}

/// The process's resident memory in KiB.
pub fn rss_kib(server: &ServerProcess) -> u64 {
    host_test::process_memory::read(server.pid())
        .expect("the server's /proc status")
        .rss
        / 1024
}
