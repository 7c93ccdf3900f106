//! `host-test bench` flags.

use std::path::PathBuf;

use anyhow::{bail, Context as _};

pub const USAGE: &str = "\
usage: host-test bench [--quick] [--json FILE] [--plot FILE.svg] [--work-dir DIR] [--only TEXT]

Measures the fileserver component under `host-test serve` (chunked and splice
modes, each in its WASI 0.2 build (p2) and its 0.3 build (p3), and the naive
fixture, p2 only) beside a native hyper + tokio server, each in its own child
process, and prints markdown tables on stdout (p2 and p3 side by side, then
every row).

  --quick          a subset that runs in under a minute (the test suite's smoke test)
  --json FILE      also write every figure as JSON
  --plot FILE.svg  also measure and draw linear memory over time during one
                   slow download (naive vs chunked vs splice, p2 and p3)
  --work-dir DIR   where to create the test files (default: the system temp dir;
                   a full run writes about 1.1 GiB)
  --only TEXT      run only the tasks whose progress line contains TEXT
                   (e.g. \"stalled\", \"p3\", \"splice p2: 1 GiB\")

The full run opens 1,000 stalled connections: it raises its soft open-files
limit to the hard one, which must allow about 2,300 descriptors.";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct BenchOptions {
    pub quick: bool,
    pub json: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    pub work_dir: Option<PathBuf>,
    pub only: Option<String>,
}

/// Parses the arguments after `bench` (`--flag value` or `--flag=value`).
pub fn parse(args: &[String]) -> anyhow::Result<BenchOptions> {
    let mut options = BenchOptions::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> anyhow::Result<String> {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match name {
            "-h" | "--help" => bail!("{USAGE}"),
            "--quick" if inline.is_none() => options.quick = true,
            "--json" => options.json = Some(value()?.into()),
            "--plot" => options.plot = Some(value()?.into()),
            "--work-dir" => options.work_dir = Some(value()?.into()),
            "--only" => options.only = Some(value()?),
            _ => bail!("unknown argument `{arg}`\n{USAGE}"),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> anyhow::Result<BenchOptions> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flags() {
        assert_eq!(parse_strs(&[]).unwrap(), BenchOptions::default());
        let options = parse_strs(&[
            "--quick",
            "--json",
            "a.json",
            "--plot=m.svg",
            "--work-dir",
            "/w",
        ])
        .unwrap();
        assert_eq!(
            options,
            BenchOptions {
                quick: true,
                json: Some("a.json".into()),
                plot: Some("m.svg".into()),
                work_dir: Some("/w".into()),
                only: None,
            }
        );
        assert!(parse_strs(&["--json"]).is_err());
        assert!(parse_strs(&["--fast"]).is_err());
        assert!(parse_strs(&["--quick=yes"]).is_err());
    }
}
