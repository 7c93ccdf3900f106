//! HTTP dates (RFC 9110 section 5.6.7) as this server sends them: never later
//! than the response's own date, and never a panic for a time the format
//! cannot hold.

use std::time::{Duration, SystemTime};

/// The last second an IMF-fixdate can write (9999-12-31T23:59:59Z): a
/// four-digit year. tmpfs and btrfs keep later times, and an archive can set them.
const LAST_WRITABLE_SECOND: u64 = 253_402_300_799;

/// A file's modification time as `Last-Modified` may state it: "An origin
/// server with a clock MUST NOT generate a Last-Modified date that is later
/// than the server's time of message origination" (RFC 9110 section
/// 8.8.2.1), so a time in the future becomes `now`. At one-second resolution,
/// the resolution of the header and of the conditionals that compare with it.
pub fn last_modified(modified: SystemTime, now: SystemTime) -> SystemTime {
    whole_seconds(modified.min(now))
}

/// `time` without its fraction of a second.
fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(since.as_secs()))
            .unwrap_or(time),
        // Before 1970: HTTP dates still hold it; the fraction does not matter.
        Err(_) => time,
    }
}

/// The IMF-fixdate for `time`, or `None` when it is past year 9999 (a
/// header is then left out rather than written wrong).
pub fn format(time: SystemTime) -> Option<String> {
    let writable = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(LAST_WRITABLE_SECOND))?;
    (time <= writable).then(|| httpdate::fmt_http_date(time))
}

/// Any of the three date formats a recipient must accept; `None` when malformed.
pub fn parse(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn future_times_become_now() {
        let now = at(1_800_000_000) + Duration::from_millis(700);
        assert_eq!(last_modified(at(2_000_000_000), now), at(1_800_000_000));
        assert_eq!(last_modified(at(1_000_000_000), now), at(1_000_000_000));
        let past_9999 = at(LAST_WRITABLE_SECOND + 86_400);
        assert_eq!(
            format(last_modified(past_9999, now)).as_deref(),
            Some("Fri, 15 Jan 2027 08:00:00 GMT")
        );
    }

    #[test]
    fn year_9999_is_the_last_writable() {
        assert_eq!(
            format(at(LAST_WRITABLE_SECOND)).as_deref(),
            Some("Fri, 31 Dec 9999 23:59:59 GMT")
        );
        assert_eq!(format(at(LAST_WRITABLE_SECOND + 1)), None);
        assert_eq!(format(at(u64::from(u32::MAX) * 1000)), None);
    }

    #[test]
    fn parses_the_three_formats() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse(text), Some(at(784_111_777)), "{text}");
        }
        assert_eq!(parse("yesterday"), None);
    }
}
