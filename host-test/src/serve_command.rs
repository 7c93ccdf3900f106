//! `host-test serve`: its flags, their defaults, and the `ServerConfig` they
//! make. Every flag can also come from an environment variable (named in
//! `--help`); a flag on the command line wins.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::host_calls::HostCalls;
use crate::{handler_kind, HandlerKind, LogFormat, ServerConfig};
use anyhow::Context as _;
use clap::Args;

use crate::cli_values::{key_value, limit, size, Limit};

/// Serve a directory through the file server component over HTTP/1.1.
///
/// By default it runs the WASI 0.3 build in shared instances: up to 64
/// requests at once per instance, 1,000 per instance in all, one set of
/// instances per thread. A whole file is handed to the host as the file's own
/// stream, and the host's write timeout cuts clients that stop reading
/// (the component's `STALL_TIMEOUT=host`). One log line per request on
/// stderr (`--log-format`); Prometheus metrics with `--metrics`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Directory to serve, preopened read-only at `/`.
    #[arg(long, env = "HOST_TEST_DIR", default_value = "./public")]
    dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "HOST_TEST_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A setting for the component (repeatable), e.g. `--env CACHE_CONTROL=no-cache`.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = key_value)]
    env: Vec<(String, String)>,
    /// The component to run [default: the WASI 0.3 build, built with this binary].
    #[arg(long, env = "HOST_TEST_COMPONENT")]
    component: Option<PathBuf>,
    /// Requests one instance serves in all before it retires (1: a fresh
    /// instance per request).
    #[arg(long, env = "HOST_TEST_REUSE", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    reuse: u32,
    /// Requests a WASIp3 instance runs at once [default: 64 for a WASIp3
    /// component; WASIp2 instances run one at a time].
    #[arg(long, env = "HOST_TEST_CONCURRENT_REUSE", value_parser = clap::value_parser!(u32).range(1..))]
    concurrent_reuse: Option<u32>,
    /// Threads that serve connections, each with its own runtime and
    /// instances [default: the number of CPUs].
    #[arg(long, env = "HOST_TEST_THREADS", value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// Linear-memory cap per instance (0: none); growth beyond it fails.
    #[arg(long, env = "HOST_TEST_MAX_MEMORY", default_value = "256MiB", value_parser = size)]
    max_memory: usize,
    /// Time a request may run before its instance is dropped (0: none).
    #[arg(long, env = "HOST_TEST_REQUEST_TIMEOUT", default_value = "1h", value_parser = limit)]
    request_timeout: Limit,
    /// Requests in flight at once, over all threads; more get 503.
    #[arg(long, env = "HOST_TEST_MAX_CONCURRENT", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    max_concurrent: u32,
    /// Time a client has to send a whole request head (0: none).
    #[arg(long, env = "HOST_TEST_HEADER_TIMEOUT", default_value = "10s", value_parser = limit)]
    header_timeout: Limit,
    /// A client that takes no bytes for this long while a response waits
    /// for it loses the connection (0: none; the component's own
    /// STALL_TIMEOUT then applies).
    #[arg(long, env = "HOST_TEST_WRITE_TIMEOUT", default_value = "30s", value_parser = limit)]
    write_timeout: Limit,
    /// Largest request head passed to the component; larger ones get 431.
    #[arg(long, env = "HOST_TEST_MAX_REQUEST_HEAD", default_value = "16KiB", value_parser = size)]
    max_request_head: usize,
    /// Largest read of a file the host sends itself (a WASI 0.3 whole-file
    /// body), once its client has taken 4 MiB; before that 4 KiB.
    #[arg(long, env = "HOST_TEST_HOST_READ", default_value = "64KiB", value_parser = size)]
    host_read: usize,
    /// Count each instance's calls into the host, and log the count so far
    /// with each request (`host_calls=N`).
    #[arg(long, env = "HOST_TEST_COUNT_HOST_CALLS")]
    count_host_calls: bool,
    /// The access log's lines on stderr: `plain` (method, target, status,
    /// body bytes, the instance's peak linear memory, how the body ended,
    /// times), `combined` (Apache/nginx) or `json` (one object per line).
    #[arg(long, env = "HOST_TEST_LOG_FORMAT", value_enum, default_value_t = LogFormat::Plain)]
    log_format: LogFormat,
    /// Answer `GET /metrics` (Prometheus text) on this address, a listener
    /// of its own [default: no metrics].
    #[arg(long, env = "HOST_TEST_METRICS", value_name = "ADDR")]
    metrics: Option<SocketAddr>,
}

/// Requests a WASIp3 instance runs at once unless told otherwise.
pub const DEFAULT_CONCURRENT_REUSE: u32 = 64;

