//! `GET /metrics` and the HTTP part of it: every request counted by route, method and
//! status, and timed by route. The node owns the registry and renders it
//! ([`crate::NodeApi::metrics`]); this module records what only the router sees.
//!
//! The text is Prometheus' text exposition format 0.0.4 (what `promtool check metrics`
//! reads): prometheus-client writes OpenMetrics, whose counters carry `_total` only on their
//! samples, so [`to_prometheus_text`] names the counter families with `_total` as the older
//! format expects and drops the OpenMetrics-only `# EOF` and `# UNIT` lines.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The content type of `GET /metrics`: Prometheus' text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Labels of one HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's pattern as registered (`/bytes/{reference}`), or `unmatched`.
    pub route: String,
    /// The HTTP method.
    pub method: String,
    /// The status code answered.
    pub status: u16,
}

/// Labels of one route's timings.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route's pattern as registered, or `unmatched`.
    pub route: String,
}

fn seconds() -> Histogram {
    // 0.5 ms to ~4.6 h, doubling.
    Histogram::new(exponential_buckets(0.0005, 2.0, 25))
}

/// HTTP request counts and durations.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl HttpMetrics {
    /// New families, registered in `registry` as `http_requests_total{route,method,status}`
    /// and `http_request_duration_seconds{route}` (the time until the response's head).
    pub fn register(registry: &mut Registry) -> Arc<Self> {
        let metrics = Self {
            requests: Family::default(),
            durations: Family::new_with_constructor(seconds),
        };
        registry.register(
            "http_requests",
            "HTTP API requests by route, method and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time until an HTTP API request's response head, by route",
            metrics.durations.clone(),
        );
        Arc::new(metrics)
    }
}

/// The middleware that records every routed request.
pub(crate) async fn track(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .durations
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Renders `registry` in Prometheus' text format 0.0.4 (see the module docs).
pub fn render(registry: &Registry) -> Result<String, std::fmt::Error> {
    let mut open_metrics = String::new();
    prometheus_client::encoding::text::encode(&mut open_metrics, registry)?;
    Ok(to_prometheus_text(&open_metrics))
}

/// Rewrites prometheus-client's OpenMetrics text as Prometheus text 0.0.4: a counter family
/// `x` (samples `x_total`) is declared as `x_total`, and `# EOF` / `# UNIT` lines go.
pub fn to_prometheus_text(open_metrics: &str) -> String {
    let mut out = String::with_capacity(open_metrics.len());
    let mut counters = std::collections::HashSet::new();
    for line in open_metrics.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some(name) = rest.strip_suffix(" counter") {
                counters.insert(name.to_string());
            }
        }
    }
    for line in open_metrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let declared = line
            .strip_prefix("# HELP ")
            .map(|rest| ("# HELP ", rest))
            .or_else(|| line.strip_prefix("# TYPE ").map(|rest| ("# TYPE ", rest)));
        match declared {
            Some((kind, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                if counters.contains(name) {
                    out.push_str(&format!("{kind}{name}_total {tail}"));
                } else {
                    out.push_str(line);
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_declared_with_total_and_open_metrics_lines_go() {
        let mut registry = Registry::with_prefix("comb");
        let counter: Counter = Counter::default();
        counter.inc();
        registry.register("things", "Things seen", counter);
        let text = render(&registry).unwrap();
        assert!(
            text.contains("# HELP comb_things_total Things seen.\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE comb_things_total counter\n"),
            "{text}"
        );
        assert!(text.contains("\ncomb_things_total 1\n"), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
    }
}
