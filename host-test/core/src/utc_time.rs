//! A moment as a UTC calendar date and time, written the two ways the access
//! log needs: the common log format's `[06/Dec/2026:10:00:00 +0000]` and
//! RFC 3339's `2026-12-06T10:00:00.123Z`. UTC always: a log read on another
//! machine, or across a change of daylight saving time, stays in order.

use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UtcTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millisecond: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl UtcTime {
    /// A time before 1970 (a clock set wrong) is written as 1970's start.
    pub fn from_system(time: SystemTime) -> UtcTime {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let seconds = since.as_secs();
        let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
        let of_day = (seconds % 86_400) as u32;
        UtcTime {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            millisecond: since.subsec_millis(),
        }
    }

    /// `06/Dec/2026:10:00:00 +0000`, as `%d/%b/%Y:%H:%M:%S %z`.
    pub fn write_common_log(&self, out: &mut String) -> fmt::Result {
        let month = MONTHS[(self.month as usize).clamp(1, 12) - 1];
        write!(
            out,
            "{:02}/{month}/{}:{:02}:{:02}:{:02} +0000",
            self.day, self.year, self.hour, self.minute, self.second
        )
    }

    /// `2026-12-06T10:00:00.123Z`.
    pub fn write_rfc3339(&self, out: &mut String) -> fmt::Result {
        write!(
            out,
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond
        )
    }
}

/// Days since 1970-01-01 as (year, month 1-12, day 1-31) in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64, millis: u64) -> UtcTime {
        UtcTime::from_system(UNIX_EPOCH + Duration::from_millis(seconds * 1000 + millis))
    }

    #[test]
    fn dates_across_leap_years_and_month_ends() {
        for (seconds, common, rfc) in [
            (0, "01/Jan/1970:00:00:00 +0000", "1970-01-01T00:00:00.000Z"),
            // 2000-02-29, a leap day of a century divisible by 400.
            (
                951_782_400,
                "29/Feb/2000:00:00:00 +0000",
                "2000-02-29T00:00:00.000Z",
            ),
            (
                1_798_673_399,
                "30/Dec/2026:23:29:59 +0000",
                "2026-12-30T23:29:59.007Z",
            ),
            // 2100 is not a leap year: Feb 28, then Mar 1.
            (
                4_107_542_400,
                "01/Mar/2100:00:00:00 +0000",
                "2100-03-01T00:00:00.000Z",
            ),
        ] {
            let time = at(seconds, if seconds == 1_798_673_399 { 7 } else { 0 });
            let mut text = String::new();
            time.write_common_log(&mut text).unwrap();
            assert_eq!(text, common);
            text.clear();
            time.write_rfc3339(&mut text).unwrap();
            assert_eq!(text, rfc);
        }
    }

    #[test]
    fn a_clock_before_1970_reads_as_1970() {
        let time = UtcTime::from_system(UNIX_EPOCH - Duration::from_secs(5));
        assert_eq!(time, at(0, 0));
    }
}
