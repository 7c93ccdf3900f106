//! host-test's own tests, in one binary so that wasmtime is linked once:
//! `host-test serve` and `host-test bench` as child processes (the load test,
//! the quick bench, rule messages), the manifest tool, and the host's checks
//! against the naive fixture.

mod common;

mod bench_quick;
mod load;
mod manifest_command;
mod naive_fixture;
mod serve_rule_messages;
