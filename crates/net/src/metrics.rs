//! Prometheus metrics of the network's two paid services: pushsync and retrieval, as the
//! node asks for them (outcome and time per request). The node registers them in its
//! registry (`GET /metrics`); each [`Network`](crate::Network) keeps its own, so several
//! nodes in one process keep their own figures.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The outcome of one request for a paid service.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// `ok` (a valid receipt or delivery) or `failed` (every peer tried failed).
    pub outcome: &'static str,
}

const OK: Outcome = Outcome { outcome: "ok" };
const FAILED: Outcome = Outcome { outcome: "failed" };

fn seconds() -> Histogram {
    // 1 ms to ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Counters and latency histograms of pushsync and retrieval requests made by this node.
#[derive(Debug, Clone)]
pub struct NetMetrics {
    pushes: Family<Outcome, Counter>,
    push_seconds: Family<Outcome, Histogram, fn() -> Histogram>,
    retrievals: Family<Outcome, Counter>,
    retrieval_seconds: Family<Outcome, Histogram, fn() -> Histogram>,
}

impl Default for NetMetrics {
    fn default() -> Self {
        Self {
            pushes: Family::default(),
            push_seconds: Family::new_with_constructor(seconds),
            retrievals: Family::default(),
            retrieval_seconds: Family::new_with_constructor(seconds),
        }
    }
}

impl NetMetrics {
    /// Adds the families to `registry` (names under the registry's prefix):
    /// `pushsync_requests_total{outcome}`, `pushsync_request_duration_seconds{outcome}`,
    /// `retrieval_requests_total{outcome}`, `retrieval_request_duration_seconds{outcome}`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "pushsync_requests",
            "Chunks this node pushed, by outcome (ok: a valid receipt)",
            self.pushes.clone(),
        );
        registry.register(
            "pushsync_request_duration_seconds",
            "Time from a push's start to its receipt or failure",
            self.push_seconds.clone(),
        );
        registry.register(
            "retrieval_requests",
            "Chunks this node asked the network for, by outcome (ok: a valid delivery)",
            self.retrievals.clone(),
        );
        registry.register(
            "retrieval_request_duration_seconds",
            "Time from a retrieval's start to its delivery or failure",
            self.retrieval_seconds.clone(),
        );
    }

    pub(crate) fn pushed(&self, ok: bool, took: Duration) {
        let label = if ok { OK } else { FAILED };
        self.pushes.get_or_create(&label).inc();
        self.push_seconds
            .get_or_create(&label)
            .observe(took.as_secs_f64());
    }

    pub(crate) fn retrieved(&self, ok: bool, took: Duration) {
        let label = if ok { OK } else { FAILED };
        self.retrievals.get_or_create(&label).inc();
        self.retrieval_seconds
            .get_or_create(&label)
            .observe(took.as_secs_f64());
    }
}
