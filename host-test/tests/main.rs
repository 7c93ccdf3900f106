//! host-test's own tests, in one binary so that wasmtime is linked once:
//! `host-test serve` as a child process (the load test, rule messages, host
//! calls per request, log formats, metrics), the manifest tool, and the host's checks against the
//! naive fixture.

mod common;

mod host_calls;
mod load;
mod manifest_command;
mod naive_fixture;
mod serve_log_formats;
mod serve_metrics;
mod serve_rule_messages;
