//! What the process-level tests of `host-test` share.

#![allow(dead_code)]

pub mod server_process;
