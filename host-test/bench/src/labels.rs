//! How figures read in the tables: byte counts with units.

use crate::bench_site::{GIB, KIB, MIB};
use crate::results::PeakLinear;

/// "64 KiB", or "64 KiB - 128 KiB" when the row's requests differ.
pub fn peak_label(peak: PeakLinear) -> String {
    if peak.min == peak.max {
        bytes_label(peak.max)
    } else {
        format!("{} - {}", bytes_label(peak.min), bytes_label(peak.max))
    }
}

/// 65536 -> "64 KiB", 2_162_688 -> "2.1 MiB", 134_217_728 -> "128 MiB".
pub fn bytes_label(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes} B")
}

pub fn signed_bytes_label(bytes: i64) -> String {
    if bytes < 0 {
        format!("-{}", bytes_label(bytes.unsigned_abs()))
    } else {
        bytes_label(bytes as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(bytes_label(65536), "64 KiB");
        assert_eq!(bytes_label(2_162_688), "2.1 MiB");
        assert_eq!(bytes_label(128 * MIB), "128 MiB");
        assert_eq!(bytes_label(100), "100 B");
        assert_eq!(signed_bytes_label(-2048), "-2 KiB");
    }
}
