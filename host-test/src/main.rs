//! `host-test`: the file server's host. `serve` serves a directory through
//! the component; `manifest` writes the content manifest the component reads.
//! Only the command line lives here (clap); the server is the library
//! (`host-test-core`), and the benchmark a crate of its own (`bench/`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod manifest_command;

use host_test::serve_command;

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
    Manifest(manifest_command::ManifestArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve_command::run(args),
        Command::Manifest(args) => match manifest_command::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}
