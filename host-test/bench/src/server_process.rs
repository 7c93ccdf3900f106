//! A server under test in its own child process: this binary re-executed as
//! `host-test serve ...` or `host-test native-serve ...`, or a peer (nginx,
//! Go). Its address comes from the `serving DIR on http://ADDR/` line on
//! stdout (it binds port 0), or is fixed in advance (nginx); its request log
//! from stderr; the child is killed when this is dropped.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use crate::process_memory::{self, ProcessMemory};
use crate::request_log::{self, LogEntry};

/// How long a server may take to start (it compiles the component).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Lines of stderr that are not request lines kept for error messages: the
/// first ones (a panic message comes before its backtrace) and the last ones.
const KEPT_OTHER_LINES: usize = 10;

#[derive(Default)]
struct Log {
    entries: Vec<LogEntry>,
    first_other_lines: Vec<String>,
    last_other_lines: VecDeque<String>,
}

pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
}

/// How to start a server and learn its address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub program: std::path::PathBuf,
    pub args: Vec<String>,
    pub address: Address,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// It prints `serving DIR on http://ADDR/` on stdout.
    Announced,
    /// It listens here once it accepts connections.
    Fixed(SocketAddr),
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

    fn describe(&self) -> String {
        format!("{} {}", self.program.display(), self.args.join(" "))
    }
}

impl ServerProcess {
    /// Starts the server and waits until it listens.
    pub fn spawn(launch: &Launch) -> anyhow::Result<Self> {
        let exe = &launch.program;
        let args = &launch.args;
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {} {}", exe.display(), args.join(" ")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Log::default()));
        // From here on, dropping `server` kills the child.
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: log.clone(),
        };

        // Both pipes are drained for the child's whole life, so it never
        // blocks on a full pipe; the threads end when the child does.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let entry = request_log::parse(&line, Instant::now());
                let mut log = log.lock().unwrap();
                match entry {
                    Some(entry) => log.entries.push(entry),
                    None if log.first_other_lines.len() < KEPT_OTHER_LINES => {
                        log.first_other_lines.push(line)
                    }
                    None => {
                        if log.last_other_lines.len() == KEPT_OTHER_LINES {
                            log.last_other_lines.pop_front();
                        }
                        log.last_other_lines.push_back(line);
                    }
                }
            }
        });
        let (addr_tx, addr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut addr_tx = Some(addr_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((_, rest)) = line.rsplit_once("http://") {
                    if let (Some(tx), Ok(addr)) = (
                        addr_tx.take(),
                        rest.trim_end_matches('/').parse::<SocketAddr>(),
                    ) {
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let address = match launch.address {
            Address::Announced => addr_rx.recv_timeout(START_TIMEOUT).ok(),
            Address::Fixed(addr) => {
                let deadline = Instant::now() + START_TIMEOUT;
                loop {
                    if std::net::TcpStream::connect(addr).is_ok() {
                        break Some(addr);
                    }
                    if Instant::now() >= deadline
                        || server.child.try_wait().ok().flatten().is_some()
                    {
                        break None;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        match address {
            Some(addr) => {
                server.addr = addr;
                Ok(server)
            }
            None => {
                // Give the stderr thread a moment to collect the last words.
                std::thread::sleep(Duration::from_millis(200));
                let status = server.child.try_wait().ok().flatten();
                bail!(
                    "the server `{}` did not start ({}): {}",
                    launch.describe(),
                    status.map_or("still running".to_string(), |s| s.to_string()),
                    server.stderr_tail()
                )
            }
        }
    }

    pub fn memory(&self) -> anyhow::Result<ProcessMemory> {
        process_memory::read(self.child.id()).context("reading the server's /proc status")
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

    /// The first and last stderr lines that were not request lines.
    pub fn stderr_tail(&self) -> String {
        let log = self.log.lock().unwrap();
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
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
