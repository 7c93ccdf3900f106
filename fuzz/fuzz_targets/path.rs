#![no_main]
//! Any request target: resolved paths never leave the root.

use libfuzzer_sys::fuzz_target;
use wasi_fileserver_core::request::path::{request_target, resolve_path};

fuzz_target!(|input: (&str, Option<&str>)| {
    let (target, spin_path_info) = input;
    if let Ok(path) = resolve_path(&request_target(target, spin_path_info)) {
        for segment in &path.segments {
            assert!(!segment.is_empty() && segment != "." && segment != "..");
            assert!(!segment.contains(['/', '\\', '\0']));
        }
    }
});