impl ServeArgs {
    /// The server's configuration and address. Compiles the component (it
    /// is cached for the server) to know which defaults apply.
    pub fn config(self) -> anyhow::Result<(ServerConfig, SocketAddr)> {
        let component = self
            .component
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::P3_COMPONENT));
        let mut config = ServerConfig::new(&self.dir)
            .component(&component)
            .reuse(self.reuse)
            .max_concurrent_requests(self.max_concurrent as usize)
            .max_request_head(Some(self.max_request_head))
            .host_read(self.host_read.max(1))
            .log_format(self.log_format)
            .threads(self.threads.map_or_else(default_threads, |n| n as usize));
        config.max_memory = (self.max_memory > 0).then_some(self.max_memory);
        config.request_timeout = self.request_timeout.0;
        config.header_read_timeout = self.header_timeout.0;
        config.write_timeout = self.write_timeout.0;
        config.host_calls = if self.count_host_calls {
            HostCalls::Counted
        } else {
            HostCalls::Uncounted
        };
        config.metrics = self.metrics;
        let kind =
            handler_kind(&config).with_context(|| format!("loading {}", component.display()))?;
        config.concurrent_reuse = match kind {
            HandlerKind::P3 => Some(self.concurrent_reuse.unwrap_or(DEFAULT_CONCURRENT_REUSE)),
            // Server::new refuses it for a WASIp2 component, with the reason.
            HandlerKind::P2 => self.concurrent_reuse,
        };
        // With a host write timeout the component leaves stalls to the host,
        // and the WASI 0.3 build hands whole files over as their own stream.
        if config.write_timeout.is_some() {
            config = config.env("STALL_TIMEOUT", "host");
            if kind == HandlerKind::P3 {
                config = config.env("TRANSFER", "splice");
            }
        }
        // The user's settings last: they win.
        for (key, value) in self.env {
            config = config.env(key, value);
        }
        Ok((config, self.addr))
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `host-test serve`: serves until Ctrl-C (a second one quits at once).
pub fn run(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let (config, addr) = tokio::task::spawn_blocking(move || args.config()).await??;
        let dir = config.dir.clone();
        let running = crate::bind(config, addr).await?;
        println!(
            "serving {} on http://{}/",
            dir.display(),
            running.local_addr
        );
        if let Some(addr) = running.metrics_addr {
            println!("metrics on http://{addr}/metrics");
        }
        running
            .run_until(async {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("stopping: finishing in-flight requests (Ctrl-C again to quit now)");
                tokio::spawn(async {
                    let _ = tokio::signal::ctrl_c().await;
                    std::process::exit(130);
                });
            })
            .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::time::Duration;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> anyhow::Result<(ServerConfig, SocketAddr)> {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec!["serve", "--dir", dir.path().to_str().unwrap()];
        all.extend_from_slice(args);
        Cli::try_parse_from(all)?.serve.config()
    }

    fn env<'a>(config: &'a ServerConfig, key: &str) -> Option<&'a str> {
        config
            .env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_default_runs_the_wasip3_build_shared_with_the_host_cutting_stalls() {
        let (config, addr) = parse(&[]).unwrap();
        assert_eq!(addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.component, PathBuf::from(crate::P3_COMPONENT));
        assert_eq!(config.reuse, Some(1000));
        assert_eq!(config.concurrent_reuse, Some(DEFAULT_CONCURRENT_REUSE));
        assert_eq!(config.write_timeout, Some(Duration::from_secs(30)));
        assert_eq!(env(&config, "STALL_TIMEOUT"), Some("host"));
        assert_eq!(env(&config, "TRANSFER"), Some("splice"));
        assert_eq!(config.max_memory, Some(256 << 20));
        assert_eq!(config.request_timeout, Some(Duration::from_secs(3600)));
        assert_eq!(config.header_read_timeout, Some(Duration::from_secs(10)));
        assert_eq!(config.max_concurrent_requests, Some(10_000));
        assert_eq!(config.max_request_head, Some(16 * 1024));
        assert_eq!(config.host_read, 64 * 1024);
        assert_eq!(config.host_calls, HostCalls::Uncounted);
        assert!(config.threads >= 1);
        assert_eq!(config.log_format, LogFormat::Plain);
        assert_eq!(config.metrics, None);
    }

    #[test]
    fn a_wasip2_component_keeps_its_own_defaults_and_user_settings_win() {
        let (config, _) = parse(&[
            "--component",
            crate::FILESERVER_COMPONENT,
            "--env",
            "STALL_TIMEOUT=5s",
            "--reuse",
            "1",
        ])
        .unwrap();
        assert_eq!(config.concurrent_reuse, None);
        assert_eq!(config.reuse, Some(1));
        assert_eq!(env(&config, "STALL_TIMEOUT"), Some("5s"));
        assert_eq!(env(&config, "TRANSFER"), None);
        let (config, _) = parse(&["--write-timeout", "0"]).unwrap();
        assert_eq!(config.write_timeout, None);
        assert_eq!(
            env(&config, "STALL_TIMEOUT"),
            None,
            "no host timeout: the component keeps its own"
        );
    }

    #[test]
    fn values_have_units_and_bad_ones_are_refused() {
        let (config, _) = parse(&[
            "--max-memory",
            "0",
            "--request-timeout",
            "0",
            "--header-timeout=500ms",
            "--max-concurrent",
            "7",
            "--host-read",
            "16KiB",
            "--threads",
            "3",
            "--count-host-calls",
            "--log-format",
            "json",
            "--metrics",
            "127.0.0.1:9100",
        ])
        .unwrap();
        assert_eq!(config.max_memory, None);
        assert_eq!(config.request_timeout, None);
        assert_eq!(config.header_read_timeout, Some(Duration::from_millis(500)));
        assert_eq!(config.max_concurrent_requests, Some(7));
        assert_eq!(config.host_read, 16 * 1024);
        assert_eq!(config.threads, 3);
        assert_eq!(config.host_calls, HostCalls::Counted);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.metrics, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(
            parse(&["--log-format", "combined"]).unwrap().0.log_format,
            LogFormat::Combined
        );
        for bad in [
            &["--log-format", "apache"][..],
            &["--metrics", "9100"],
            &["--request-timeout", "soon"],
            &["--max-concurrent", "0"],
            &["--max-memory", "lots"],
            &["--env", "NOEQUALS"],
            &["--reuse", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
