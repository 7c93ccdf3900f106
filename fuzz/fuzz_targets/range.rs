#![no_main]
//! Any Range header against any size: an answer, and ranges inside the file.

use libfuzzer_sys::fuzz_target;
use wasi_fileserver_core::request::range::{parse_range, RangeRequest};

fuzz_target!(|input: (&str, u64)| {
    let (header, size) = input;
    if let RangeRequest::Partial(ranges) = parse_range(header, size) {
        for r in ranges {
            assert!(r.len > 0 && r.start.checked_add(r.len).is_some_and(|end| end <= size));
        }
    }
});
