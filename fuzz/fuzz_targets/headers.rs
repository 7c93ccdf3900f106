#![no_main]
//! Conditional headers and Accept-Encoding: any input gets an answer.

use libfuzzer_sys::fuzz_target;
use wasi_fileserver_core::request::accept_encoding::{choose, quality};
use wasi_fileserver_core::request::conditional::{check_if_range, evaluate, Preconditions, Validators};

fuzz_target!(|input: (&str, &str, &str, &str, &str, &str)| {
    let (a, b, c, d, e, accept) = input;
    let pre = Preconditions {
        if_match: Some(a.to_string()),
        if_unmodified_since: Some(b.to_string()),
        if_none_match: Some(c.to_string()),
        if_modified_since: Some(d.to_string()),
        if_range: Some(e.to_string()),
    };
    let validators = Validators { etag: "\"1-2.3\"", last_modified: Some(std::time::SystemTime::UNIX_EPOCH) };
    let _ = evaluate(&pre, validators);
    let _ = check_if_range(pre.if_range.as_deref(), validators);
    if let Some(chosen) = choose(Some(accept), |_| true) {
        assert!(quality(accept, chosen) > 0);
    }
});
