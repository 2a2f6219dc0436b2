//! Prometheus metrics: request counts and latency histograms per route, and the store writer's
//! batch sizes and commit times, served as OpenMetrics text on `/metrics`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::sync::atomic::AtomicU64;

use crate::ops::{DeliveryStatus, OperationsGauges};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The methods a `method` label names; every other method is counted as [`OTHER_METHOD`], so a
/// caller cannot grow the exposition by inventing methods.
pub const KNOWN_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// The `method` label of every method not in [`KNOWN_METHODS`].
pub const OTHER_METHOD: &str = "OTHER";

/// The `method` label of a request method: one of [`KNOWN_METHODS`], else [`OTHER_METHOD`].
pub fn method_label(method: &str) -> &'static str {
    KNOWN_METHODS
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or(OTHER_METHOD)
}

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    ruleset: String,
    workflow: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WorkflowLabels {
    ruleset: String,
    workflow: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    webhook: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookStatusLabels {
    webhook: String,
    status: String,
}

/// The gauges of running workflows, set from the store at each scrape.
#[derive(Debug, Default)]
struct OperationsMetrics {
    instances: Family<StateLabels, Gauge>,
    overdue: Family<WorkflowLabels, Gauge>,
    timers: Gauge,
    timer_lag: Gauge<f64, AtomicU64>,
    outbox: Gauge,
    deliveries: Family<WebhookStatusLabels, Gauge>,
    backlog: Family<WebhookLabels, Gauge>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    webhook: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    commit_rows: Histogram,
    commit_seconds: Histogram,
    deliveries: Family<DeliveryLabels, Counter>,
    operations: OperationsMetrics,
}

fn latency_histogram() -> Histogram {
    // 100 µs to about 13 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

impl Metrics {
    /// Empty metrics, registered under `ordo_`.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ordo");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let commit_rows = Histogram::new(exponential_buckets(1.0, 2.0, 11));
        let commit_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to answering it, by method and route",
            latency.clone(),
        );
        registry.register(
            "store_commit_rows",
            "Rows (audit entries and publications) written per store transaction",
            commit_rows.clone(),
        );
        registry.register(
            "store_commit_duration_seconds",
            "Time to write and durably commit one store transaction",
            commit_seconds.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "webhook_delivery_attempts",
            "Webhook delivery attempts, by webhook and outcome (delivered, failed: retried later, given_up: the last attempt failed)",
            deliveries.clone(),
        );
        let operations = OperationsMetrics::default();
        registry.register(
            "instances",
            "Workflow instances by ruleset, workflow and state (label values: the published workflows' states)",
            operations.instances.clone(),
        );
        registry.register(
            "instances_overdue",
            "Workflow instances past the SLA due time of their state, by ruleset and workflow",
            operations.overdue.clone(),
        );
        registry.register(
            "timers_armed",
            "Armed workflow timers",
            operations.timers.clone(),
        );
        registry.register(
            "timer_lag_seconds",
            "How long the earliest due timer has waited past its due time (0 when none is due)",
            operations.timer_lag.clone(),
        );
        registry.register(
            "outbox_actions",
            "Actions in the outbox (its last position)",
            operations.outbox.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries by webhook and status (pending, delivered, failed)",
            operations.deliveries.clone(),
        );
        registry.register(
            "webhook_backlog",
            "Outbox actions not yet delivered to a webhook: pending deliveries and actions not yet queued for it",
            operations.backlog.clone(),
        );
        Metrics {
            registry,
            operations,
            deliveries,
            requests,
            latency,
            commit_rows,
            commit_seconds,
        }
    }

    /// Counts one answered request; `route` is the route template (`/v1/rulesets/{name}`),
    /// never the request's path, and `method` is labelled by [`method_label`].
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Records one store transaction.
    pub fn observe_commit(&self, rows: usize, elapsed: Duration) {
        // Row counts are small; the conversion to f64 is exact.
        #[expect(
            clippy::cast_precision_loss,
            reason = "a batch holds at most 1024 rows"
        )]
        self.commit_rows.observe(rows as f64);
        self.commit_seconds.observe(elapsed.as_secs_f64());
    }

    /// Counts one delivery attempt to `webhook` (a configured name) that ended in
    /// `outcome` (`delivered`, `failed` or `given_up`).
    pub fn observe_delivery(&self, webhook: &str, outcome: &'static str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                webhook: webhook.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Sets the workflow gauges from the store's counts at `now` (microseconds).
    pub fn set_operations(&self, gauges: &OperationsGauges, now: i64) {
        let ops = &self.operations;
        ops.instances.clear();
        for (ruleset, workflow, state, count) in &gauges.instances {
            ops.instances
                .get_or_create(&StateLabels {
                    ruleset: ruleset.clone(),
                    workflow: workflow.clone(),
                    state: state.clone(),
                })
                .set(*count);
        }
        ops.overdue.clear();
        for (ruleset, workflow, count) in &gauges.overdue {
            ops.overdue
                .get_or_create(&WorkflowLabels {
                    ruleset: ruleset.clone(),
                    workflow: workflow.clone(),
                })
                .set(*count);
        }
        ops.timers.set(gauges.timers);
        #[expect(
            clippy::cast_precision_loss,
            reason = "a lag in microseconds is far below 2^53"
        )]
        let lag = gauges
            .earliest_due
            .map_or(0.0, |due| now.saturating_sub(due).max(0) as f64 / 1e6);
        ops.timer_lag.set(lag);
        ops.outbox.set(gauges.outbox_last);
        ops.deliveries.clear();
        ops.backlog.clear();
        for (webhook, cursor) in &gauges.cursors {
            let pending = gauges
                .deliveries
                .iter()
                .filter(|(w, status, _)| w == webhook && *status == DeliveryStatus::Pending)
                .map(|(_, _, count)| count)
                .sum::<i64>();
            ops.backlog
                .get_or_create(&WebhookLabels {
                    webhook: webhook.clone(),
                })
                .set(gauges.outbox_last.saturating_sub(*cursor) + pending);
        }
        for (webhook, status, count) in &gauges.deliveries {
            ops.deliveries
                .get_or_create(&WebhookStatusLabels {
                    webhook: webhook.clone(),
                    status: status.as_str().to_string(),
                })
                .set(*count);
        }
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_commits_are_exposed() {
        let metrics = Metrics::new();
        metrics.observe_request(
            "POST",
            "/v1/rulesets/{name}/evaluate",
            200,
            Duration::from_millis(3),
        );
        metrics.observe_request(
            "POST",
            "/v1/rulesets/{name}/evaluate",
            200,
            Duration::from_millis(1),
        );
        metrics.observe_commit(12, Duration::from_millis(2));
        let text = metrics.encode();
        assert!(text.contains(
            "ordo_http_requests_total{method=\"POST\",route=\"/v1/rulesets/{name}/evaluate\",status=\"200\"} 2"
        ), "{text}");
        assert!(text.contains(
            "ordo_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/rulesets/{name}/evaluate\"} 2"
        ), "{text}");
        assert!(text.contains("ordo_store_commit_rows_count 1"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn made_up_methods_share_one_label() {
        let metrics = Metrics::new();
        for method in ["BREW", "PROPFIND", "get", "GET"] {
            metrics.observe_request(method, "unmatched", 405, Duration::from_millis(1));
        }
        let text = metrics.encode();
        assert!(
            text.contains(
                "ordo_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"405\"} 3"
            ),
            "{text}"
        );
        assert!(!text.contains("BREW"), "{text}");
        assert_eq!(method_label("OPTIONS"), "OPTIONS");
    }

    #[test]
    fn workflow_gauges_follow_the_store() {
        let metrics = Metrics::new();
        let gauges = OperationsGauges {
            instances: vec![("orders".into(), "order".into(), "draft".into(), 4)],
            overdue: vec![("orders".into(), "order".into(), 2)],
            timers: 7,
            earliest_due: Some(10_000_000),
            outbox_last: 9,
            deliveries: vec![("mailer".into(), DeliveryStatus::Pending, 2)],
            cursors: vec![("mailer".into(), 6)],
        };
        metrics.set_operations(&gauges, 12_500_000);
        let text = metrics.encode();
        for line in [
            "ordo_instances{ruleset=\"orders\",workflow=\"order\",state=\"draft\"} 4",
            "ordo_instances_overdue{ruleset=\"orders\",workflow=\"order\"} 2",
            "ordo_timers_armed 7",
            "ordo_timer_lag_seconds 2.5",
            "ordo_webhook_backlog{webhook=\"mailer\"} 5",
        ] {
            assert!(text.contains(line), "{line} not in {text}");
        }
        // A state that no instance is in any more is dropped.
        metrics.set_operations(&OperationsGauges::default(), 0);
        assert!(!metrics.encode().contains("state=\"draft\""));
    }
}
