//! `host-test bench`: one command that measures the fileserver component,
//! both its WASI 0.2 (p2) and 0.3 (p3) builds, under `host-test serve` beside a native hyper + tokio baseline, on the same
//! machine in the same run, and prints a markdown table (`--json` for
//! machines, `--plot` for linear memory over time).
//!
//! Every server under test runs in its own child process (this binary
//! re-executed as `host-test serve ...` or `host-test native-serve ...`), and
//! the clients run here, so the server's RSS is the server's alone. Peak
//! linear memory comes from the per-request lines `host-test serve` logs on
//! stderr (its ResourceLimiter's peak).
//!
//! - `plan`: which servers run which tasks (the full run and `--quick`)
//! - `scenarios`: how each task is measured
//! - `memory_timeline`: the measurement behind `--plot`; `plot` draws it
//! - `clients`, `server_process`, `request_log`, `process_memory`,
//!   `native_baseline`, `site`: the parts they use
//! - `results`, `report_table`, `side_by_side`: the figures and how they are
//!   printed (`side_by_side`: the p2/p3 comparison)

mod clients;
mod memory_timeline;
mod native_baseline;
mod open_files_limit;
mod options;
mod plan;
mod plot;
mod process_memory;
mod progress;
mod report_table;
mod request_log;
mod results;
mod scenarios;
mod server_process;
mod side_by_side;
mod site;

use std::process::ExitCode;

use anyhow::Context as _;

use self::options::BenchOptions;
use self::progress::Progress;

/// Runs `bench`, or the hidden `native-serve` (the baseline's server
/// process), when `args` (without the program name) name one of them;
/// `None` for every other command.
pub fn dispatch(args: impl Iterator<Item = String>) -> Option<ExitCode> {
    let args: Vec<String> = args.collect();
    match args.first().map(String::as_str) {
        Some("bench") => Some(run_bench(&args[1..])),
        Some("native-serve") => Some(native_baseline::main(&args[1..])),
        _ => None,
    }
}

fn run_bench(args: &[String]) -> ExitCode {
    let options = match options::parse(args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match crate::async_runtime() {
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
    let mut plan = plan::plan(options.quick);
    if let Some(text) = &options.only {
        plan = plan.only(text);
    }
    let needed = plan.max_connections() as u64 * 2 + 256;
    if open_files < needed {
        anyhow::bail!(
            "the open-files limit is {open_files}, {needed} are needed; raise it (ulimit -Hn)"
        );
    }

    let mut progress = Progress::new(plan.task_count() + usize::from(options.plot.is_some()));
    progress.note(&format!(
        "creating test files in {}",
        options
            .work_dir
            .as_deref()
            .unwrap_or(&std::env::temp_dir())
            .display()
    ));
    let site = site::Site::create(options.work_dir.as_deref(), &plan.site_files())?;

    let rows = scenarios::run(&plan, &site, &mut progress).await;
    let timeline = match &options.plot {
        Some(_) => {
            progress.begin("linear memory over time: one slow download, cut at growing times");
            Some(memory_timeline::measure(&site, &plan.timeline).await)
        }
        None => None,
    };

    let report = report_table::Report::new(&plan, rows, open_files);
    print!("{}", report.markdown());
    if let Some(path) = &options.json {
        let json = results::to_json(&report, timeline.as_ref().and_then(|t| t.as_ref().ok()));
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
    progress.note("done");
    Ok(ok)
}
