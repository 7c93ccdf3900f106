//! `host-test serve`: serves the fileserver component over HTTP/1.1 with a
//! fresh instance per request (or reused ones with `--reuse N`). Only
//! argument parsing lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use host_test::ServerConfig;

const USAGE: &str = "\
usage: host-test serve [--dir DIR] [--addr HOST:PORT] [--env KEY=VALUE]...
                       [--component PATH] [--max-memory BYTES] [--reuse N]

  --dir DIR            directory to serve, preopened read-only at / (default ./public)
  --addr HOST:PORT     address to listen on (default 127.0.0.1:8080)
  --env KEY=VALUE      environment variable for the component (repeatable)
  --component PATH     component to run (default: the fileserver built with this binary)
  --max-memory BYTES   refuse linear-memory growth beyond BYTES
  --reuse N            let one instance serve up to N requests in turn
                       (default: a fresh instance per request)";

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
    let mut config = ServerConfig::new("./public");
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
                let bytes = text
                    .parse()
                    .with_context(|| format!("--max-memory: `{text}` is not a byte count"))?;
                config.max_memory = Some(bytes);
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
            _ => bail!("unknown argument `{flag}`\n{USAGE}"),
        }
    }
    Ok(ServeArgs { config, addr })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the async runtime: {error}");
            return ExitCode::FAILURE;
        }
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
    }
}
