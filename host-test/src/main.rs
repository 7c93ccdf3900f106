//! `host-test serve`: serves the fileserver component over HTTP/1.1 with a
//! fresh instance per request (or reused ones with `--reuse N`, several at
//! once in a WASIp3 instance with `--concurrent-reuse N`). Only
//! argument parsing lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use host_test::ServerConfig;

mod bench;

const USAGE: &str = "\
usage: host-test serve [--dir DIR] [--addr HOST:PORT] [--env KEY=VALUE]...
                       [--component PATH] [--max-memory BYTES] [--reuse N]
                       [--concurrent-reuse N] [--request-timeout T]
                       [--max-concurrent N] [--header-timeout T]

  --dir DIR            directory to serve, preopened read-only at / (default ./public)
  --addr HOST:PORT     address to listen on (default 127.0.0.1:8080)
  --env KEY=VALUE      environment variable for the component (repeatable)
  --component PATH     component to run (default: the fileserver built with this binary)
  --max-memory BYTES   refuse linear-memory growth beyond BYTES (default 268435456;
                       0 = no cap)
  --reuse N            let one instance serve up to N requests in turn
                       (default: a fresh instance per request)
  --concurrent-reuse N let one WASIp3 instance run up to N of those requests at
                       once (needs --reuse; wasmtime serve's default is 16)
  --request-timeout T  drop a request's instance after T (default 1h; 0 = none)
  --max-concurrent N   answer 503 beyond N requests at once (default 1000)
  --header-timeout T   close a connection whose request head takes longer (default 10s)

  T is 30s, 500ms or bare seconds.

       host-test bench [--quick] [--json FILE] [--plot FILE.svg] [--work-dir DIR] [--only TEXT]

  measures the component beside a native baseline (see README \"Benchmark\").";

/// Per-request limits `serve` applies unless told otherwise: generous for a
/// file server (a 1 GiB download at 1 MiB/s takes 17 minutes), but bounded.
const DEFAULT_MAX_MEMORY: usize = 256 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(3600);
const DEFAULT_MAX_CONCURRENT: usize = 1000;
const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// `30s`, `500ms` or bare seconds; `None` for 0.
fn parse_duration(flag: &str, text: &str) -> anyhow::Result<Option<Duration>> {
    let (digits, millis) = match text.strip_suffix("ms") {
        Some(d) => (d, 1),
        None => (text.strip_suffix('s').unwrap_or(text), 1000),
    };
    let n: u64 = digits
        .parse()
        .ok()
        .with_context(|| format!("{flag}: `{text}` is not a duration such as 30s or 500ms"))?;
    Ok((n > 0).then(|| Duration::from_millis(n.saturating_mul(millis))))
}

#[derive(Debug)]
struct ServeArgs {
    config: ServerConfig,
    addr: SocketAddr,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<ServeArgs> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("serve") => {}
        Some("-h" | "--help") => bail!("{USAGE}"),
        Some(other) => bail!("unknown command `{other}`\n{USAGE}"),
        None => bail!("missing command\n{USAGE}"),
    }
    let mut config = ServerConfig::new("./public")
        .max_memory(DEFAULT_MAX_MEMORY)
        .request_timeout(DEFAULT_REQUEST_TIMEOUT)
        .max_concurrent_requests(DEFAULT_MAX_CONCURRENT)
        .header_read_timeout(DEFAULT_HEADER_TIMEOUT);
    let mut addr: SocketAddr = "127.0.0.1:8080".parse().expect("valid default address");
    while let Some(flag) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (flag.clone(), None),
        };
        if name == "-h" || name == "--help" {
            bail!("{USAGE}");
        }
        let mut value = || -> anyhow::Result<String> {
            match inline.clone() {
                Some(value) => Ok(value),
                None => args
                    .next()
                    .with_context(|| format!("{name} needs a value\n{USAGE}")),
            }
        };
        match name.as_str() {
            "--dir" => config.dir = PathBuf::from(value()?),
            "--addr" => {
                let text = value()?;
                addr = text
                    .parse()
                    .with_context(|| format!("--addr: `{text}` is not HOST:PORT"))?;
            }
            "--env" => {
                let text = value()?;
                let (key, val) = text
                    .split_once('=')
                    .with_context(|| format!("--env: `{text}` is not KEY=VALUE"))?;
                config = config.env(key, val);
            }
            "--component" => config.component = PathBuf::from(value()?),
            "--max-memory" => {
                let text = value()?;
                let bytes: usize = text
                    .parse()
                    .with_context(|| format!("--max-memory: `{text}` is not a byte count"))?;
                config.max_memory = (bytes > 0).then_some(bytes);
            }
            "--request-timeout" => config.request_timeout = parse_duration(&name, &value()?)?,
            "--header-timeout" => config.header_read_timeout = parse_duration(&name, &value()?)?,
            "--max-concurrent" => {
                let text = value()?;
                let max: usize =
                    text.parse().ok().filter(|&n| n >= 1).with_context(|| {
                        format!("--max-concurrent: `{text}` is not a count >= 1")
                    })?;
                config.max_concurrent_requests = Some(max);
            }
            "--reuse" => {
                let text = value()?;
                let count = text
                    .parse()
                    .ok()
                    .filter(|&n: &u32| n >= 1)
                    .with_context(|| format!("--reuse: `{text}` is not a request count >= 1"))?;
                config.reuse = Some(count);
            }
            "--concurrent-reuse" => {
                let text = value()?;
                let count = text
                    .parse()
                    .ok()
                    .filter(|&n: &u32| n >= 1)
                    .with_context(|| {
                        format!("--concurrent-reuse: `{text}` is not a request count >= 1")
                    })?;
                config.concurrent_reuse = Some(count);
            }
            _ => bail!("unknown argument `{flag}`\n{USAGE}"),
        }
    }
    Ok(ServeArgs { config, addr })
}

