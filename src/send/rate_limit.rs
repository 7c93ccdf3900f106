//! `LIMIT_RATE` and `LIMIT_RATE_AFTER` as nginx's `limit_rate` and
//! `limit_rate_after`: after the first `after` bytes of a response, it is
//! sent no faster than `bytes_per_second`, measured from the response's
//! start. The pumps ask `wait_before` how long to sleep (on the monotonic
//! clock) before their next write, and `largest_write` how much to write at
//! once, so that the pace is smooth and no write holds more than a tenth of
//! a second's worth.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub bytes_per_second: u64,
    /// Sent at full speed first.
    pub after: u64,
}

impl RateLimit {
    /// How long to wait, `elapsed` after the response started and with
    /// `sent` bytes written, before writing more: until `sent` is due.
    fn wait_before(&self, sent: u64, elapsed: Duration) -> Duration {
        let paced = u128::from(sent.saturating_sub(self.after));
        let rate = u128::from(self.bytes_per_second.max(1));
        let due_nanos = paced
            .saturating_mul(1_000_000_000)
            .checked_div(rate)
            .unwrap_or(u128::MAX);
        let due = Duration::from_nanos(u64::try_from(due_nanos).unwrap_or(u64::MAX));
        due.saturating_sub(elapsed)
    }

    /// The largest write once pacing has begun: a tenth of a second's worth
    /// (at least 1 KiB), and at full speed whatever reaches `after`.
    pub fn largest_write(&self, sent: u64) -> u64 {
        match self.after.checked_sub(sent) {
            Some(left) if left > 0 => left,
            _ => self.paced_write(),
        }
    }

    /// The largest write while paced.
    pub(crate) fn paced_write(&self) -> u64 {
        (self.bytes_per_second / 10).max(1024)
    }
}

/// One response's pace: when it began on the monotonic clock (nanoseconds,
/// as both WASI clocks give them) and the bytes written since. Both pumps
/// keep one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacer {
    limit: RateLimit,
    start: u64,
    sent: u64,
}

impl Pacer {
    pub fn new(limit: RateLimit, now: u64) -> Pacer {
        Pacer {
            limit,
            start: now,
            sent: 0,
        }
    }

    pub fn wrote(&mut self, bytes: u64) {
        self.sent = self.sent.saturating_add(bytes);
    }

    /// How long to wait, at `now`, until the bytes sent so far are due.
    pub fn delay(&self, now: u64) -> Duration {
        let elapsed = Duration::from_nanos(now.saturating_sub(self.start));
        self.limit.wait_before(self.sent, elapsed)
    }

    /// The largest write allowed next.
    pub fn largest_write(&self) -> u64 {
        self.limit.largest_write(self.sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn paced_after_the_first_bytes() {
        let limit = RateLimit {
            bytes_per_second: MIB,
            after: MIB,
        };
        assert_eq!(limit.wait_before(MIB, Duration::ZERO), Duration::ZERO);
        assert_eq!(
            limit.wait_before(2 * MIB, Duration::ZERO),
            Duration::from_secs(1)
        );
        assert_eq!(
            limit.wait_before(2 * MIB, Duration::from_millis(400)),
            Duration::from_millis(600)
        );
        assert_eq!(
            limit.wait_before(2 * MIB, Duration::from_secs(5)),
            Duration::ZERO
        );
        assert_eq!(limit.largest_write(0), MIB);
        assert_eq!(limit.largest_write(MIB - 10), 10);
        assert_eq!(limit.largest_write(MIB), MIB / 10);
    }

    #[test]
    fn a_pacer_counts_from_its_start() {
        let limit = RateLimit {
            bytes_per_second: MIB,
            after: 0,
        };
        let mut pacer = Pacer::new(limit, 5_000_000_000);
        assert_eq!(pacer.delay(5_000_000_000), Duration::ZERO);
        pacer.wrote(MIB / 2);
        assert_eq!(pacer.delay(5_100_000_000), Duration::from_millis(400));
        assert_eq!(pacer.largest_write(), MIB / 10);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let limit = RateLimit {
            bytes_per_second: 1,
            after: 0,
        };
        assert!(limit.wait_before(u64::MAX, Duration::ZERO) > Duration::from_secs(1 << 30));
        assert_eq!(limit.largest_write(5), 1024);
        let fast = RateLimit {
            bytes_per_second: u64::MAX,
            after: u64::MAX,
        };
        assert_eq!(fast.wait_before(u64::MAX, Duration::ZERO), Duration::ZERO);
    }
}
