//! The p2/p3 comparison: the report's fileserver rows pivoted so that each
//! measurement (file, client, connections, variant) is one line and each
//! (mode, build) one column, beside the native baseline's figure. The naive
//! fixture (p2 only) stays in the full table.

use std::fmt::Write as _;

use host_test::Build;

use crate::bench_report::BenchReport;
use crate::bench_site::size_label;
use crate::labels::{peak_label, signed_bytes_label};
use crate::results::{Client, HostMemory, Row};
use crate::schedule::{Mode, ServerSpec};

const MODES: [Mode; 2] = [Mode::Chunked, Mode::Splice];

/// What identifies a line: the row without its mode and build.
#[derive(Clone, Debug, PartialEq)]
struct LineKey {
    size: u64,
    client: Client,
    connections: u32,
    /// The server with mode and build normalised, so only the variant counts.
    variant: ServerSpec,
}

impl LineKey {
    fn of(row: &Row) -> Self {
        Self {
            size: row.size,
            client: row.client,
            connections: row.connections,
            variant: ServerSpec {
                mode: Mode::Chunked,
                build: Build::P2,
                ..row.server.clone()
            },
        }
    }

    fn client_label(&self) -> String {
        match self.variant.variant() {
            Some(variant) => format!("{}, {variant}", self.client.label()),
            None => self.client.label().to_string(),
        }
    }
}

pub fn markdown(report: &BenchReport) -> String {
    let columns: Vec<(Mode, Build)> = MODES
        .iter()
        .flat_map(|&mode| Build::ALL.map(|build| (mode, build)))
        .collect();
    let mut lines: Vec<LineKey> = Vec::new();
    for row in report.rows.iter().filter(|row| row.server.mode.has_p3()) {
        let key = LineKey::of(row);
        if !lines.contains(&key) {
            lines.push(key);
        }
    }
    if lines.is_empty() {
        return String::new();
    }

    let mut out = String::from(
        "### Fileserver builds side by side\n\n\
         Each cell: MB/s or requests/s (x native), host memory per stalled connection, \
         peak linear memory per instance. `-`: not measured.\n\n\
         | file | client | conns | native |",
    );
    for (mode, build) in &columns {
        let _ = write!(out, " {} {} |", mode.label(), build.label());
    }
    out.push_str("\n|---|---|---:|---:|");
    out.push_str(&"---:|".repeat(columns.len()));
    out.push('\n');
    for key in &lines {
        let native = report.rows.iter().find(|row| {
            row.server == ServerSpec::plain(Mode::Native)
                && row.size == key.size
                && row.client == key.client
                && row.connections == key.connections
        });
        let _ = write!(
            out,
            "| {} | {} | {} | {} |",
            size_label(key.size),
            key.client_label(),
            key.connections,
            native.map_or("-".into(), |row| cell(row, None)),
        );
        for &(mode, build) in &columns {
            let found = report.rows.iter().zip(&report.ratios).find(|(row, _)| {
                row.server.mode == mode && row.server.build == build && LineKey::of(row) == *key
            });
            let text = found.map_or("-".into(), |(row, ratios)| cell(row, ratios.native));
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A row's figures, joined: "826 MB/s (1.07x), 128 KiB".
fn cell(row: &Row, ratio: Option<f64>) -> String {
    if row.failed {
        return "failed".into();
    }
    let ratio = ratio.map_or(String::new(), |r| format!(" ({r:.2}x)"));
    let per_connection = |memory: HostMemory| signed_bytes_label(memory.per_connection());
    let parts: Vec<String> = [
        row.throughput
            .map(|throughput| format!("{throughput:.0} MB/s{ratio}")),
        row.requests_per_second
            .map(|rate| format!("{rate:.0} req/s{ratio}")),
        row.host_memory
            .map(|memory| format!("{}/conn", per_connection(memory))),
        row.peak_linear.map(peak_label),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        // e.g. "not available: ..." without figures.
        return row.result.replace('|', "/");
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_site::MIB;
    use crate::results::PeakLinear;

    fn row(server: ServerSpec, throughput: f64, peak: u64) -> Row {
        let mut row = Row::new(&server, MIB, Client::FullSpeed, 1);
        row.throughput = Some(throughput);
        row.peak_linear = server.mode.is_wasm().then_some(PeakLinear {
            min: peak,
            max: peak,
            requests: 1,
        });
        row
    }

    #[test]
    fn one_line_per_measurement_one_column_per_build() {
        let chunked = ServerSpec::plain(Mode::Chunked);
        let rows = vec![
            row(ServerSpec::plain(Mode::Native), 1000.0, 0),
            row(chunked.clone(), 500.0, 128 * 1024),
            row(chunked.on(Build::P3), 250.0, 128 * 1024),
            row(ServerSpec::plain(Mode::Naive), 100.0, 2 * MIB),
        ];
        let report = BenchReport::new(&crate::schedule::schedule(true), rows, None, 0, Vec::new());
        let table = markdown(&report);
        assert!(
            table.contains(
                "| 1 MiB | full speed | 1 | 1000 MB/s | 500 MB/s (0.50x), 128 KiB \
                 | 250 MB/s (0.25x), 128 KiB | - | - |"
            ),
            "{table}"
        );
        // The naive fixture has no line of its own.
        assert_eq!(table.matches("| 1 MiB |").count(), 1, "{table}");
    }
}
