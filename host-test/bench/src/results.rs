//! The figures of one table row.

use std::time::Duration;

use crate::request_log::LogEntry;
use crate::schedule::ServerSpec;
use host_test::process_memory::ProcessMemory;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    FullSpeed,
    Slow,
    Stalled,
    RequestLoop,
}

impl Client {
    pub fn label(self) -> &'static str {
        match self {
            Client::FullSpeed => "full speed",
            Client::Slow => "slow (~1 MiB/s)",
            Client::Stalled => "stalled",
            Client::RequestLoop => "keep-alive loop",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Client::FullSpeed => "full-speed",
            Client::Slow => "slow",
            Client::Stalled => "stalled",
            Client::RequestLoop => "request-loop",
        }
    }
}

/// Peak linear memory per instance over the requests of a row, from the
/// server's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeakLinear {
    pub min: u64,
    pub max: u64,
    pub requests: usize,
}

impl PeakLinear {
    pub fn of(entries: &[LogEntry]) -> Option<Self> {
        let peaks: Vec<u64> = entries.iter().filter_map(|e| e.peak_memory).collect();
        Some(Self {
            min: *peaks.iter().min()?,
            max: *peaks.iter().max()?,
            requests: peaks.len(),
        })
    }
}

/// Server RSS with the connections held, against its idle RSS.
#[derive(Clone, Copy, Debug)]
pub struct HostMemory {
    pub idle: ProcessMemory,
    pub loaded: ProcessMemory,
    pub connections: u32,
    /// From the first connection to the RSS sample.
    pub measured_after: Duration,
}

impl HostMemory {
    /// (loaded VmRSS - idle VmRSS) / connections; negative means noise won.
    pub fn per_connection(&self) -> i64 {
        (self.loaded.rss as i64 - self.idle.rss as i64) / i64::from(self.connections.max(1))
    }

    pub fn pss_per_connection(&self) -> Option<i64> {
        Some((self.loaded.pss? as i64 - self.idle.pss? as i64) / i64::from(self.connections.max(1)))
    }

    pub fn anon_per_connection(&self) -> i64 {
        (self.loaded.rss_anon as i64 - self.idle.rss_anon as i64)
            / i64::from(self.connections.max(1))
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub server: ServerSpec,
    pub size: u64,
    pub client: Client,
    pub connections: u32,
    pub peak_linear: Option<PeakLinear>,
    pub host_memory: Option<HostMemory>,
    /// Median over the downloads, in MB/s (10^6 bytes).
    pub throughput: Option<f64>,
    pub requests_per_second: Option<f64>,
    /// Median time from connect to the first response byte.
    pub time_to_first_byte: Option<Duration>,
    /// How the requests ended, or why the row has no figures.
    pub result: String,
    /// The measurement itself failed (not: the server behaved badly).
    pub failed: bool,
}

impl Row {
    pub fn new(server: &ServerSpec, size: u64, client: Client, connections: u32) -> Self {
        Self {
            server: server.clone(),
            size,
            client,
            connections,
            peak_linear: None,
            host_memory: None,
            throughput: None,
            requests_per_second: None,
            time_to_first_byte: None,
            result: String::new(),
            failed: false,
        }
    }
}

/// The median of `values` (the upper one of an even count); `None` if empty.
pub fn median<T: PartialOrd + Copy>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    sorted.get(sorted.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median::<f64>(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4, 1, 3, 2]), Some(3));
    }
}
