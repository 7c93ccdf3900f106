//! `multipart/byteranges` (RFC 9110 section 14.6) as segments, with its exact
//! length computed up front (Content-Length) without building the body.

use crate::request::range::ByteRange;
use crate::send::segment::Segment;

/// The response's Content-Type for a given boundary.
pub(crate) fn multipart_content_type(boundary: &str) -> String {
    format!("multipart/byteranges; boundary={boundary}")
}

/// Part headers interleaved with the file ranges, then the closing delimiter.
pub(crate) fn multipart_segments(
    ranges: &[ByteRange],
    content_type: &str,
    size: u64,
    boundary: &str,
) -> Vec<Segment> {
    let mut segments = Vec::with_capacity(ranges.len().saturating_mul(2).saturating_add(1));
    for (i, range) in ranges.iter().enumerate() {
        // The CRLF before every delimiter but the first belongs to the delimiter.
        let lead = if i == 0 { "" } else { "\r\n" };
        segments.push(Segment::Literal(format!(
            "{lead}--{boundary}\r\ncontent-type: {content_type}\r\ncontent-range: {}\r\n\r\n",
            range.content_range(size)
        )));
        segments.push(Segment::FileRange {
            start: range.start,
            len: range.len,
        });
    }
    segments.push(Segment::Literal(format!("\r\n--{boundary}--\r\n")));
    segments
}

/// The body's exact length, or `None` if it does not fit a `u64` (only a
/// file system that invents sizes could get there).
pub(crate) fn total_len(segments: &[Segment]) -> Option<u64> {
    segments
        .iter()
        .try_fold(0u64, |sum, segment| sum.checked_add(segment.len()))
}

/// A boundary of 128 random bits from `random` (the glue's WASI random
/// source): content cannot be crafted to contain the delimiter.
pub fn boundary(mut random: impl FnMut() -> u64) -> String {
    format!("{:016x}{:016x}", random(), random())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_length() {
        let ranges = [
            ByteRange { start: 0, len: 2 },
            ByteRange { start: 8, len: 2 },
        ];
        let segments = multipart_segments(&ranges, "text/plain", 10, "XYZ");
        // Render with the file "0123456789" to check the exact bytes.
        let file = b"0123456789";
        let body: String = segments
            .iter()
            .map(|s| match s {
                Segment::Literal(t) => t.clone(),
                Segment::FileRange { start, len } => {
                    String::from_utf8(file[*start as usize..(*start + *len) as usize].to_vec())
                        .unwrap()
                }
            })
            .collect();
        assert_eq!(
            body,
            "--XYZ\r\ncontent-type: text/plain\r\ncontent-range: bytes 0-1/10\r\n\r\n01\
             \r\n--XYZ\r\ncontent-type: text/plain\r\ncontent-range: bytes 8-9/10\r\n\r\n89\
             \r\n--XYZ--\r\n"
        );
        assert_eq!(total_len(&segments), Some(body.len() as u64));
        assert_eq!(boundary(|| 0xab).len(), 32);
        assert_eq!(
            multipart_content_type("XYZ"),
            "multipart/byteranges; boundary=XYZ"
        );
    }
}
