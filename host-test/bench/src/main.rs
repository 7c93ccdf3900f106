//! `host-test-bench`: one command that measures the fileserver component,
//! both its WASI 0.2 (p2) and 0.3 (p3) builds, under `host-test serve` beside a native hyper + tokio baseline, on the same
//! machine in the same run, and prints a markdown table (`--json` for
//! machines, `--plot` for linear memory over time).
//!
//! Every server under test runs in its own child process (this binary
//! re-executed as `host-test-bench serve ...`, which is `host-test serve`, or
//! `host-test-bench native-serve ...`), and
//! the clients run here, so the server's RSS is the server's alone. Peak
//! linear memory comes from the per-request lines `host-test serve` logs on
//! stderr (its ResourceLimiter's peak).
//!
//! - `schedule`: which servers run which tasks (the full run and `--quick`)
//! - `scenarios`: how each task is measured
//! - `memory_timeline`: the measurement behind `--plot`; `plot` draws it
//! - `peers`: nginx and Go's http.FileServer, the real baselines
//! - `clients`, `measured_server`, `request_log`,
//!   `native_baseline` (with `native_tokio_fs` and `native_std_fs`, its two
//!   kinds of file work), `bench_site`: the parts they use
//! - `results` (one row's figures), `bench_report` (rows, ratios, targets),
//!   `labels`, then how they are printed: `markdown` (with `peer_table`: the
//!   README default against nginx and Go, `side_by_side`: p2 against p3) and
//!   `json`

mod bench_report;
mod bench_site;
mod chart_style;
mod clients;
mod json;
mod labels;
mod markdown;
mod measured_server;
mod memory_timeline;
mod native_baseline;
mod native_http;
mod native_std_fs;
mod native_tokio_fs;
mod open_files_limit;
mod options;
mod peer_table;
mod peers;
mod plot;
mod progress;
mod request_log;
mod results;
mod scenarios;
mod schedule;
mod side_by_side;
mod site_rules;
mod stall_curve;
mod stall_plot;
mod turns;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use self::native_baseline::NativeServeArgs;
use self::options::BenchOptions;
use self::progress::Progress;

#[derive(Parser)]
#[command(
    name = "host-test-bench",
    version,
    about = "Measures the wasi-fileserver component under host-test serve beside nginx, Go and a native baseline"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(flatten)]
    options: BenchOptions,
    #[command(subcommand)]
    server: Option<ServerCommand>,
}

/// The servers under test, each run as this binary in a child process.
#[derive(Subcommand)]
enum ServerCommand {
    /// `host-test serve`, exactly.
    #[command(hide = true)]
    Serve(host_test::serve_command::ServeArgs),
    /// The native baseline (`--file-io inline`: its inline kind).
    #[command(hide = true)]
    NativeServe(NativeServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.server {
        Some(ServerCommand::Serve(args)) => host_test::serve_command::run(args),
        Some(ServerCommand::NativeServe(args)) => native_baseline::main(args),
        None => run_bench(cli.options),
    }
}

/// The tokio runtime the bench and the native baseline run on; a failure to
/// start it is reported once, here.
fn async_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|error| {
        eprintln!("error: starting the async runtime: {error}");
        ExitCode::FAILURE
    })
}

fn run_bench(options: BenchOptions) -> ExitCode {
    let runtime = match async_runtime() {
        Ok(runtime) => runtime,
        Err(exit) => return exit,
    };
    match runtime.block_on(bench(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("bench: some scenarios failed (see the result column)");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every planned scenario; `Ok(false)` when one of them failed.
async fn bench(options: BenchOptions) -> anyhow::Result<bool> {
    // 1,000 stalled connections need about 2,000 descriptors here and as many
    // in the server (a socket and an open file each); children inherit this.
    let open_files = open_files_limit::raise_to_hard_limit()
        .context("raising the open-files limit (RLIMIT_NOFILE)")?;
    let mut schedule = schedule::schedule(options.quick);
    if let Some(text) = &options.only {
        schedule = schedule.only(text);
    }
    // Each stalled connection takes a socket here, and a socket and an open
    // file in the server; runs that want more hold what fits, and say so.
    let limits = scenarios::Limits {
        stalled_connections: u32::try_from(open_files.saturating_sub(256) / 2).unwrap_or(u32::MAX),
    };
    let needed = u64::from(schedule.max_connections().min(1000)) * 2 + 256;
    if open_files < needed {
        anyhow::bail!(
            "the open-files limit is {open_files}, {needed} are needed; raise it (ulimit -Hn)"
        );
    }

    let mut progress = Progress::new(
        schedule.task_count()
            + usize::from(options.plot.is_some())
            + if options.stall_plot.is_some() {
                stall_curve::servers().len()
            } else {
                0
            },
    );
    progress.note(&format!(
        "creating test files in {}",
        options
            .work_dir
            .as_deref()
            .unwrap_or(&std::env::temp_dir())
            .display()
    ));
    let mut files = schedule.site_files();
    if options.stall_plot.is_some() {
        for file in [
            schedule::file_for(bench_site::GIB, false),
            schedule::file_for(stall_curve::NAIVE_FILE, false),
            schedule::file_for(bench_site::KIB, true),
        ] {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    let site = bench_site::BenchSite::create(options.work_dir.as_deref(), &files)?;
    progress.note("building the Go peer, looking for nginx");
    // Beside the served files, not among them.
    let peer_dir = match options.work_dir.as_deref() {
        Some(parent) => tempfile::tempdir_in(parent),
        None => tempfile::tempdir(),
    }
    .context("creating a directory for the peers")?;
    let peers = peers::Peers::prepare(peer_dir.path());
    for (peer, what) in peers.describe() {
        progress.note(&format!("{peer}: {what}"));
    }

    let rows = scenarios::run(&schedule, &site, &peers, limits, &mut progress).await;
    let turns = match &schedule.turns {
        Some(plan) => Some(turns::measure(&site, &peers, plan, &mut progress).await),
        None => None,
    };
    let timeline = match &options.plot {
        Some(_) => {
            progress.begin("linear memory over time: one slow download, cut at growing times");
            Some(memory_timeline::measure(&site, &schedule.timeline).await)
        }
        None => None,
    };

    let stall_curves = match &options.stall_plot {
        Some(_) => Some(
            stall_curve::measure(&site, &peers, limits.stalled_connections, &mut progress).await,
        ),
        None => None,
    };

    let report =
        bench_report::BenchReport::new(&schedule, rows, turns, open_files, peers.describe());
    print!("{}", markdown::markdown(&report));
    if let Some(path) = &options.json {
        let json = json::to_json(&report, timeline.as_ref().and_then(|t| t.as_ref().ok()));
        std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let mut ok = report.all_ok();
    if let (Some(path), Some(timeline)) = (&options.plot, timeline) {
        match timeline {
            Ok(timeline) => {
                plot::draw(path, &timeline)
                    .with_context(|| format!("drawing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            Err(error) => {
                eprintln!("plot: measuring linear memory over time failed: {error:#}");
                ok = false;
            }
        }
    }
    if let (Some(path), Some(curves)) = (&options.stall_plot, &stall_curves) {
        stall_plot::draw(path, curves).with_context(|| format!("drawing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    progress.note("done");
    Ok(ok)
}
