//! The report: the rows with their ratios to the native baseline, the
//! issue's targets judged against them, the settings they were measured
//! with, and the markdown that prints all of it.

use std::fmt::Write as _;

use super::plan::{self, Build, Mode, Plan, ServerSpec};
use super::results::{Client, PeakLinear, Row};
use super::site::{size_label, GIB, KIB, MIB};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    NotMeasured,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::NotMeasured => "not measured",
        }
    }

    fn judge(met: bool) -> Self {
        if met {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }
}

pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    pub verdict: Verdict,
}

pub struct Report {
    pub quick: bool,
    pub rows: Vec<Row>,
    /// Per row: its throughput or requests/s divided by the native row's.
    pub ratios: Vec<Option<f64>>,
    pub targets: Vec<Target>,
    pub settings: Vec<(String, String)>,
}

impl Report {
    pub fn new(plan: &Plan, rows: Vec<Row>, open_files: u64) -> Self {
        let ratios = rows.iter().map(|row| ratio_to_native(row, &rows)).collect();
        let mut report = Self {
            quick: plan.quick,
            rows,
            ratios,
            targets: Vec::new(),
            settings: settings(plan, open_files),
        };
        report.targets = targets(&report);
        report
    }

    /// Whether every measurement ran (the figures may still miss targets).
    pub fn all_ok(&self) -> bool {
        self.rows.iter().all(|row| !row.failed)
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## host-test bench{}\n",
            if self.quick { " --quick" } else { "" }
        );
        out.push_str(&super::side_by_side::markdown(self));
        out.push_str("### Every row\n\n");
        out.push_str(
            "| server | build | file | client | conns | peak linear memory / instance | host memory / conn | MB/s | req/s | x native | TTFB | result |\n\
             |---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
        );
        for (row, ratio) in self.rows.iter().zip(&self.ratios) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
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
                ratio.map_or("-".into(), |r| format!("{r:.2}")),
                row.time_to_first_byte
                    .map_or("-".into(), |d| format!("{:.2} ms", d.as_secs_f64() * 1e3)),
                row.result.replace('|', "/"),
            );
        }
        out.push_str(
            "\n### Targets\n\n| target | goal | measured | verdict |\n|---|---|---|---|\n",
        );
        for target in &self.targets {
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
        for (name, value) in &self.settings {
            let _ = writeln!(out, "- {name}: {value}");
        }
        out
    }
}

fn ratio_to_native(row: &Row, rows: &[Row]) -> Option<f64> {
    if !row.server.mode.is_wasm() {
        return None;
    }
    let native = rows.iter().find(|other| {
        other.server.mode == Mode::Native
            && other.size == row.size
            && other.client == row.client
            && other.connections == row.connections
    })?;
    match row.client {
        Client::FullSpeed => Some(row.throughput? / native.throughput?),
        Client::RequestLoop => Some(row.requests_per_second? / native.requests_per_second?),
        Client::Slow | Client::Stalled => None,
    }
}

/// The largest peak linear memory over the rows of `mode` on `build`
/// (without a cap), and how many requests it covers.
fn max_peak(report: &Report, mode: Mode, build: Build) -> Option<(u64, usize)> {
    let peaks: Vec<(u64, usize)> = report
        .rows
        .iter()
        .filter(|row| {
            row.server.mode == mode && row.server.build == build && row.server.max_memory.is_none()
        })
        .filter_map(|row| row.peak_linear.map(|p| (p.max, p.requests)))
        .collect();
    let max = peaks.iter().map(|(peak, _)| *peak).max()?;
    Some((max, peaks.iter().map(|(_, n)| n).sum()))
}

