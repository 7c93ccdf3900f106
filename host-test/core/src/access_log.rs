//! `serve`'s log: one line per request on stderr, gathered in memory and
//! written at most every `FLUSH_EVERY` (one write for many requests: a write
//! per request is a syscall per request, a visible share of the cost of a
//! small file's request).

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a line may wait before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Lines are written at once past this many bytes.
const FLUSH_AT: usize = 64 * 1024;

#[derive(Clone, Default)]
pub struct AccessLog {
    pending: Arc<Mutex<String>>,
}

impl AccessLog {
    /// A log, and the task that writes it out on the current runtime (it
    /// ends when every clone of the log is gone).
    pub fn start() -> AccessLog {
        let log = AccessLog::default();
        let weak = Arc::downgrade(&log.pending);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(pending) = weak.upgrade() else { break };
                write_out(&pending);
            }
        });
        log
    }

    /// Adds one line (a newline is appended).
    pub fn line(&self, args: std::fmt::Arguments<'_>) {
        self.record(|out| out.write_fmt(args));
    }

    /// Adds the line `write` appends (a newline is appended).
    pub fn record(&self, write: impl FnOnce(&mut String) -> std::fmt::Result) {
        let mut pending = self.pending.lock().unwrap();
        let _ = write(&mut pending);
        pending.push('\n');
        let full = pending.len() >= FLUSH_AT;
        drop(pending);
        if full {
            write_out(&self.pending);
        }
    }

    /// Writes what is pending now.
    pub fn flush(&self) {
        write_out(&self.pending);
    }
}

fn write_out(pending: &Mutex<String>) {
    let text = std::mem::take(&mut *pending.lock().unwrap());
    if !text.is_empty() {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}
