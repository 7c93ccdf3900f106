//! Builds the components under test (the file server's three builds and the
//! naive fixture) for wasm32-wasip2, so that `cargo test` / `cargo run -p
//! host-test` always run against components built from the current sources.
//!
//! They are built by one nested cargo into their own target directory: a
//! second cargo cannot share the outer build's directory (it holds the
//! lock), and the outer build's flags are meant for the host, not for wasm.
//! Each build is a package of its own without features, so one call builds
//! them all, as a user's `cargo build --target wasm32-wasip2 -p NAME` does.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

/// (package, artifact file stem, env var that carries its path to the library)
const COMPONENTS: &[(&str, &str, &str)] = &[
    (
        "wasi-fileserver",
        "wasi_fileserver",
        "WASI_FILESERVER_COMPONENT",
    ),
    (
        "wasi-fileserver-p3",
        "wasi_fileserver_p3",
        "WASI_FILESERVER_P3_COMPONENT",
    ),
    (
        "wasi-fileserver-p3-rc",
        "wasi_fileserver_p3_rc",
        "WASI_FILESERVER_P3_RC_COMPONENT",
    ),
    (
        "naive-fileserver",
        "naive_fileserver",
        "NAIVE_FILESERVER_COMPONENT",
    ),
];

/// Inputs of the components, relative to the workspace root.
const WATCHED: &[&str] = &[
    "src",
    "wit",
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
    "fixtures/naive",
    "p2",
    "p3",
    "p3-rc",
    ".cargo/config.toml",
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .expect("host-test lives inside the workspace")
        .to_path_buf();
    let target_dir = workspace.join("target").join("wasm-components");

    for rel in WATCHED {
        let path = workspace.join(rel);
        // A missing path would make cargo rerun this script on every build.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }

    require_wasm_target();
    build(&workspace, &target_dir);
}

fn build(workspace: &Path, target_dir: &Path) {
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.arg("build")
        .arg("--release")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    for (package, _, _) in COMPONENTS {
        cmd.arg("-p").arg(package);
    }
    scrub_outer_build_env(&mut cmd);

    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("failed to run {cmd:?}: {e}"));
    if !output.status.success() {
        panic!(
            "building the wasm components failed ({}):\n{cmd:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let artifacts = target_dir.join(TARGET).join("release");
    for (package, stem, var) in COMPONENTS {
        let wasm = artifacts.join(format!("{stem}.wasm"));
        assert!(
            wasm.is_file(),
            "cargo built {package} but {} is missing (is it a cdylib?)",
            wasm.display()
        );
        watch_dep_info(&artifacts.join(format!("{stem}.d")), workspace);
        println!("cargo:rustc-env={var}={}", wasm.display());
    }
}

/// Makes sure rustc has the standard library for wasm32-wasip2. A fresh rustup
/// install has only the host's: the target is added here through rustup (as
/// `rustup target add` would be by hand), with a cargo warning saying so.
/// Without rustup, or when rustup fails, the build stops with what to install
/// (otherwise rustc's "can't find crate for `core`" is all one sees).
fn require_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Some(sysroot) = sysroot(&rustc) else {
        return; // rustc itself is broken: its own error follows.
    };
    if has_target(&sysroot) {
        return;
    }
    // rustup's proxies set RUSTUP_TOOLCHAIN for the cargo they run, so this
    // adds the target to the very toolchain that builds, whatever the default.
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status();
    match added {
        Ok(status) if status.success() && has_target(&sysroot) => {
            println!(
                "cargo:warning=this build added the {TARGET} target to {} \
                 (`rustup target add {TARGET}`): the components are built for it",
                sysroot.display()
            );
        }
        Ok(status) => panic!(
            "the {TARGET} target is not installed for {}, and `rustup target add {TARGET}` \
             failed ({status}); run it by hand and build again",
            sysroot.display()
        ),
        Err(_) => panic!(
            "the {TARGET} target is not installed for {} and there is no rustup to add it. \
             The components need rustc's standard library for {TARGET}: install Rust with \
             rustup (https://rustup.rs), then run `rustup target add {TARGET}`; a \
             distribution's rustc package does not ship it",
            sysroot.display()
        ),
    }
}

fn sysroot(rustc: &std::ffi::OsStr) -> Option<PathBuf> {
    Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
}

fn has_target(sysroot: &Path) -> bool {
    sysroot
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib")
        .is_dir()
}

/// Removes what cargo hands a build script about the *outer* build, which would
/// otherwise leak into the nested wasm build: host rustflags (they also make
/// cargo ignore `.cargo/config.toml` rustflags), target selection, the
/// workspace wrapper (`cargo clippy` sets it to clippy-driver: the components
/// are to be compiled here, not linted), and the host's cfg/feature values
/// that nested build scripts would misread.
fn scrub_outer_build_env(cmd: &mut Command) {
    for var in [
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("CARGO_CFG_") || key.starts_with("CARGO_FEATURE_") {
            cmd.env_remove(key);
        }
    }
}

/// Reruns this script when any workspace file a component was built from
/// changes (cargo's dep-info lists them), e.g. a file added under `src/`.
fn watch_dep_info(dep_file: &Path, workspace: &Path) {
    let Ok(contents) = std::fs::read_to_string(dep_file) else {
        return;
    };
    for line in contents.lines() {
        let Some((_, deps)) = line.split_once(": ") else {
            continue;
        };
        // Paths are space separated; a space inside a path is escaped as "\ ".
        let mut current = String::new();
        let mut parts = deps.split(' ').peekable();
        while let Some(part) = parts.next() {
            if let Some(stripped) = part.strip_suffix('\\') {
                current.push_str(stripped);
                current.push(' ');
                if parts.peek().is_some() {
                    continue;
                }
            } else {
                current.push_str(part);
            }
            let path = Path::new(current.trim());
            if !current.trim().is_empty() && path.starts_with(workspace) && path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            current.clear();
        }
    }
}
