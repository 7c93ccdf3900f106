//! `host-test-bench` flags.

use std::path::PathBuf;

use clap::Args;

/// Measure the file server beside nginx, Go's http.FileServer and a native
/// hyper + tokio server, each in its own process, on the same machine in the
/// same run; print markdown tables on stdout.
///
/// The full run opens up to 10,000 stalled connections: it raises its soft
/// open-files limit to the hard one, which must allow about twice that.
#[derive(Debug, Default, PartialEq, Eq, Args)]
pub struct BenchOptions {
    /// A subset that runs in under a minute (the test suite's smoke test).
    #[arg(long)]
    pub quick: bool,
    /// Also write every figure as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also measure and draw linear memory over time during one slow
    /// download (naive vs chunked vs splice, p2 and p3).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Also draw the server's memory against the number of stalled clients
    /// (0 to 10,000) for each server.
    #[arg(long, value_name = "FILE.svg")]
    pub stall_plot: Option<PathBuf>,
    /// Where to create the test files (a full run writes about 1.6 GiB).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Run only the tasks whose progress line contains TEXT (e.g.
    /// "stalled", "p3", "nginx").
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,
}
