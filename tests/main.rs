//! The integration tests of both components, in one binary so that wasmtime
//! is linked once: the real components in host-test's embedded wasmtime,
//! `host-test serve` over TCP, the real `wasmtime serve` (`#[ignore]`d in a
//! plain `cargo test`; `scripts/test` runs them with `--include-ignored`),
//! and the deployment files. Run one topic with `scripts/test -- memory::`.
//! docs/testing.md says what each module proves. `held_frames.rs` is a
//! binary of its own: it reads process-wide counters.

mod common;

mod archives;
mod component_interface;
mod conformance;
mod downloads;
mod file_changes;
mod handed_over_files;
mod hostile;
mod http_semantics;
mod instance_reuse;
mod integrity;
mod memory;
mod never_trap;
mod one_build;
mod over_tcp;
mod p3_concurrency;
mod parser_properties;
mod ranges_and_conditionals;
mod readme;
mod site_rules;
mod slow_clients;
mod spin_manifest;
mod spinkube;
mod wasmtime_serve;
