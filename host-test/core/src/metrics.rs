//! What `serve --metrics` counts, and its Prometheus text. The counters and
//! gauges are atomics shared by the serving threads: counting a request is a
//! few relaxed atomic additions. The peak-memory histogram takes its lock
//! once per instance, when the instance ends.

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// A wasm page.
const PAGE: u64 = 64 * 1024;

/// Upper bounds of the peak-memory buckets, in pages: fine where a file
/// server instance peaks, serving one request at a time or many at once,
/// coarser up to `serve`'s default cap.
const BOUNDS_IN_PAGES: [u64; 12] = [1, 2, 4, 8, 16, 20, 24, 32, 64, 256, 1024, 4096];

/// Cheap to clone; clones count into the same metrics.
#[derive(Clone)]
pub(crate) struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    /// `1xx` to `5xx`, made up front: counting never looks a label up.
    by_class: [Counter; 5],
    body_bytes: Counter,
    in_flight: Gauge,
    stalled: Counter,
    instances: Gauge,
    /// Observed once per instance, when it ends.
    peak_memory: Histogram,
}

type ClassLabel = [(&'static str, &'static str); 1];

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The text's `Content-Type`.
pub(crate) const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("host_test");
        let requests = Family::<ClassLabel, Counter>::default();
        let by_class = CLASSES.map(|class| requests.get_or_create_owned(&[("class", class)]));
        registry.register(
            "requests",
            "Requests answered, by status class, counted when the response has ended",
            requests,
        );
        let mut inner = Inner {
            registry,
            by_class,
            body_bytes: Counter::default(),
            in_flight: Gauge::default(),
            stalled: Counter::default(),
            instances: Gauge::default(),
            peak_memory: Histogram::new(BOUNDS_IN_PAGES.map(|pages| (pages * PAGE) as f64)),
        };
        let registry = &mut inner.registry;
        registry.register(
            "response_body_bytes",
            "Response body bytes sent",
            inner.body_bytes.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Requests received whose response has not ended",
            inner.in_flight.clone(),
        );
        registry.register(
            "stalled_connections",
            "Connections closed because the client took no bytes within the write timeout",
            inner.stalled.clone(),
        );
        registry.register(
            "instances_alive",
            "Component instances alive",
            inner.instances.clone(),
        );
        registry.register(
            "instance_peak_memory_bytes",
            "Peak linear memory of each instance, observed when the instance ends",
            inner.peak_memory.clone(),
        );
        Metrics {
            inner: Arc::new(inner),
        }
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn request_started(&self) -> InFlight {
        self.inner.in_flight.inc();
        InFlight(self.inner.in_flight.clone())
    }

    pub fn request_answered(&self, status: u16, body_bytes: u64) {
        let class = usize::from(status / 100).wrapping_sub(1);
        if let Some(counter) = self.inner.by_class.get(class) {
            counter.inc();
        }
        self.inner.body_bytes.inc_by(body_bytes);
    }

    /// The counter a connection's write deadline adds to when it cuts one.
    pub fn stalled_connections(&self) -> Counter {
        self.inner.stalled.clone()
    }

    pub fn instance_started(&self) {
        self.inner.instances.inc();
    }

    pub fn instance_ended(&self, peak_memory: u64) {
        self.inner.instances.dec();
        self.inner.peak_memory.observe(peak_memory as f64);
    }

    /// Every metric in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a `String` cannot fail.
        let _ = prometheus_text::encode(&mut text, &self.inner.registry);
        text
    }
}

/// A request in flight; dropped when its response has ended.
pub(crate) struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, name: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn counts_show_in_the_text() {
        let metrics = Metrics::new();
        let first = metrics.request_started();
        let second = metrics.request_started();
        metrics.request_answered(200, 1024);
        metrics.request_answered(404, 9);
        drop(first);
        metrics.stalled_connections().inc();
        metrics.instance_started();
        metrics.instance_started();
        metrics.instance_ended(65536);
        let text = metrics.encode();
        for (name, want) in [
            ("host_test_requests_total{class=\"2xx\"}", 1.0),
            ("host_test_requests_total{class=\"4xx\"}", 1.0),
            ("host_test_requests_total{class=\"5xx\"}", 0.0),
            ("host_test_response_body_bytes_total", 1033.0),
            ("host_test_requests_in_flight", 1.0),
            ("host_test_stalled_connections_total", 1.0),
            ("host_test_instances_alive", 1.0),
            ("host_test_instance_peak_memory_bytes_count", 1.0),
            ("host_test_instance_peak_memory_bytes_sum", 65536.0),
        ] {
            assert_eq!(value(&text, name), Some(want), "{name} in:\n{text}");
        }
        assert!(text.contains("# TYPE host_test_instance_peak_memory_bytes histogram"));
        drop(second);
        assert_eq!(
            value(&metrics.encode(), "host_test_requests_in_flight"),
            Some(0.0)
        );
    }

    #[test]
    fn peak_memory_falls_in_the_bucket_of_its_page_count() {
        let metrics = Metrics::new();
        // One page exactly; one byte over two pages; beyond every bound.
        for bytes in [PAGE, 2 * PAGE + 1, 5000 * PAGE] {
            metrics.instance_started();
            metrics.instance_ended(bytes);
        }
        let text = metrics.encode();
        let name = "host_test_instance_peak_memory_bytes";
        for (line, want) in [
            (format!("{name}_count"), 3.0),
            (format!("{name}_bucket{{le=\"65536\"}}"), 1.0),
            (format!("{name}_bucket{{le=\"131072\"}}"), 1.0),
            (format!("{name}_bucket{{le=\"262144\"}}"), 2.0),
            (format!("{name}_bucket{{le=\"2.68435456e+08\"}}"), 2.0),
            (format!("{name}_bucket{{le=\"+Inf\"}}"), 3.0),
            (
                format!("{name}_sum"),
                (PAGE + 2 * PAGE + 1 + 5000 * PAGE) as f64,
            ),
        ] {
            assert_eq!(value(&text, &line), Some(want), "{line} in:\n{text}");
        }
    }
}
