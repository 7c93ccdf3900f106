//! Parses the line `host-test serve` logs on stderr for every request, e.g.
//! `GET /big.bin 200 bytes=1048576 peak_mem=65536 outcome=finished 9.8ms (total 10.5ms)`.
//! It is written once the request's instance is gone (or idle again, with
//! `--reuse`), so `peak_mem` is the instance's final peak linear memory, as
//! its ResourceLimiter saw it.

use std::time::Instant;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// When the bench read the line.
    pub at: Instant,
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    pub status: u16,
    /// Body bytes the guest got into the response.
    pub bytes: Option<u64>,
    /// The instance's peak linear memory in bytes.
    pub peak_memory: Option<u64>,
    /// The outcome's first word: `finished`, `client-gone`, `aborted`,
    /// `trapped`, ... (`host-error` for the host's own failure line).
    pub outcome: String,
}

/// `None` for lines that are not request lines (component warnings, ...).
pub fn parse(line: &str, at: Instant) -> Option<LogEntry> {
    let mut words = line.split_whitespace();
    let method = words.next()?;
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let target = words.next()?;
    if !target.starts_with('/') {
        return None;
    }
    let status: u16 = words.next()?.parse().ok()?;
    let mut entry = LogEntry {
        at,
        method: method.to_string(),
        target: target.to_string(),
        status,
        bytes: None,
        peak_memory: None,
        outcome: String::new(),
    };
    let rest: Vec<&str> = words.collect();
    if rest.first() == Some(&"host") {
        entry.outcome = "host-error".to_string();
        return Some(entry);
    }
    for word in rest {
        if let Some(value) = word.strip_prefix("bytes=") {
            entry.bytes = value.parse().ok();
        } else if let Some(value) = word.strip_prefix("peak_mem=") {
            entry.peak_memory = value.parse().ok();
        } else if let Some(value) = word.strip_prefix("outcome=") {
            entry.outcome = value.to_string();
        }
    }
    if entry.outcome.is_empty() {
        return None;
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let now = Instant::now();
        let entry = parse(
            "GET /big.bin?cut=3 200 bytes=1048576 peak_mem=65536 outcome=finished 9.8ms (total 10.5ms)",
            now,
        )
        .unwrap();
        assert_eq!(entry.method, "GET");
        assert_eq!(entry.target, "/big.bin?cut=3");
        assert_eq!(entry.status, 200);
        assert_eq!(entry.bytes, Some(1048576));
        assert_eq!(entry.peak_memory, Some(65536));
        assert_eq!(entry.outcome, "finished");

        let trapped = parse(
            "GET /x.bin 500 bytes=0 peak_mem=134217728 outcome=trapped (wasm trap: unreachable) 1.2s (total 1.2s)",
            now,
        )
        .unwrap();
        assert_eq!(trapped.outcome, "trapped");
        assert_eq!(trapped.peak_memory, Some(134217728));

        let reused = parse(
            "GET /a 200 bytes=1 peak_mem=65536 outcome=finished 1ms (total 2ms) instance=3#7",
            now,
        )
        .unwrap();
        assert_eq!(reused.outcome, "finished");

        let host = parse("GET /a 500 host error: preopening /x", now).unwrap();
        assert_eq!(host.outcome, "host-error");
        assert_eq!(host.peak_memory, None);

        assert!(parse("serving /srv on http://127.0.0.1:8080/", now).is_none());
        assert!(parse("CHUNK_SIZE: invalid value, using 65536", now).is_none());
        assert!(parse("", now).is_none());
    }
}