/// The targets, judged for each build (they were set for p2; the p3
/// verdicts say how the 0.3 build compares against the same goals).
fn targets(report: &Report) -> Vec<Target> {
    let mut targets = Vec::new();
    for (mode, pages) in [(Mode::Splice, 1), (Mode::Chunked, 2)] {
        for build in Build::ALL {
            let limit = pages * 64 * KIB;
            let name = format!("peak linear memory, {} {}", mode.label(), build.label());
            targets.push(match max_peak(report, mode, build) {
                Some((peak, requests)) => Target {
                    name,
                    goal: format!(
                        "<= {} for every size, client and concurrency",
                        bytes_label(limit)
                    ),
                    measured: format!("at most {} over {requests} requests", bytes_label(peak)),
                    verdict: Verdict::judge(peak <= limit),
                },
                None => not_measured(name, "no rows"),
            });
        }
    }

    // The default servers, then the tuned variant where the run has it.
    let modes = [Mode::Chunked, Mode::Splice];
    let specs: Vec<ServerSpec> = modes
        .into_iter()
        .map(ServerSpec::plain)
        .chain(
            modes
                .into_iter()
                .map(|mode| ServerSpec::with_chunk_size(mode, plan::TUNED_CHUNK_SIZE)),
        )
        .flat_map(|spec| Build::ALL.map(|build| spec.clone().on(build)))
        .collect();
    let present = |spec: &ServerSpec| report.rows.iter().any(|row| row.server == *spec);

    let stalled_at = |spec: &ServerSpec, connections: u32| {
        report.rows.iter().find(|row| {
            row.server == *spec
                && row.client == Client::Stalled
                && row.connections == connections
                && row.size == GIB
        })
    };
    let most = report
        .rows
        .iter()
        .filter(|row| row.client == Client::Stalled)
        .map(|row| row.connections)
        .max()
        .unwrap_or(0);
    let native = stalled_at(&ServerSpec::plain(Mode::Native), most)
        .and_then(|row| row.host_memory)
        .map(|h| format!(" (native: {})", signed_bytes_label(h.per_connection())))
        .unwrap_or_default();
    for spec in specs.iter().filter(|spec| present(spec)) {
        let name = format!("host memory per stalled connection, {}", spec.label());
        let goal = "<= 128 KiB at 1,000 connections".to_string();
        match stalled_at(spec, most).and_then(|row| row.host_memory) {
            Some(memory) => {
                let per = memory.per_connection();
                targets.push(Target {
                    name,
                    goal,
                    measured: format!("{} at {most} connections{native}", signed_bytes_label(per)),
                    verdict: if most >= 1000 {
                        Verdict::judge(per <= 128 * KIB as i64)
                    } else {
                        Verdict::NotMeasured
                    },
                });
            }
            None => targets.push(not_measured(name, "no stalled rows")),
        }
    }

    let ratio_of = |spec: &ServerSpec, client: Client, size: u64| {
        report
            .rows
            .iter()
            .zip(&report.ratios)
            .find(|(row, _)| row.server == *spec && row.client == client && row.size == size)
            .and_then(|(_, ratio)| *ratio)
    };
    for spec in specs.iter().filter(|spec| present(spec)) {
        let name = format!("1 GiB download throughput, {}", spec.label());
        targets.push(match ratio_of(spec, Client::FullSpeed, GIB) {
            Some(ratio) => Target {
                name,
                goal: ">= 0.95 x native".into(),
                measured: format!("{ratio:.2} x native"),
                verdict: Verdict::judge(ratio >= 0.95),
            },
            None => not_measured(name, "no 1 GiB run (--quick)"),
        });
    }
    for (reuse, goal) in [(false, 0.2), (true, 0.6)] {
        for build in Build::ALL {
            let name = format!(
                "1 KiB requests/s, {} instance, {}",
                if reuse { "reused" } else { "fresh" },
                build.label()
            );
            let spec = ServerSpec {
                reuse: reuse.then_some(plan::REUSE_COUNT),
                ..ServerSpec::plain(Mode::Chunked)
            }
            .on(build);
            targets.push(match ratio_of(&spec, Client::RequestLoop, KIB) {
                Some(ratio) => Target {
                    name,
                    goal: format!(">= {goal} x native"),
                    measured: format!("{ratio:.2} x native ({})", spec.mode.label()),
                    verdict: Verdict::judge(ratio >= goal),
                },
                None => not_measured(name, "no figure (see the table)"),
            });
        }
    }
    targets
}

