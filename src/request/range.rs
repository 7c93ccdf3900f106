//! `Range: bytes=...` (RFC 9110 section 14.1.2), resolved against a file size.
//!
//! The rules follow Go's `net/http` where the RFC leaves room: a malformed
//! header or another unit is ignored (whole file); ranges starting at or past
//! the end are dropped, and if none is left the answer is 416; wasteful sets
//! (more than `MAX_RANGES`, overlapping, or adding up to more than the file)
//! get the whole file instead of doing unbounded work.

/// The most ranges answered as multipart; more get the whole file.
pub const MAX_RANGES: usize = 16;

/// A satisfiable range: `len` bytes from `start` (`len > 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub len: u64,
}

impl ByteRange {
    /// Last byte position, as Content-Range writes it.
    pub fn last(&self) -> u64 {
        // `len > 0` and the range lies inside a `u64`-sized file.
        self.start.saturating_add(self.len).saturating_sub(1)
    }

    /// The first byte position after the range.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }

    /// `bytes a-b/size`.
    pub(crate) fn content_range(&self, size: u64) -> String {
        format!("bytes {}-{}/{}", self.start, self.last(), size)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// Serve the whole file with 200.
    Whole,
    /// Serve these ranges with 206 (sorted as the client asked).
    Partial(Vec<ByteRange>),
    /// 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
}

/// Resolves a Range header value against a representation of `size` bytes.
pub fn parse_range(header: &str, size: u64) -> RangeRequest {
    let Some(spec) = strip_unit(header.trim()) else {
        return RangeRequest::Whole;
    };
    let mut ranges = Vec::new();
    let mut elements = 0usize;
    for element in spec.split(',') {
        let element = element.trim_matches([' ', '\t']);
        if element.is_empty() {
            continue; // the list syntax allows empty elements
        }
        elements = elements.saturating_add(1);
        if elements > MAX_RANGES {
            return RangeRequest::Whole;
        }
        match parse_element(element, size) {
            Element::Invalid => return RangeRequest::Whole,
            Element::Unsatisfiable => {}
            Element::Range(r) => ranges.push(r),
        }
    }
    if elements == 0 {
        return RangeRequest::Whole;
    }
    if ranges.is_empty() {
        // An empty file has nothing to select; answer it whole, as Go does.
        return if size == 0 {
            RangeRequest::Whole
        } else {
            RangeRequest::Unsatisfiable
        };
    }
    if ranges.len() > 1 && is_wasteful(&ranges, size) {
        return RangeRequest::Whole;
    }
    RangeRequest::Partial(ranges)
}

fn strip_unit(value: &str) -> Option<&str> {
    let (unit, spec) = value.split_once('=')?;
    unit.trim().eq_ignore_ascii_case("bytes").then_some(spec)
}

enum Element {
    Range(ByteRange),
    Unsatisfiable,
    Invalid,
}

fn parse_element(element: &str, size: u64) -> Element {
    let Some((first, last)) = element.split_once('-') else {
        return Element::Invalid;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // Suffix: the last N bytes.
        let Some(n) = parse_digits(last) else {
            return Element::Invalid;
        };
        if n == 0 || size == 0 {
            return Element::Unsatisfiable;
        }
        let len = n.min(size);
        return Element::Range(ByteRange {
            start: size.saturating_sub(len),
            len,
        });
    }
    let Some(start) = parse_digits(first) else {
        return Element::Invalid;
    };
    let end = if last.is_empty() {
        None
    } else {
        match parse_digits(last) {
            Some(end) if end >= start => Some(end),
            _ => return Element::Invalid,
        }
    };
    // `start < size`, so `size - 1` and `last - start + 1` cannot overflow.
    let Some(file_last) = size.checked_sub(1).filter(|&last| start <= last) else {
        return Element::Unsatisfiable;
    };
    let last = end.map_or(file_last, |e| e.min(file_last));
    Element::Range(ByteRange {
        start,
        len: last.saturating_sub(start).saturating_add(1),
    })
}

/// Plain digits only (no sign, no spaces), without overflow.
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Overlapping ranges, or more bytes than the file: a client wasting our
/// bandwidth (or probing) gets the file once instead.
fn is_wasteful(ranges: &[ByteRange], size: u64) -> bool {
    let total = ranges
        .iter()
        .try_fold(0u64, |sum, r| sum.checked_add(r.len));
    if total.is_none_or(|t| t > size) {
        return true;
    }
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    sorted
        .iter()
        .zip(sorted.iter().skip(1))
        .any(|(first, next)| first.end() > next.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, len: u64) -> ByteRange {
        ByteRange { start, len }
    }

    fn partial(header: &str, size: u64) -> Vec<ByteRange> {
        match parse_range(header, size) {
            RangeRequest::Partial(ranges) => ranges,
            other => panic!("{header}: expected ranges, got {other:?}"),
        }
    }

    #[test]
    fn single_ranges() {
        assert_eq!(partial("bytes=0-9", 100), [r(0, 10)]);
        assert_eq!(partial("bytes=90-", 100), [r(90, 10)]);
        assert_eq!(partial("bytes=-10", 100), [r(90, 10)]);
        assert_eq!(partial("bytes=-1000", 100), [r(0, 100)]);
        assert_eq!(partial("bytes=95-1000", 100), [r(95, 5)]);
        assert_eq!(partial("Bytes = 1-1", 100), [r(1, 1)]);
        assert_eq!(partial("bytes=0-0", 1), [r(0, 1)]);
        let five_gib = 5u64 << 30;
        assert_eq!(partial("bytes=-1", five_gib), [r(five_gib - 1, 1)]);
        assert_eq!(
            r(five_gib - 1, 1).content_range(five_gib),
            "bytes 5368709119-5368709119/5368709120"
        );
    }

    #[test]
    fn multiple_ranges_keep_request_order() {
        assert_eq!(partial("bytes=50-59, 0-9", 100), [r(50, 10), r(0, 10)]);
        assert_eq!(partial("bytes=0-9,,20-29,", 100), [r(0, 10), r(20, 10)]);
        // Unsatisfiable members are dropped when others remain.
        assert_eq!(partial("bytes=0-9,200-300", 100), [r(0, 10)]);
    }

    #[test]
    fn unsatisfiable() {
        assert_eq!(parse_range("bytes=100-", 100), RangeRequest::Unsatisfiable);
        assert_eq!(
            parse_range("bytes=100-200,300-", 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(parse_range("bytes=-0", 100), RangeRequest::Unsatisfiable);
        assert_eq!(
            parse_range("bytes=0-", 0),
            RangeRequest::Whole,
            "an empty file is served whole"
        );
    }

    #[test]
    fn malformed_or_other_units_are_ignored() {
        for header in [
            "",
            "bytes",
            "bytes=",
            "bytes=,",
            "items=0-1",
            "bytes=a-b",
            "bytes=5-1",
            "bytes=-",
            "bytes=--1",
            "bytes=1",
            "bytes=+1-2",
            "bytes=0-1,x",
            "bytes=1 2-3",
            "bytes=99999999999999999999-",
        ] {
            assert_eq!(parse_range(header, 100), RangeRequest::Whole, "{header:?}");
        }
    }

    #[test]
    fn wasteful_requests_get_the_whole_file() {
        assert_eq!(
            parse_range("bytes=0-50,40-60", 100),
            RangeRequest::Whole,
            "overlap"
        );
        assert_eq!(
            parse_range("bytes=0-,-100", 100),
            RangeRequest::Whole,
            "more than the file"
        );
        let seventeen = (0..17)
            .map(|i| format!("{}-{}", i * 2, i * 2))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            parse_range(&format!("bytes={seventeen}"), 100),
            RangeRequest::Whole
        );
        let sixteen = (0..16)
            .map(|i| format!("{}-{}", i * 2, i * 2))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(partial(&format!("bytes={sixteen}"), 100).len(), 16);
        // Adjacent is not overlapping.
        assert_eq!(partial("bytes=0-9,10-19", 100).len(), 2);
    }
}
