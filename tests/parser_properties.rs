//! Property tests for the parsers that take untrusted header and path text:
//! any input gives an answer (never a panic), and the answers keep the
//! invariants the responses rely on.

use proptest::prelude::*;
use std::time::{Duration, SystemTime};
use wasi_fileserver_core::request::accept_encoding::{choose, quality, Encoding};
use wasi_fileserver_core::request::conditional::{evaluate, Preconditions, Validators};
use wasi_fileserver_core::request::entity_tag::{list_matches, EntityTag};
use wasi_fileserver_core::request::path::resolve_path;
use wasi_fileserver_core::request::range::{parse_range, RangeRequest, MAX_RANGES};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn range_any_input_in_bounds(header in "\\PC{0,64}", size in 0u64..1 << 40) {
        if let RangeRequest::Partial(ranges) = parse_range(&header, size) {
            prop_assert!(!ranges.is_empty() && ranges.len() <= MAX_RANGES);
            for r in ranges {
                prop_assert!(r.len > 0 && r.start + r.len <= size);
            }
        }
    }

    #[test]
    fn range_byte_syntax(header in "bytes=[0-9 ,-]{0,40}", size in 0u64..100_000) {
        let _ = parse_range(&header, size);
    }

    #[test]
    fn satisfiable_ranges_select_the_slice(size in 1u64..1 << 33, a in any::<u64>(), b in any::<u64>()) {
        let start = a % size;
        let end = start + b % (size * 2);
        let ranges = match parse_range(&format!("bytes={start}-{end}"), size) {
            RangeRequest::Partial(r) => r,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(ranges.len(), 1);
        prop_assert_eq!(ranges[0].start, start);
        prop_assert_eq!(ranges[0].last(), end.min(size - 1));
        let suffix = b % (size * 2) + 1;
        let RangeRequest::Partial(s) = parse_range(&format!("bytes=-{suffix}"), size) else { panic!() };
        prop_assert_eq!(s[0].len, suffix.min(size));
        prop_assert_eq!(s[0].start + s[0].len, size);
    }

    #[test]
    fn etag_lists_any_input(list in "\\PC{0,80}", tag in "[!#-~]{0,12}") {
        let current = format!("\"{tag}\"");
        let parsed = EntityTag::parse(&current).unwrap();
        let _ = list_matches(&list, &parsed, true);
        let _ = list_matches(&list, &parsed, false);
    }

    #[test]
    fn etag_lists_find_their_members(tags in proptest::collection::vec(("[!#-~]{0,8}", any::<bool>()), 1..20), pick in any::<prop::sample::Index>()) {
        let rendered: Vec<String> = tags.iter().map(|(t, weak)| format!("{}\"{t}\"", if *weak { "W/" } else { "" })).collect();
        let list = rendered.join(", ");
        let (t, weak) = &tags[pick.index(tags.len())];
        let strong_current = format!("\"{t}\"");
        let current = EntityTag::parse(&strong_current).unwrap();
        prop_assert_eq!(list_matches(&list, &current, false), Some(true));
        let strong_member = tags.iter().any(|(u, w)| u == t && !w);
        prop_assert_eq!(list_matches(&list, &current, true), Some(strong_member));
        prop_assert!(*weak || strong_member);
    }

    #[test]
    fn http_dates_round_trip_and_never_panic(secs in 0u64..253_402_300_799, junk in "\\PC{0,40}") {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let text = httpdate::fmt_http_date(time);
        prop_assert_eq!(httpdate::parse_http_date(&text).unwrap(), time);
        let etag = "\"1-2.3\"";
        let validators = Validators { etag, last_modified: Some(time) };
        let pre = Preconditions { if_modified_since: Some(junk.clone()), if_unmodified_since: Some(junk.clone()), if_range: Some(junk), ..Preconditions::default() };
        let _ = evaluate(&pre, validators);
        let exact = Preconditions { if_modified_since: Some(text), ..Preconditions::default() };
        prop_assert_eq!(evaluate(&exact, validators), wasi_fileserver_core::request::conditional::Verdict::NotModified);
    }

    #[test]
    fn accept_encoding_any_input(header in "\\PC{0,80}") {
        for e in Encoding::ALL {
            prop_assert!(quality(&header, e) <= 1000);
        }
        if let Some(e) = choose(Some(&header), |_| true) {
            prop_assert!(quality(&header, e) > 0);
        }
    }

    #[test]
    fn accept_encoding_q_values(qb in 0u16..=1000, qg in 0u16..=1000) {
        let header = format!("br;q={}.{:03}, gzip;q={}.{:03}", qb / 1000, qb % 1000, qg / 1000, qg % 1000);
        prop_assert_eq!(quality(&header, Encoding::Brotli), qb);
        prop_assert_eq!(quality(&header, Encoding::Gzip), qg);
        let first = choose(Some(&header), |_| true);
        let want = if qb == 0 && qg == 0 { None } else if qb >= qg { Some(Encoding::Brotli) } else { Some(Encoding::Gzip) };
        prop_assert_eq!(first, want);
    }

    #[test]
    fn resolved_paths_never_leave_the_root(target in "(/|%2[eEfF]|\\.|\\.\\.|%5[cC]|%00|[a-z]|%25){0,24}") {
        if let Ok(path) = resolve_path(&format!("/{target}")) {
            for s in &path.segments {
                prop_assert!(!s.is_empty() && s != "." && s != "..");
                prop_assert!(!s.contains(['/', '\\', '\0']));
            }
        }
    }

    #[test]
    fn paths_any_input(target in "\\PC{0,64}") {
        let _ = resolve_path(&target);
    }
}
