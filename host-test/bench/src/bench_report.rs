//! The report: the rows with their ratios to the native baseline and to the
//! peers, the targets judged against them, and the settings they were
//! measured with. `markdown.rs` and `json.rs` print it.

use crate::labels::{bytes_label, signed_bytes_label};
use host_test::Build;

use crate::bench_site::{GIB, KIB};
use crate::results::{Client, Row};
use crate::schedule::{self, Mode, Schedule, ServerSpec};
use crate::turns::{TurnFigure, Turns};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetVerdict {
    Met,
    Missed,
    NotMeasured,
}

impl TargetVerdict {
    pub fn label(self) -> &'static str {
        match self {
            TargetVerdict::Met => "met",
            TargetVerdict::Missed => "missed",
            TargetVerdict::NotMeasured => "not measured",
        }
    }

    fn judge(met: bool) -> Self {
        if met {
            TargetVerdict::Met
        } else {
            TargetVerdict::Missed
        }
    }
}

pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    pub verdict: TargetVerdict,
}

pub struct BenchReport {
    pub quick: bool,
    pub rows: Vec<Row>,
    /// Per row: its figures divided by the baselines' (see `Ratios`).
    pub ratios: Vec<Ratios>,
    pub targets: Vec<Target>,
    pub settings: Vec<(String, String)>,
    /// The default's speed against the peers, taken in turns (`turns.rs`).
    pub turns: Option<Turns>,
}

impl BenchReport {
    pub fn new(
        schedule: &Schedule,
        rows: Vec<Row>,
        turns: Option<Turns>,
        open_files: u64,
        peers: Vec<(String, String)>,
    ) -> Self {
        let ratios = rows
            .iter()
            .map(|row| Ratios {
                native: ratio_to(row, &rows, Mode::Native),
                nginx: ratio_to(row, &rows, Mode::Nginx),
                go: ratio_to(row, &rows, Mode::Go),
            })
            .collect();
        let mut settings = settings(schedule, open_files);
        settings.extend(peers);
        let mut report = Self {
            quick: schedule.quick,
            rows,
            ratios,
            targets: Vec::new(),
            settings,
            turns,
        };
        report.targets = targets(&report);
        report
    }

    /// Whether every measurement ran (the figures may still miss targets).
    pub fn all_ok(&self) -> bool {
        self.rows.iter().all(|row| !row.failed)
    }
}

/// A row's figures against the same measurement of each baseline:
/// throughput or requests/s divided by the other's (higher is better), host
/// memory per stalled connection divided by the other's (lower is better).
#[derive(Clone, Copy, Debug, Default)]
pub struct Ratios {
    pub native: Option<f64>,
    pub nginx: Option<f64>,
    pub go: Option<f64>,
}

fn ratio_to(row: &Row, rows: &[Row], baseline: Mode) -> Option<f64> {
    if row.server.mode == baseline || row.server.mode == Mode::Native {
        return None;
    }
    let other = rows.iter().find(|other| {
        other.server.mode == baseline
            && other.size == row.size
            && other.client == row.client
            && other.connections == row.connections
    })?;
    match row.client {
        Client::FullSpeed => Some(row.throughput? / other.throughput?),
        Client::RequestLoop => Some(row.requests_per_second? / other.requests_per_second?),
        Client::Stalled => {
            let ours = row.host_memory?.per_connection() as f64;
            let theirs = other.host_memory?.per_connection() as f64;
            (theirs > 0.0).then(|| ours / theirs)
        }
        Client::Slow => None,
    }
}

