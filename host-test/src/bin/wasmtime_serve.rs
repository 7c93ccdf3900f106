//! `wasmtime serve`, exactly as wasmtime-cli 48.0.8 ships it, built from the
//! `wasmtime-cli` crate inside this workspace. The end-to-end tests run the
//! components under it when no `wasmtime` 48.0.8 is installed.
//!
//! Usage: `wasmtime-serve serve [wasmtime serve flags] COMPONENT` (the
//! `serve` word keeps the command line of the real CLI), or `--version`.

use clap::Parser as _;
use wasmtime_cli::commands::ServeCommand;

/// The crate version this binary wraps, as `wasmtime --version` prints it.
const WASMTIME_VERSION: &str = "48.0.8";

fn main() -> std::process::ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|arg| arg.to_str()) {
        Some("--version" | "-V") => {
            println!("wasmtime {WASMTIME_VERSION} (wasmtime-cli as a library, in host-test)");
            return std::process::ExitCode::SUCCESS;
        }
        Some("serve") => {
            args.remove(1);
        }
        _ => {}
    }
    match ServeCommand::parse_from(args).execute() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:?}");
            std::process::ExitCode::FAILURE
        }
    }
}
