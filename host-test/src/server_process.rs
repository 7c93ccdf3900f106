//! A server in a child process of its own, for the tests and the bench:
//! `host-test serve`, `wasmtime serve`, the bench's native baseline or a
//! peer. Its address is the first `http://ADDR` it prints (on stdout or
//! stderr), or one known in advance; each line it writes to stderr goes to a
//! handler; the child is killed when this is dropped.

use std::io::{BufRead as _, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// How long a server may take to start: the first start compiles the
/// component, on a machine that may be loaded.
pub const START_TIMEOUT: Duration = Duration::from_secs(120);

/// How the server's address is learnt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Address {
    /// It prints `... http://ADDR/` once it listens (it bound port 0).
    Announced,
    /// It listens here once it accepts connections.
    Fixed(SocketAddr),
}

pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    /// Lines of stdout and stderr that name an `http://` address.
    addresses: Lines,
}

/// Every stderr line of a server, as `ServerProcess::spawn_collecting`
/// gathers them.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    pub fn push(&self, line: &str) {
        self.lock().push(line.to_string());
    }

    /// The lines so far.
    pub fn all(&self) -> Vec<String> {
        self.lock().clone()
    }

    /// The lines so far, each ending in a newline.
    pub fn text(&self) -> String {
        self.lock().iter().map(|line| format!("{line}\n")).collect()
    }

    /// The lines so far that contain `needle`.
    pub fn containing(&self, needle: &str) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|line| line.contains(needle))
            .cloned()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ServerProcess {
    /// Starts `command` with stdout and stderr piped here, drained for the
    /// child's whole life (a full pipe would block it), and waits until it
    /// listens; `on_stderr` sees every stderr line.
    pub fn spawn(
        mut command: Command,
        address: Address,
        on_stderr: impl FnMut(&str) + Send + 'static,
    ) -> anyhow::Result<ServerProcess> {
        let describe = format!("{command:?}");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {describe}"))?;
        let (announced, announcements) = mpsc::channel();
        let stdout = child.stdout.take().context("piped stdout")?;
        let stderr = child.stderr.take().context("piped stderr")?;
        let addresses = Lines::default();
        drain(stdout, announced.clone(), Some(addresses.clone()), |_| {});
        // stderr is the access log: its lines can name addresses too (a
        // referer), and are not kept.
        drain(stderr, announced, None, on_stderr);
        // From here on, dropping `server` kills the child.
        let mut server = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            addresses,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = match address {
            Address::Announced => announcements.recv_timeout(START_TIMEOUT).ok(),
            Address::Fixed(addr) => loop {
                if std::net::TcpStream::connect(addr).is_ok() {
                    break Some(addr);
                }
                if Instant::now() >= deadline || server.exited().is_some() {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(50));
            },
        };
        match addr {
            Some(addr) => {
                server.addr = addr;
                Ok(server)
            }
            None => {
                // Give the pipes a moment to pass on the last words.
                std::thread::sleep(Duration::from_millis(200));
                let status = server.exited();
                bail!(
                    "{describe} did not start listening ({})",
                    status.map_or("still running".to_string(), |s| s.to_string())
                )
            }
        }
    }

    /// `spawn`, gathering every stderr line; the error names the last ones.
    pub fn spawn_collecting(
        command: Command,
        address: Address,
    ) -> anyhow::Result<(ServerProcess, Lines)> {
        let lines = Lines::default();
        let sink = lines.clone();
        match ServerProcess::spawn(command, address, move |line| sink.push(line)) {
            Ok(server) => Ok((server, lines)),
            Err(error) => Err(error.context(format!("its stderr:\n{}", lines.text()))),
        }
    }

    /// The lines so far on stdout that name an `http://` address (e.g.
    /// `host-test serve`'s `metrics on http://ADDR/metrics`).
    pub fn address_lines(&self) -> Vec<String> {
        self.addresses.all()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, once the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `pipe` line by line on a thread of its own until it closes, handing
/// each line to `on_line`, the first address announced to `announced`, and
/// every line naming an address to `addresses`, if given.
fn drain(
    pipe: impl Read + Send + 'static,
    announced: mpsc::Sender<SocketAddr>,
    addresses: Option<Lines>,
    mut on_line: impl FnMut(&str) + Send + 'static,
) {
    std::thread::spawn(move || {
        let mut announced = Some(announced);
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = announced_address(&line) {
                if let Some(tx) = announced.take() {
                    let _ = tx.send(addr);
                }
            }
            if let Some(addresses) = addresses.as_ref().filter(|_| line.contains("http://")) {
                addresses.push(&line);
            }
            on_line(&line);
        }
    });
}

/// `serving ./public on http://127.0.0.1:8080/` (`host-test serve`) or
/// `Serving HTTP on http://127.0.0.1:8080/` (`wasmtime serve`) -> the address.
fn announced_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.rsplit_once("http://")?;
    rest.trim_end_matches('/').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_addresses() {
        assert_eq!(
            announced_address("serving ./public on http://127.0.0.1:8080/"),
            Some(SocketAddr::from(([127, 0, 0, 1], 8080)))
        );
        assert_eq!(
            announced_address("Serving HTTP on http://127.0.0.1:1/"),
            Some(SocketAddr::from(([127, 0, 0, 1], 1)))
        );
        assert_eq!(announced_address("GET http://x/ 200"), None);
    }
}
