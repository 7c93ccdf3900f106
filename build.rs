//! Sets the component's wasm stack size: for this crate, the WASI 0.3 build
//! (`p3/`) and the naive fixture, which name this file as their `build`
//! script, so that all three run with the same stack.
//!
//! Done here rather than in `.cargo/config.toml`: config rustflags are ignored
//! whenever RUSTFLAGS or CARGO_ENCODED_RUSTFLAGS is set, as in the nested cargo
//! call that builds the component for the host. Rust's default 1 MiB stack
//! alone is 17 pages of linear memory; this server needs a few KiB (the
//! margin measured is in docs/design.md), and every KiB of stack is a KiB
//! less heap in the first page.

const STACK_SIZE: u32 = 9 * 1024;

fn main() {
    // Not `rerun-if-changed=build.rs`: the path would be relative to each
    // package using this script. Cargo reruns a build script whose source
    // changed anyway; this line only stops reruns on every source change.
    println!("cargo:rerun-if-env-changed=TARGET");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size={STACK_SIZE}");
    }
}