/// The largest peak linear memory over the rows of `mode` on `build`
/// (without a cap), and how many requests it covers.
fn max_peak(report: &BenchReport, mode: Mode, build: Build) -> Option<(u64, usize)> {
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

/// The README default's targets against the peers: memory per stalled
/// client at most Go's (40 KiB the target), 1 KiB requests/s at least Go's
/// (0.5 x nginx the target), large downloads at least 0.95 x nginx.
fn default_targets(report: &BenchReport) -> Vec<Target> {
    let default = ServerSpec::plain(Mode::Default);
    let find = |client: Client, size: u64, connections: Option<u32>| {
        report.rows.iter().zip(&report.ratios).find(|(row, _)| {
            row.server == default
                && row.client == client
                && row.size == size
                && connections.is_none_or(|c| row.connections == c)
        })
    };
    let mut targets = Vec::new();
    let mut stalled: Vec<u32> = report
        .rows
        .iter()
        .filter(|row| row.server == default && row.client == Client::Stalled)
        .map(|row| row.connections)
        .collect();
    stalled.sort_unstable();
    stalled.dedup();
    for connections in stalled {
        let name = format!("README default: memory per stalled client, {connections} clients");
        let goal = "<= Go's (target 40 KiB)".to_string();
        targets.push(match find(Client::Stalled, GIB, Some(connections)) {
            Some((row, ratios)) => match (row.host_memory, ratios.go) {
                (Some(memory), Some(to_go)) => Target {
                    name,
                    goal,
                    measured: format!(
                        "{} ({to_go:.2} x Go{})",
                        signed_bytes_label(memory.per_connection()),
                        ratios
                            .nginx
                            .map_or(String::new(), |r| format!(", {r:.2} x nginx"))
                    ),
                    verdict: TargetVerdict::judge(to_go <= 1.0),
                },
                _ => not_measured(name, "no figure for the default or Go (see the rows)"),
            },
            None => not_measured(name, "no row"),
        });
    }
    let name = "README default: 1 KiB requests/s".to_string();
    let goal = ">= Go's (target 0.5 x nginx)";
    targets.push(
        match turns_target(report, TurnFigure::SmallRequests, Mode::Go) {
            Some((rate, to_go, to_nginx)) => Target {
                name,
                goal: goal.into(),
                measured: format!(
                    "{rate:.0}/s ({to_go:.2} x Go{}; in turns)",
                    to_nginx.map_or(String::new(), |r| format!(", {r:.2} x nginx"))
                ),
                verdict: TargetVerdict::judge(to_go >= 1.0),
            },
            None => match find(Client::RequestLoop, KIB, None) {
                Some((row, ratios)) => match (row.requests_per_second, ratios.go) {
                    (Some(rate), Some(to_go)) => Target {
                        name,
                        goal: goal.into(),
                        measured: format!(
                            "{rate:.0}/s ({to_go:.2} x Go{})",
                            ratios
                                .nginx
                                .map_or(String::new(), |r| format!(", {r:.2} x nginx"))
                        ),
                        verdict: TargetVerdict::judge(to_go >= 1.0),
                    },
                    _ => not_measured(name, "no figure for the default or Go"),
                },
                None => not_measured(name, "no row"),
            },
        },
    );
    let name = "README default with 50 site rules: 1 KiB requests/s".to_string();
    let with_rules = schedule::with_site_rules(Mode::Default);
    let rate_of = |spec: &ServerSpec| {
        report
            .rows
            .iter()
            .find(|row| *spec == row.server && row.client == Client::RequestLoop && row.size == KIB)
            .and_then(|row| row.requests_per_second)
    };
    targets.push(match (rate_of(&with_rules), rate_of(&default)) {
        (Some(rules), Some(plain)) if plain > 0.0 => Target {
            name,
            goal: ">= 0.8 x without rules".into(),
            measured: format!("{rules:.0}/s ({:.2} x without rules)", rules / plain),
            verdict: TargetVerdict::judge(rules / plain >= 0.8),
        },
        _ => not_measured(name, "no figure with or without rules"),
    });
    let name = "README default: 512 MiB download".to_string();
    let turns_download = report
        .turns
        .as_ref()
        .filter(|turns| turns.plan.download_size == 512 * crate::bench_site::MIB)
        .and_then(|_| turns_target(report, TurnFigure::Download, Mode::Nginx));
    targets.push(match turns_download {
        Some((speed, to_nginx, _)) => Target {
            name,
            goal: ">= 0.95 x nginx".into(),
            measured: format!("{speed:.0} MB/s ({to_nginx:.2} x nginx; in turns)"),
            verdict: TargetVerdict::judge(to_nginx >= 0.95),
        },
        None => match find(Client::FullSpeed, 512 * crate::bench_site::MIB, None) {
            Some((row, ratios)) => match (row.throughput, ratios.nginx) {
                (Some(speed), Some(to_nginx)) => Target {
                    name,
                    goal: ">= 0.95 x nginx".into(),
                    measured: format!("{speed:.0} MB/s ({to_nginx:.2} x nginx)"),
                    verdict: TargetVerdict::judge(to_nginx >= 0.95),
                },
                _ => not_measured(name, "no figure for the default or nginx"),
            },
            None => not_measured(name, "no 512 MiB run (--quick)"),
        },
    });
    targets
}

/// The default's figure in turns, its ratio to `peer` and to nginx (medians
/// of the rounds' ratios), when the turns measured both.
fn turns_target(
    report: &BenchReport,
    figure: TurnFigure,
    peer: Mode,
) -> Option<(f64, f64, Option<f64>)> {
    let turns = report.turns.as_ref()?;
    Some((
        turns.median(Mode::Default, figure)?,
        turns.ratio(Mode::Default, peer, figure)?,
        turns.ratio(Mode::Default, Mode::Nginx, figure),
    ))
}

/// Every target the bench judges (the table under "Targets" in
/// docs/benchmarks.md): the default's against the peers, then the
/// fileserver's linear memory, host memory, throughput and request rate,
/// judged for each build (the goals were set for p2; the p3 verdicts say how
/// the 0.3 build compares against the same goals).
fn targets(report: &BenchReport) -> Vec<Target> {
    let mut targets = default_targets(report);
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
                    verdict: TargetVerdict::judge(peak <= limit),
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
                .map(|mode| ServerSpec::with_chunk_size(mode, schedule::TUNED_CHUNK_SIZE)),
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
    // The most stalled connections a server's rows hold (the peers and the
    // default go to 10,000; the fileserver modes to 1,000).
    let most_for = |spec: &ServerSpec| {
        report
            .rows
            .iter()
            .filter(|row| row.server == *spec && row.client == Client::Stalled && row.size == GIB)
            .map(|row| row.connections)
            .max()
            .unwrap_or(0)
    };
    for spec in specs.iter().filter(|spec| present(spec)) {
        let name = format!("host memory per stalled connection, {}", spec.label());
        let goal = "<= 128 KiB at 1,000 connections".to_string();
        let most = most_for(spec);
        let native = stalled_at(&ServerSpec::plain(Mode::Native), most)
            .and_then(|row| row.host_memory)
            .map(|h| format!(" (native: {})", signed_bytes_label(h.per_connection())))
            .unwrap_or_default();
        match stalled_at(spec, most).and_then(|row| row.host_memory) {
            Some(memory) => {
                let per = memory.per_connection();
                targets.push(Target {
                    name,
                    goal,
                    measured: format!("{} at {most} connections{native}", signed_bytes_label(per)),
                    verdict: if most >= 1000 {
                        TargetVerdict::judge(per <= 128 * KIB as i64)
                    } else {
                        TargetVerdict::NotMeasured
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
            .and_then(|(_, ratio)| ratio.native)
    };
    for spec in specs.iter().filter(|spec| present(spec)) {
        let name = format!("1 GiB download throughput, {}", spec.label());
        targets.push(match ratio_of(spec, Client::FullSpeed, GIB) {
            Some(ratio) => Target {
                name,
                goal: ">= 0.95 x native".into(),
                measured: format!("{ratio:.2} x native"),
                verdict: TargetVerdict::judge(ratio >= 0.95),
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
                reuse: reuse.then_some(schedule::REUSE_COUNT),
                ..ServerSpec::plain(Mode::Chunked)
            }
            .on(build);
            targets.push(match ratio_of(&spec, Client::RequestLoop, KIB) {
                Some(ratio) => Target {
                    name,
                    goal: format!(">= {goal} x native"),
                    measured: format!("{ratio:.2} x native ({})", spec.mode.label()),
                    verdict: TargetVerdict::judge(ratio >= goal),
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
        verdict: TargetVerdict::NotMeasured,
    }
}

fn settings(schedule: &Schedule, open_files: u64) -> Vec<(String, String)> {
    let rate_connections = schedule
        .sessions
        .iter()
        .flat_map(|s| &s.tasks)
        .find_map(|task| match task {
            schedule::Task::Rate { connections, .. } => Some(*connections),
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
                bytes_label(host_test::listener::MAX_BUF_SIZE as u64),
                host_test::config::DEFAULT_BODY_BUFFER_CHUNKS,
                bytes_label(host_test::config::DEFAULT_BODY_CHUNK_SIZE as u64),
                schedule::REUSE_COUNT,
            ),
        ),
        (
            "guest".into(),
            format!(
                "p2: host_test::FILESERVER_COMPONENT (wasi:http/incoming-handler@0.2.0), \
                 p3: host_test::P3_COMPONENT (wasi:http/handler@0.3.2), naive: p2 only; \
                 TRANSFER chunked|splice, default CHUNK_SIZE, STALL_TIMEOUT {}",
                schedule::STALL_TIMEOUT
            ),
        ),
        (
            "native baseline".into(),
            format!(
                "hyper http1, same max_buf_size and TCP_NODELAY; native: tokio::fs, {} reads; \
                 native inline: std::fs on the serving thread, a file of up to that size read \
                 whole with the request, larger ones in reads of that size as hyper asks",
                bytes_label(crate::native_http::READ_SIZE as u64)
            ),
        ),
        (
            "clients".into(),
            format!(
                "full speed: new connection per download, MB/s and TTFB are medians; \
                 slow: {} per second, SO_RCVBUF {}; stalled: SO_RCVBUF {}, read {} of the body, \
                 then stop; request loops: {rate_connections} keep-alive connections",
                bytes_label(crate::clients::SLOW_RATE),
                bytes_label(crate::clients::SLOW_RECEIVE_BUFFER as u64),
                bytes_label(crate::clients::STALLED_RECEIVE_BUFFER as u64),
                bytes_label(crate::clients::STALLED_READ),
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
