#![no_main]
//! Rule files (`_redirects`, `_headers`) of any content, read in chunks of
//! any size, against any request target: no panic; a scan that skips the
//! rules that cannot match finds what a scan of every line finds; a
//! relative redirect target never becomes `//host`; the header changes stay
//! within their bounds and never touch a header the server owns.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasi_fileserver_core::rules::headers::{HeaderOp, FORBIDDEN, MAX_OPS};
use wasi_fileserver_core::rules::lines::Flow;
use wasi_fileserver_core::rules::scan::{rule_request, FileScan, RuleFile, ScanResult};
use wasi_fileserver_core::rules::headers::Scrutiny;

#[derive(Arbitrary, Debug)]
struct Input {
    redirects: bool,
    file: Vec<u8>,
    chunk: u8,
    target: String,
    size_seen: u64,
}

fuzz_target!(|input: Input| {
    let Some((path, query)) = rule_request(&input.target) else {
        return;
    };
    let (kind, name) = if input.redirects {
        (RuleFile::Redirects, "_redirects")
    } else {
        (RuleFile::Headers, "_headers")
    };
    let _ = input.size_seen;
    let chunk = usize::from(input.chunk).max(1);
    let scan = |scrutiny| {
        let mut scan = FileScan::new(kind, &path, query.as_deref(), scrutiny);
        for piece in input.file.chunks(chunk) {
            if scan.feed(name, piece) == Flow::Stop {
                break;
            }
        }
        scan.finish(name)
    };
    let found = scan(Scrutiny::ApplicableOnly);
    assert_eq!(found, scan(Scrutiny::EveryLine), "{path}");
    match found {
        ScanResult::Redirect(Some(found)) => {
            if found.target.starts_with('/') {
                assert!(!found.target.starts_with("//"), "{found:?}");
                assert!(!found.target.starts_with("/\\"), "{found:?}");
            }
        }
        ScanResult::Redirect(None) => {}
        ScanResult::Headers(ops) => {
            assert!(ops.len() <= MAX_OPS);
            for op in ops {
                let name = match &op {
                    HeaderOp::Remove(name) | HeaderOp::Add { name, .. } => name,
                };
                assert!(!FORBIDDEN.contains(&name.as_str()), "{op:?}");
                if let HeaderOp::Add { value, .. } = &op {
                    assert!(!value.contains(['\r', '\n', '\0']), "{op:?}");
                }
            }
        }
    }
});
