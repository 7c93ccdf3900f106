//! `host-test`: the file server's host. `serve` serves a directory through
//! the component; `bench` measures it beside real peers; `manifest` writes
//! the content manifest the component reads. Only the command line lives
//! here (clap); the server is the library (`host-test-core`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod cli_values;
mod manifest_command;
mod serve_command;

#[derive(Parser)]
#[command(
    name = "host-test",
    version,
    about = "Serves and measures the wasi-fileserver component under wasmtime 48"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Serve(serve_command::ServeArgs),
    Bench(bench::BenchOptions),
    Manifest(manifest_command::ManifestArgs),
    /// The bench's native baseline server process.
    #[command(hide = true)]
    NativeServe(bench::NativeServeArgs),
}

/// The tokio runtime `bench` and `native-serve` run on; a failure to start
/// it is reported once, here.
fn async_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|error| {
        eprintln!("error: starting the async runtime: {error}");
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve(args),
        Command::Bench(options) => bench::run_bench(options),
        Command::NativeServe(args) => bench::run_native_serve(args),
        Command::Manifest(args) => match manifest_command::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn serve(args: serve_command::ServeArgs) -> ExitCode {
    let runtime = match async_runtime() {
        Ok(runtime) => runtime,
        Err(exit) => return exit,
    };
    let result = runtime.block_on(async {
        let (config, addr) = tokio::task::spawn_blocking(move || args.config()).await??;
        let dir = config.dir.clone();
        let running = host_test::bind(config, addr).await?;
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
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
