//! The README's server against the peers: one line per measurement the
//! default is judged on (memory per stalled client at 1,000 and at the most
//! the machine allows, 1 KiB requests/s, the 512 MiB download), one column
//! per server, and the default's ratios to nginx and Go. Speeds come from the
//! rounds taken in turns where there are some (`turns.rs`), which a second
//! table shows round by round.

use std::fmt::Write as _;

use crate::bench_report::BenchReport;
use crate::bench_site::{size_label, KIB, MIB};
use crate::labels::signed_bytes_label;
use crate::results::{Client, Row};
use crate::schedule::{Mode, ServerSpec, PEERS_AND_DEFAULT};
use crate::turns::{TurnFigure, Turns};

/// One line: how to find its rows, and how to print their figure.
struct Line {
    name: String,
    matches: Box<dyn Fn(&Row) -> bool>,
    figure: fn(&Row) -> Option<String>,
    /// The same figure in the turns, which take precedence.
    turn: Option<TurnFigure>,
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
            turn: None,
        })
        .collect();
    lines.push(Line {
        name: "1 KiB requests/s".into(),
        matches: Box::new(|row: &Row| row.client == Client::RequestLoop && row.size == KIB),
        figure: |row| Some(format!("{:.0}", row.requests_per_second?)),
        turn: Some(TurnFigure::SmallRequests),
    });
    let turns_download = report.turns.as_ref().map(|turns| turns.plan.download_size);
    for size in [512 * MIB, 64 * MIB] {
        lines.push(Line {
            name: format!("{} download, MB/s", size_label(size)),
            matches: Box::new(move |row: &Row| row.client == Client::FullSpeed && row.size == size),
            figure: |row| Some(format!("{:.0}", row.throughput?)),
            turn: (turns_download == Some(size)).then_some(TurnFigure::Download),
        });
    }
    lines
}

pub fn markdown(report: &BenchReport) -> String {
    let servers: Vec<ServerSpec> = PEERS_AND_DEFAULT.map(ServerSpec::plain).to_vec();
    if !report.rows.iter().any(|row| servers.contains(&row.server)) && report.turns.is_none() {
        return String::new();
    }
    let mut out = String::from(
        "### The README default (`host-test serve --dir DIR`) against nginx and Go\n\n\
         | measurement | default | nginx | Go | default x nginx | default x Go |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let ratio = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}"));
    for line in lines(report) {
        if let (Some(figure), Some(turns)) = (line.turn, &report.turns) {
            let _ = writeln!(
                out,
                "| {} (in turns) | {} | {} | {} | {} | {} |",
                line.name,
                turn_cell(turns, Mode::Default, figure),
                turn_cell(turns, Mode::Nginx, figure),
                turn_cell(turns, Mode::Go, figure),
                ratio(turns.ratio(Mode::Default, Mode::Nginx, figure)),
                ratio(turns.ratio(Mode::Default, Mode::Go, figure)),
            );
            continue;
        }
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
    if let Some(turns) = &report.turns {
        out.push_str(&rounds_markdown(turns));
    }
    out
}

/// "2249 (2100-2400)": the median of the rounds and their range.
fn turn_cell(turns: &Turns, mode: Mode, figure: TurnFigure) -> String {
    if let Some(why) = turns.missing(mode) {
        return if why.starts_with("not measured") {
            "not installed".into()
        } else {
            why.to_string()
        };
    }
    match (turns.median(mode, figure), turns.range(mode, figure)) {
        (Some(median), Some((low, high))) => format!("{median:.0} ({low:.0}-{high:.0})"),
        _ => "-".into(),
    }
}

/// Every round's figures, so that the medians can be checked.
fn rounds_markdown(turns: &Turns) -> String {
    let plan = &turns.plan;
    let mut out = format!(
        "#### In turns, round by round\n\n\
         The three servers run at once. Each round gives every server one {} download (MB/s) \
         and {} keep-alive connections looping on the 1 KiB file for {:?} (requests/s), in an \
         order that rotates from round to round; a ratio above is the median of the rounds' \
         ratios, each taken seconds apart.\n\n\
         | round | default MB/s | nginx MB/s | Go MB/s | default req/s | nginx req/s | Go req/s |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n",
        size_label(plan.download_size),
        plan.connections,
        plan.rate_duration
    );
    for round in 0..plan.rounds as usize {
        let cell = |mode: Mode, figure: TurnFigure| {
            turns
                .figure(mode, figure, round)
                .map_or("-".into(), |value| format!("{value:.0}"))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            round + 1,
            cell(Mode::Default, TurnFigure::Download),
            cell(Mode::Nginx, TurnFigure::Download),
            cell(Mode::Go, TurnFigure::Download),
            cell(Mode::Default, TurnFigure::SmallRequests),
            cell(Mode::Nginx, TurnFigure::SmallRequests),
            cell(Mode::Go, TurnFigure::SmallRequests),
        );
    }
    out.push('\n');
    out
}
