//! The report as markdown: the README default against the peers, the p2/p3
//! comparison, every row, the targets and the settings.

use std::fmt::Write as _;

use crate::bench_report::BenchReport;
use crate::bench_site::size_label;
use crate::labels::{peak_label, signed_bytes_label};

pub fn markdown(report: &BenchReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## host-test-bench{}\n",
        if report.quick { " --quick" } else { "" }
    );
    out.push_str(&crate::peer_table::markdown(report));
    out.push_str(&crate::side_by_side::markdown(report));
    out.push_str("### Every row\n\n");
    out.push_str(
        "| server | build | file | client | conns | peak linear memory / instance | host memory / conn | MB/s | req/s | x native | x nginx | x Go | TTFB | result |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let ratio = |r: &Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}"));
    for (index, row) in report.rows.iter().enumerate() {
        let ratios = &report.ratios[index];
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.server.mode_label(),
            row.server.build_label().unwrap_or("-"),
            size_label(row.size),
            row.client.label(),
            row.connections,
            row.peak_linear.map_or("-".into(), peak_label),
            row.host_memory
                .map_or("-".into(), |h| signed_bytes_label(h.per_connection())),
            row.throughput.map_or("-".into(), |t| format!("{t:.0}")),
            row.requests_per_second
                .map_or("-".into(), |r| format!("{r:.0}")),
            ratio(&ratios.native),
            ratio(&ratios.nginx),
            ratio(&ratios.go),
            row.time_to_first_byte
                .map_or("-".into(), |d| format!("{:.2} ms", d.as_secs_f64() * 1e3)),
            row.result.replace('|', "/"),
        );
    }
    out.push_str(
        "\nRatios: throughput and requests/s divided by the other server's (higher is better); \
         host memory per stalled connection divided by the other's (lower is better).\n",
    );
    out.push_str("\n### Targets\n\n| target | goal | measured | verdict |\n|---|---|---|---|\n");
    for target in &report.targets {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            target.name,
            target.goal,
            target.measured,
            target.verdict.label()
        );
    }
    out.push_str("\n### Settings\n\n");
    for (name, value) in &report.settings {
        let _ = writeln!(out, "- {name}: {value}");
    }
    out
}
