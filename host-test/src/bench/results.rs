//! The figures of one table row, and the JSON form of a whole report.

use std::time::Duration;

use serde_json::{json, Value};

use super::memory_timeline::Timeline;
use super::plan::ServerSpec;
use super::process_memory::ProcessMemory;
use super::report_table::Report;
use super::request_log::LogEntry;

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

    fn key(self) -> &'static str {
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

    fn pss_per_connection(&self) -> Option<i64> {
        Some((self.loaded.pss? as i64 - self.idle.pss? as i64) / i64::from(self.connections.max(1)))
    }

    fn anon_per_connection(&self) -> i64 {
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

fn memory_json(memory: &ProcessMemory) -> Value {
    json!({
        "rss_bytes": memory.rss,
        "rss_anon_bytes": memory.rss_anon,
        "rss_file_and_shmem_bytes": memory.rss_file_and_shmem,
        "threads": memory.threads,
        "pss_bytes": memory.pss,
    })
}

fn row_json(row: &Row, ratio: Option<f64>) -> Value {
    json!({
        "server": row.server.mode.label(),
        "build": row.server.build_label(),
        "variant": row.server.variant(),
        "reuse": row.server.reuse,
        "max_memory_bytes": row.server.max_memory,
        "size_bytes": row.size,
        "client": row.client.key(),
        "connections": row.connections,
        "peak_linear_memory_bytes": row.peak_linear.map(|p| json!({
            "min": p.min, "max": p.max, "requests": p.requests,
        })),
        "host_memory": row.host_memory.map(|h| json!({
            "idle": memory_json(&h.idle),
            "loaded": memory_json(&h.loaded),
            "per_connection_bytes": h.per_connection(),
            "anon_per_connection_bytes": h.anon_per_connection(),
            "pss_per_connection_bytes": h.pss_per_connection(),
            "measured_after_seconds": h.measured_after.as_secs_f64(),
        })),
        "throughput_mb_per_s": row.throughput,
        "requests_per_s": row.requests_per_second,
        "ratio_to_native": ratio,
        "time_to_first_byte_ms": row.time_to_first_byte.map(|d| d.as_secs_f64() * 1e3),
        "result": row.result,
        "failed": row.failed,
    })
}

pub fn to_json(report: &Report, timeline: Option<&Timeline>) -> Value {
    json!({
        "quick": report.quick,
        "settings": report
            .settings
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect::<Vec<_>>(),
        "rows": report
            .rows
            .iter()
            .zip(&report.ratios)
            .map(|(row, ratio)| row_json(row, *ratio))
            .collect::<Vec<_>>(),
        "targets": report
            .targets
            .iter()
            .map(|t| json!({
                "target": t.name,
                "goal": t.goal,
                "measured": t.measured,
                "verdict": t.verdict.label(),
            }))
            .collect::<Vec<_>>(),
        "memory_timeline": timeline.map(|t| json!({
            "size_bytes": t.size,
            "client_bytes_per_s": t.rate,
            "series": t.series.iter().map(|s| json!({
                "server": s.server.mode.label(),
                "build": s.server.build_label(),
                "points": s.points.iter().map(|p| json!({
                    "seconds": p.seconds,
                    "peak_linear_memory_bytes": p.peak_linear,
                    "bytes_read": p.bytes,
                    "complete": p.complete,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })),
    })
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
