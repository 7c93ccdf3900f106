//! The README's server against the peers: one line per measurement the
//! default is judged on (memory per stalled client at 1,000 and at the most
//! the machine allows, 1 KiB requests/s, the 512 MiB download), one column
//! per server, and the default's ratios to nginx and Go.

use std::fmt::Write as _;

use super::bench_report::BenchReport;
use super::labels::signed_bytes_label;
use super::results::{Client, Row};
use super::schedule::{Mode, ServerSpec, PEERS_AND_DEFAULT};
use super::site::{size_label, KIB, MIB};

/// One line: how to find its rows, and how to print their figure.
struct Line {
    name: String,
    matches: Box<dyn Fn(&Row) -> bool>,
    figure: fn(&Row) -> Option<String>,
}

fn lines(report: &BenchReport) -> Vec<Line> {
    let mut stalled: Vec<u32> = report
        .rows
        .iter()
        .filter(|row| row.server.mode == Mode::Default && row.client == Client::Stalled)
        .map(|row| row.connections)
        .collect();
    stalled.sort_unstable();
    stalled.dedup();
    let mut lines: Vec<Line> = stalled
        .into_iter()
        .map(|connections| Line {
            name: format!("KiB per stalled client, {connections} clients"),
            matches: Box::new(move |row: &Row| {
                row.client == Client::Stalled && row.connections == connections
            }),
            figure: |row| Some(signed_bytes_label(row.host_memory?.per_connection())),
        })
        .collect();
    lines.push(Line {
        name: "1 KiB requests/s".into(),
        matches: Box::new(|row: &Row| row.client == Client::RequestLoop && row.size == KIB),
        figure: |row| Some(format!("{:.0}", row.requests_per_second?)),
    });
    for size in [512 * MIB, 64 * MIB] {
        lines.push(Line {
            name: format!("{} download, MB/s", size_label(size)),
            matches: Box::new(move |row: &Row| row.client == Client::FullSpeed && row.size == size),
            figure: |row| Some(format!("{:.0}", row.throughput?)),
        });
    }
    lines
}

pub fn markdown(report: &BenchReport) -> String {
    let servers: Vec<ServerSpec> = PEERS_AND_DEFAULT.map(ServerSpec::plain).to_vec();
    if !report.rows.iter().any(|row| servers.contains(&row.server)) {
        return String::new();
    }
    let mut out = String::from(
        "### The README default (`host-test serve --dir DIR`) against nginx and Go\n\n\
         | measurement | default | nginx | Go | default x nginx | default x Go |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for line in lines(report) {
        let mut cells = Vec::new();
        for server in &servers {
            let row = report
                .rows
                .iter()
                .find(|row| row.server == *server && (line.matches)(row));
            cells.push(match row {
                Some(row) if row.result.starts_with("not measured") => "not installed".into(),
                Some(row) => (line.figure)(row).unwrap_or_else(|| "-".into()),
                None => "-".into(),
            });
        }
        let ratios = report
            .rows
            .iter()
            .zip(&report.ratios)
            .find(|(row, _)| row.server == servers[0] && (line.matches)(row))
            .map(|(_, ratios)| *ratios)
            .unwrap_or_default();
        let ratio = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            line.name,
            cells[0],
            cells[1],
            cells[2],
            ratio(ratios.nginx),
            ratio(ratios.go)
        );
    }
    out.push_str(
        "\nFor memory, a ratio below 1 is better; for speed, above 1. The default runs the \
         WASI 0.3 build, 64 requests at once per instance, one set of instances per CPU, whole \
         files handed to the host, the host's write timeout (docs/design.md).\n\n",
    );
    out
}