/// The tokio runtime every subcommand runs on; a failure to start it is
/// reported once, here.
fn async_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|error| {
        eprintln!("error: starting the async runtime: {error}");
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    // `bench` and its hidden `native-serve` live in src/bench/.
    if let Some(exit) = bench::dispatch(std::env::args().skip(1)) {
        return exit;
    }
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match crate::async_runtime() {
        Ok(runtime) => runtime,
        Err(exit) => return exit,
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let dir = args.config.dir.clone();
    let running = host_test::bind(args.config, args.addr).await?;
    println!(
        "serving {} on http://{}/",
        dir.display(),
        running.local_addr
    );
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<ServeArgs> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults() {
        let args = parse(&["serve"]).unwrap();
        assert_eq!(args.config.dir, PathBuf::from("./public"));
        assert_eq!(args.addr, "127.0.0.1:8080".parse().unwrap());
    }

    #[test]
    fn limits_have_defaults_and_can_be_lifted() {
        let args = parse(&["serve"]).unwrap();
        assert_eq!(args.config.max_memory, Some(DEFAULT_MAX_MEMORY));
        assert_eq!(args.config.request_timeout, Some(DEFAULT_REQUEST_TIMEOUT));
        assert_eq!(
            args.config.max_concurrent_requests,
            Some(DEFAULT_MAX_CONCURRENT)
        );
        assert_eq!(
            args.config.header_read_timeout,
            Some(DEFAULT_HEADER_TIMEOUT)
        );
        let args = parse(&[
            "serve",
            "--max-memory",
            "0",
            "--request-timeout",
            "0",
            "--header-timeout=500ms",
            "--max-concurrent",
            "7",
        ])
        .unwrap();
        assert_eq!(args.config.max_memory, None);
        assert_eq!(args.config.request_timeout, None);
        assert_eq!(
            args.config.header_read_timeout,
            Some(Duration::from_millis(500))
        );
        assert_eq!(args.config.max_concurrent_requests, Some(7));
        assert_eq!(
            parse(&["serve", "--request-timeout", "90s"])
                .unwrap()
                .config
                .request_timeout,
            Some(Duration::from_secs(90))
        );
        assert!(parse(&["serve", "--request-timeout", "soon"]).is_err());
        assert!(parse(&["serve", "--max-concurrent", "0"]).is_err());
    }

    #[test]
    fn all_flags() {
        let args = parse(&[
            "serve",
            "--dir",
            "/srv",
            "--addr=0.0.0.0:9000",
            "--env",
            "A=1",
            "--env=B=x=y",
            "--component",
            "c.wasm",
            "--max-memory",
            "65536",
            "--reuse",
            "1000",
            "--concurrent-reuse=16",
        ])
        .unwrap();
        assert_eq!(args.config.dir, PathBuf::from("/srv"));
        assert_eq!(args.addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(
            args.config.env,
            vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]
        );
        assert_eq!(args.config.component, PathBuf::from("c.wasm"));
        assert_eq!(args.config.max_memory, Some(65536));
        assert_eq!(args.config.reuse, Some(1000));
        assert_eq!(args.config.concurrent_reuse, Some(16));
    }

    #[test]
    fn errors_are_clear() {
        assert!(parse(&["serve", "--bogus"])
            .unwrap_err()
            .to_string()
            .contains("unknown argument `--bogus`"));
        assert!(parse(&["serve", "--dir"])
            .unwrap_err()
            .to_string()
            .contains("--dir needs a value"));
        assert!(parse(&["run"])
            .unwrap_err()
            .to_string()
            .contains("unknown command"));
        assert!(parse(&["serve", "--env", "X"]).is_err());
        assert!(parse(&["serve", "--reuse", "0"]).is_err());
        assert_eq!(parse(&["serve"]).unwrap().config.reuse, None);
        assert!(parse(&["serve", "--concurrent-reuse", "0"]).is_err());
        assert_eq!(parse(&["serve"]).unwrap().config.concurrent_reuse, None);
    }
}