fn not_measured(name: String, why: &str) -> Target {
    Target {
        name,
        goal: String::new(),
        measured: why.to_string(),
        verdict: Verdict::NotMeasured,
    }
}

fn settings(plan: &Plan, open_files: u64) -> Vec<(String, String)> {
    let rate_connections = plan
        .sessions
        .iter()
        .flat_map(|s| &s.tasks)
        .find_map(|task| match task {
            plan::Task::Rate { connections, .. } => Some(*connections),
            _ => None,
        })
        .unwrap_or(0);
    vec![
        (
            "machine".into(),
            format!(
                "{} CPUs, open-files limit {open_files}; clients and server share the CPUs",
                std::thread::available_parallelism().map_or(0, |n| n.get())
            ),
        ),
        (
            "host-test serve".into(),
            format!(
                "hyper max_buf_size {}, response body channel {} + 1 writes of at most {} \
                 (host_test::config defaults), a fresh instance per request unless --reuse {}",
                bytes_label(host_test::serve::MAX_BUF_SIZE as u64),
                host_test::config::DEFAULT_BODY_BUFFER_CHUNKS,
                bytes_label(host_test::config::DEFAULT_BODY_CHUNK_SIZE as u64),
                plan::REUSE_COUNT,
            ),
        ),
        (
            "guest".into(),
            format!(
                "p2: host_test::FILESERVER_COMPONENT (wasi:http/incoming-handler@0.2.0), \
                 p3: host_test::P3_COMPONENT (wasi:http/handler@0.3.2), naive: p2 only; \
                 TRANSFER chunked|splice, default CHUNK_SIZE, STALL_TIMEOUT {}",
                plan::STALL_TIMEOUT
            ),
        ),
        (
            "native baseline".into(),
            format!(
                "hyper http1 + tokio::fs, {} reads, same max_buf_size and TCP_NODELAY",
                bytes_label(super::native_baseline::READ_SIZE as u64)
            ),
        ),
        (
            "clients".into(),
            format!(
                "full speed: new connection per download, MB/s and TTFB are medians; \
                 slow: {} per second, SO_RCVBUF {}; stalled: SO_RCVBUF {}, read {} of the body, \
                 then stop; request loops: {rate_connections} keep-alive connections",
                bytes_label(plan::SLOW_RATE),
                bytes_label(plan::SLOW_RECEIVE_BUFFER as u64),
                bytes_label(super::clients::STALLED_RECEIVE_BUFFER as u64),
                bytes_label(super::clients::STALLED_READ),
            ),
        ),
        (
            "host memory / conn".into(),
            "(server VmRSS with the connections stalled - its VmRSS idle after a warm-up) \
             / connections; a fresh server process per row"
                .into(),
        ),
        (
            "peak linear memory".into(),
            "from the ResourceLimiter, as `host-test serve` logs it per request (min - max over the row's requests)".into(),
        ),
    ]
}

/// "64 KiB", or "64 KiB - 128 KiB" when the row's requests differ.
pub fn peak_label(peak: PeakLinear) -> String {
    if peak.min == peak.max {
        bytes_label(peak.max)
    } else {
        format!("{} - {}", bytes_label(peak.min), bytes_label(peak.max))
    }
}

/// 65536 -> "64 KiB", 2_162_688 -> "2.1 MiB", 134_217_728 -> "128 MiB".
pub fn bytes_label(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes} B")
}

pub fn signed_bytes_label(bytes: i64) -> String {
    if bytes < 0 {
        format!("-{}", bytes_label(bytes.unsigned_abs()))
    } else {
        bytes_label(bytes as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(bytes_label(65536), "64 KiB");
        assert_eq!(bytes_label(2_162_688), "2.1 MiB");
        assert_eq!(bytes_label(128 * MIB), "128 MiB");
        assert_eq!(bytes_label(100), "100 B");
        assert_eq!(signed_bytes_label(-2048), "-2 KiB");
    }
}
