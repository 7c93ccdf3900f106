//! Sets the component's wasm stack size.
//!
//! Done here rather than in `.cargo/config.toml`: config rustflags are ignored
//! whenever RUSTFLAGS or CARGO_ENCODED_RUSTFLAGS is set, as in the nested cargo
//! call that builds the component for the host. Rust's default 1 MiB stack
//! alone is 17 pages of linear memory; this server needs a few KiB.

const STACK_SIZE: u32 = 16 * 1024;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size={STACK_SIZE}");
    }
}
