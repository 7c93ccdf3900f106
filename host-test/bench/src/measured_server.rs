//! A server under measurement, in its own child process (the host library's
//! `ServerProcess`): this binary re-executed as `host-test-bench serve ...`
//! or `host-test-bench native-serve ...`, or a peer (nginx, Go). Its request
//! log comes from stderr, parsed as it arrives, and its memory from /proc.

use std::collections::VecDeque;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use host_test::process_memory::{self, ProcessMemory};
pub use host_test::server_process::Address;
use host_test::server_process::ServerProcess;

use crate::request_log::{self, LogEntry};

/// Lines of stderr that are not request lines kept for error messages: the
/// first ones (a panic message comes before its backtrace) and the last ones.
const KEPT_OTHER_LINES: usize = 10;

#[derive(Default)]
struct Log {
    entries: Vec<LogEntry>,
    first_other_lines: Vec<String>,
    last_other_lines: VecDeque<String>,
}

impl Log {
    fn take(&mut self, line: &str) {
        match request_log::parse(line, Instant::now()) {
            Some(entry) => self.entries.push(entry),
            None if self.first_other_lines.len() < KEPT_OTHER_LINES => {
                self.first_other_lines.push(line.to_string())
            }
            None => {
                if self.last_other_lines.len() == KEPT_OTHER_LINES {
                    self.last_other_lines.pop_front();
                }
                self.last_other_lines.push_back(line.to_string());
            }
        }
    }
}

pub struct MeasuredServer {
    process: ServerProcess,
    pub addr: std::net::SocketAddr,
    log: Arc<Mutex<Log>>,
}

/// How to start a server and learn its address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub program: std::path::PathBuf,
    pub args: Vec<String>,
    pub address: Address,
}

impl Launch {
    /// This binary with `args`.
    pub fn this_binary(args: Vec<String>) -> anyhow::Result<Launch> {
        Ok(Launch {
            program: std::env::current_exe().context("locating this executable")?,
            args,
            address: Address::Announced,
        })
    }
}

impl MeasuredServer {
    /// Starts the server and waits until it listens.
    pub fn spawn(launch: &Launch) -> anyhow::Result<Self> {
        let mut command = Command::new(&launch.program);
        command.args(&launch.args);
        let log = Arc::new(Mutex::new(Log::default()));
        let sink = log.clone();
        let on_stderr = move |line: &str| sink.lock().unwrap().take(line);
        match ServerProcess::spawn(command, launch.address, on_stderr) {
            Ok(process) => Ok(MeasuredServer {
                addr: process.addr,
                process,
                log,
            }),
            Err(error) => Err(error.context(stderr_tail(&log.lock().unwrap()))),
        }
    }

    pub fn memory(&self) -> anyhow::Result<ProcessMemory> {
        process_memory::read(self.process.pid()).context("reading the server's /proc status")
    }

    /// How many request lines were logged so far.
    pub fn log_len(&self) -> usize {
        self.log.lock().unwrap().entries.len()
    }

    /// Request lines logged since `from` (a `log_len`).
    pub fn entries_since(&self, from: usize) -> Vec<LogEntry> {
        let log = self.log.lock().unwrap();
        log.entries.get(from..).unwrap_or_default().to_vec()
    }

    /// Waits until `count` request lines for targets accepted by `wanted` were
    /// logged since `from`, or `timeout` passed; returns those found.
    pub async fn wait_for_entries(
        &self,
        from: usize,
        count: usize,
        timeout: Duration,
        wanted: impl Fn(&LogEntry) -> bool,
    ) -> Vec<LogEntry> {
        let deadline = Instant::now() + timeout;
        loop {
            let found: Vec<LogEntry> = self
                .entries_since(from)
                .into_iter()
                .filter(|entry| wanted(entry))
                .collect();
            if found.len() >= count || Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The first and last stderr lines that were not request lines.
fn stderr_tail(log: &Log) -> String {
    let lines: Vec<&str> = log
        .first_other_lines
        .iter()
        .chain(&log.last_other_lines)
        .map(String::as_str)
        .collect();
    if lines.is_empty() {
        "(nothing on stderr)".to_string()
    } else {
        lines.join(" | ")
    }
}
