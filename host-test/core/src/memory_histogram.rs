//! The histogram of instances' peak linear memory, in bytes, with bucket
//! bounds at whole wasm pages. Atomics only: an observation is a few
//! relaxed additions, never a lock (prometheus-client's own `Histogram` takes
//! a write lock per observation).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::MetricType;

/// A wasm page.
pub(crate) const PAGE: u64 = 64 * 1024;

/// Upper bounds in pages: fine where a file server instance peaks, serving
/// one request at a time or many at once, coarser up to `serve`'s default
/// cap.
const BOUNDS_IN_PAGES: [u64; 12] = [1, 2, 4, 8, 16, 20, 24, 32, 64, 256, 1024, 4096];

#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryHistogram {
    inner: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    /// Observations per bucket, not cumulative; the last one is `+Inf`.
    buckets: [AtomicU64; BOUNDS_IN_PAGES.len() + 1],
    sum: AtomicU64,
}

impl MemoryHistogram {
    pub(crate) fn observe(&self, bytes: u64) {
        let bucket = BOUNDS_IN_PAGES
            .iter()
            .position(|&pages| bytes <= pages * PAGE)
            .unwrap_or(BOUNDS_IN_PAGES.len());
        let counts = &self.inner;
        counts.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        counts.sum.fetch_add(bytes, Ordering::Relaxed);
    }
}

impl EncodeMetric for MemoryHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let counts = &self.inner;
        let buckets: Vec<(f64, u64)> = BOUNDS_IN_PAGES
            .iter()
            .map(|&pages| (pages * PAGE) as f64)
            .chain([f64::INFINITY])
            .zip(&counts.buckets)
            .map(|(bound, count)| (bound, count.load(Ordering::Relaxed)))
            .collect();
        // Read apart from the buckets, a scrape may see an observation in
        // one and not yet in the other: Prometheus tolerates that skew, as
        // it does in every lock-free client.
        let sum = counts.sum.load(Ordering::Relaxed) as f64;
        let count = buckets.iter().map(|(_, n)| n).sum();
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None::<&Exemplars>)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

type Exemplars = std::collections::HashMap<usize, Exemplar<NoLabelSet, f64>>;

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::prometheus_text::encode;
    use prometheus_client::registry::Registry;

    #[test]
    fn bytes_fall_in_the_bucket_of_their_page_count() {
        let histogram = MemoryHistogram::default();
        let mut registry = Registry::default();
        registry.register("peak", "Peak", histogram.clone());
        // One page exactly; one byte over two pages; beyond every bound.
        for bytes in [PAGE, 2 * PAGE + 1, 5000 * PAGE] {
            histogram.observe(bytes);
        }
        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        for line in [
            "peak_count 3",
            "peak_bucket{le=\"65536\"} 1",
            "peak_bucket{le=\"131072\"} 1",
            "peak_bucket{le=\"262144\"} 2",
            "peak_bucket{le=\"2.68435456e+08\"} 2",
            "peak_bucket{le=\"+Inf\"} 3",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        let sum = (PAGE + 2 * PAGE + 1 + 5000 * PAGE) as f64;
        assert!(
            text.lines().any(|l| l == format!("peak_sum {sum:.1}")),
            "{text}"
        );
    }
}
