//! Webhook delivery of the outbox: every action goes to each configured webhook that wants
//! its kind (`notify`, `escalate`, `task`, `emit`, ...) or its trigger, as a `POST` of JSON
//! carrying the action's idempotency key (in the body and in the `Idempotency-Key` header).
//!
//! Delivery is at least once: a webhook's actions are queued from the outbox in order (its
//! cursor and the queued deliveries are written in one transaction), each queued delivery is
//! claimed with a lease, posted, and its outcome stored — attempts, last error, when it was
//! delivered. A failure is retried with exponential backoff; after `max_attempts` it is
//! `failed` and waits for `POST /v1/deliveries/{webhook}/{seq}/retry`. A server that stops
//! (or dies) mid-delivery resumes from the store: what it had claimed is posted again once
//! the lease ends, so receivers drop keys they have seen.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::metrics::Metrics;
use crate::ops::{Attempt, Delivery, DeliveryWrite, DeliveryWritten, OperationsStore, OutboxEntry};
use crate::store::{self, StoreError};

/// The header naming the action's idempotency key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// The header numbering the attempt (1 for the first).
pub const ATTEMPT_HEADER: &str = "x-ordo-delivery-attempt";
/// The header naming the webhook (as configured).
pub const WEBHOOK_HEADER: &str = "x-ordo-webhook";

/// Outbox actions read per webhook and round.
const QUEUE_BATCH: u32 = 500;

/// A webhooks file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WebhooksError {
    #[error("cannot read the webhooks file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the webhooks file is not valid: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("the webhooks file is not valid: {0}")]
    Invalid(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhooksFile {
    #[serde(default)]
    delivery: PolicyFile,
    #[serde(default)]
    webhooks: Vec<WebhookFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    initial_backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
    max_attempts: Option<u32>,
    timeout_ms: Option<u64>,
    concurrency: Option<usize>,
    poll_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookFile {
    name: String,
    url: String,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    triggers: Vec<String>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
}

/// How deliveries are retried and paced.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The wait after the first failure; each further failure doubles it.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// Attempts before a delivery is `failed` (0: retried for ever).
    pub max_attempts: u32,
    /// An attempt that has no answer within this time failed.
    pub timeout: Duration,
    /// Deliveries posted at once.
    pub concurrency: usize,
    /// How often the outbox is read for new actions when there is nothing to do.
    pub poll: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
            max_attempts: 20,
            timeout: Duration::from_secs(10),
            concurrency: 8,
            poll: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt: `initial · 2^(attempts-1)`, at most
    /// `max_backoff`.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }

    /// Whether a delivery that has failed `attempts` times is given up.
    pub fn gives_up(&self, attempts: i64) -> bool {
        self.max_attempts != 0 && attempts >= i64::from(self.max_attempts)
    }
}

/// One configured receiver.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Its name: the key of its delivery state (renaming a webhook starts it afresh).
    pub name: String,
    pub url: Uri,
    /// The action kinds it takes (empty: every kind).
    pub actions: Vec<String>,
    /// The triggers it takes (empty: every trigger).
    pub triggers: Vec<String>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Webhook {
    /// Whether the outbox action `entry` goes to this webhook.
    pub fn wants(&self, entry: &OutboxEntry) -> bool {
        let kind = serde_json::from_str::<Json>(&entry.action)
            .ok()
            .and_then(|action| action.get("action")?.as_str().map(str::to_string))
            .unwrap_or_default();
        (self.actions.is_empty() || self.actions.contains(&kind))
            && (self.triggers.is_empty() || self.triggers.contains(&entry.trigger))
    }
}

/// The webhooks of a server and their retry policy.
#[derive(Debug, Clone, Default)]
pub struct Webhooks {
    pub policy: RetryPolicy,
    pub hooks: Vec<Webhook>,
}

impl Webhooks {
    /// Reads a webhooks file.
    pub fn from_file(path: &Path) -> Result<Webhooks, WebhooksError> {
        let text = std::fs::read_to_string(path).map_err(|source| WebhooksError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Webhooks::parse(&text)
    }

    /// Reads the text of a webhooks file.
    pub fn parse(text: &str) -> Result<Webhooks, WebhooksError> {
        let file: WebhooksFile = toml::from_str(text)?;
        let invalid = |message: String| WebhooksError::Invalid(message);
        let defaults = RetryPolicy::default();
        let ms = Duration::from_millis;
        let policy = RetryPolicy {
            initial_backoff: file
                .delivery
                .initial_backoff_ms
                .map_or(defaults.initial_backoff, ms),
            max_backoff: file
                .delivery
                .max_backoff_ms
                .map_or(defaults.max_backoff, ms),
            max_attempts: file.delivery.max_attempts.unwrap_or(defaults.max_attempts),
            timeout: file.delivery.timeout_ms.map_or(defaults.timeout, ms),
            concurrency: file.delivery.concurrency.unwrap_or(defaults.concurrency),
            poll: file.delivery.poll_ms.map_or(defaults.poll, ms),
        };
        if policy.initial_backoff.is_zero() || policy.max_backoff < policy.initial_backoff {
            return Err(invalid(
                "`initial_backoff_ms` must be at least 1 and at most `max_backoff_ms`".into(),
            ));
        }
        if policy.timeout.is_zero() || policy.poll.is_zero() || policy.concurrency == 0 {
            return Err(invalid(
                "`timeout_ms`, `poll_ms` and `concurrency` must be at least 1".into(),
            ));
        }
        let mut names = HashSet::new();
        let mut hooks = Vec::with_capacity(file.webhooks.len());
        for hook in file.webhooks {
            let name = hook.name;
            if name.is_empty()
                || name.len() > 64
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(invalid(format!(
                    "webhook name `{name}` must be 1 to 64 letters, digits, `_` or `-`"
                )));
            }
            if !names.insert(name.clone()) {
                return Err(invalid(format!("webhook `{name}` is declared twice")));
            }
            let url: Uri = hook.url.parse().map_err(|e| {
                invalid(format!(
                    "webhook `{name}`: `{}` is not a URL: {e}",
                    hook.url
                ))
            })?;
            if url.scheme_str() != Some("http") || url.host().is_none() {
                return Err(invalid(format!(
                    "webhook `{name}`: `{}` must be an http:// URL with a host (for HTTPS, post to a local TLS-terminating forwarder)",
                    hook.url
                )));
            }
            let headers = hook
                .headers
                .into_iter()
                .map(|(header, value)| {
                    let parsed = (
                        HeaderName::try_from(header.as_str()),
                        HeaderValue::try_from(value.as_str()),
                    );
                    match parsed {
                        (Ok(header), Ok(value)) => Ok((header, value)),
                        _ => Err(invalid(format!(
                            "webhook `{name}`: header `{header}` is not a valid HTTP header"
                        ))),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            hooks.push(Webhook {
                name,
                url,
                actions: hook.actions,
                triggers: hook.triggers,
                headers,
            });
        }
        Ok(Webhooks { policy, hooks })
    }
}

/// The body posted for an outbox action (the shape `/v1/outbox` lists).
pub fn payload(entry: &OutboxEntry) -> Json {
    json!({
        "key": entry.key,
        "seq": entry.seq,
        "instance": entry.instance,
        "event_seq": entry.event_seq,
        "trigger": entry.trigger,
        "at": store::format_micros(entry.at),
        "action": serde_json::from_str::<Json>(&entry.action).unwrap_or(Json::Null),
    })
}

/// The delivery worker's share of the server.
pub struct Worker {
    webhooks: Arc<Webhooks>,
    ops: Arc<dyn OperationsStore>,
    metrics: Arc<Metrics>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Worker {
    pub fn new(
        webhooks: Arc<Webhooks>,
        ops: Arc<dyn OperationsStore>,
        metrics: Arc<Metrics>,
    ) -> Worker {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(webhooks.policy.timeout));
        Worker {
            client: Client::builder(TokioExecutor::new()).build(connector),
            webhooks,
            ops,
            metrics,
        }
    }

    /// Delivers until `stop` turns true; a round that finds work is followed at once by
    /// another, an idle one waits `poll`.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        if self.webhooks.hooks.is_empty() {
            return;
        }
        let worker = Arc::new(self);
        loop {
            let busy = match Arc::clone(&worker).round().await {
                Ok(busy) => busy,
                Err(error) => {
                    tracing::warn!(%error, "delivery: a round failed");
                    false
                }
            };
            if *stop.borrow() {
                return;
            }
            if !busy {
                tokio::select! {
                    () = tokio::time::sleep(worker.webhooks.policy.poll) => {}
                    changed = stop.changed() => {
                        if changed.is_err() || *stop.borrow() {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Queues new outbox actions, then posts the deliveries that are due; whether it found
    /// anything to do.
    pub async fn round(self: Arc<Self>) -> Result<bool, StoreError> {
        let mut busy = false;
        for hook in &self.webhooks.hooks {
            busy |= self.queue(hook).await?;
        }
        let policy = &self.webhooks.policy;
        let now = store::now_micros();
        // The lease outlasts an attempt, so a delivery in flight is not taken twice.
        let lease = policy.timeout.saturating_mul(2) + Duration::from_secs(5);
        let claimed = self
            .ops
            .write_delivery(DeliveryWrite::Claim {
                webhooks: self.webhooks.hooks.iter().map(|h| h.name.clone()).collect(),
                now,
                lease_until: now.saturating_add(micros(lease)),
                limit: u32::try_from(policy.concurrency.saturating_mul(4)).unwrap_or(u32::MAX),
            })
            .await?;
        let DeliveryWritten::Claimed(claimed) = claimed else {
            return Ok(busy);
        };
        busy |= !claimed.is_empty();
        let limit = Arc::new(tokio::sync::Semaphore::new(policy.concurrency));
        let mut posts = JoinSet::new();
        for delivery in claimed {
            let (worker, limit) = (Arc::clone(&self), Arc::clone(&limit));
            posts.spawn(async move {
                let _permit = limit.acquire_owned().await;
                worker.deliver(delivery).await
            });
        }
        while let Some(done) = posts.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(error),
                Err(error) => tracing::warn!(%error, "delivery: a post task failed"),
            }
        }
        Ok(busy)
    }

    /// Queues for `hook` the outbox actions after its cursor that it wants.
    async fn queue(&self, hook: &Webhook) -> Result<bool, StoreError> {
        let after = self.ops.delivery_cursor(&hook.name).await?;
        let entries = self.ops.outbox(after, QUEUE_BATCH).await?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            return Ok(false);
        };
        let seqs = entries
            .iter()
            .filter(|entry| hook.wants(entry))
            .map(|entry| entry.seq)
            .collect();
        self.ops
            .write_delivery(DeliveryWrite::Enqueue {
                webhook: hook.name.clone(),
                seqs,
                upto: last,
                now: store::now_micros(),
            })
            .await?;
        Ok(true)
    }

    /// Posts one delivery and stores how it went.
    async fn deliver(&self, delivery: Delivery) -> Result<(), StoreError> {
        let Some(hook) = self
            .webhooks
            .hooks
            .iter()
            .find(|h| h.name == delivery.webhook)
        else {
            return Ok(());
        };
        let attempt = delivery.attempts + 1;
        let outcome = self.post(hook, &delivery.entry, attempt).await;
        let at = store::now_micros();
        let policy = &self.webhooks.policy;
        let retry_at = match &outcome {
            Err(_) if !policy.gives_up(attempt) => {
                Some(at.saturating_add(micros(policy.backoff(attempt))))
            }
            _ => None,
        };
        match &outcome {
            Ok(()) => self.metrics.observe_delivery(&hook.name, "delivered"),
            Err(error) => {
                let given_up = retry_at.is_none();
                self.metrics
                    .observe_delivery(&hook.name, if given_up { "given_up" } else { "failed" });
                tracing::warn!(
                    webhook = %hook.name,
                    key = %delivery.entry.key,
                    attempt,
                    given_up,
                    %error,
                    "delivery: an attempt failed"
                );
            }
        }
        self.ops
            .write_delivery(DeliveryWrite::Record(Attempt {
                webhook: hook.name.clone(),
                seq: delivery.entry.seq,
                at,
                error: outcome.err(),
                retry_at,
            }))
            .await?;
        Ok(())
    }

    /// One `POST`; `Err` says why it did not count as delivered.
    async fn post(&self, hook: &Webhook, entry: &OutboxEntry, attempt: i64) -> Result<(), String> {
        let body = ordo_engine::to_json_string(&payload(entry));
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(hook.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("ordo/", env!("CARGO_PKG_VERSION")))
            .header(IDEMPOTENCY_KEY_HEADER, entry.key.as_str())
            .header(ATTEMPT_HEADER, attempt)
            .header(WEBHOOK_HEADER, hook.name.as_str());
        for (name, value) in &hook.headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("the request could not be made: {e}"))?;
        let sent = tokio::time::timeout(self.webhooks.policy.timeout, self.client.request(request));
        match sent.await {
            Err(_) => Err(format!(
                "no answer within {} ms",
                self.webhooks.policy.timeout.as_millis()
            )),
            Ok(Err(error)) => Err(format!("{error}: {}", source_chain(&error))),
            Ok(Ok(response)) if response.status().is_success() => Ok(()),
            Ok(Ok(response)) => Err(format!("answered HTTP {}", response.status())),
        }
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// The causes of an error, innermost last.
fn source_chain(error: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    causes.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhooks_file_is_read_and_checked() {
        let hooks = Webhooks::parse(
            r#"
            [delivery]
            initial_backoff_ms = 100
            max_backoff_ms = 1000
            max_attempts = 5

            [[webhooks]]
            name = "mailer"
            url = "http://127.0.0.1:9000/ordo"
            actions = ["notify", "escalate"]
            headers = { authorization = "Bearer secret" }

            [[webhooks]]
            name = "erp"
            url = "http://erp.internal/hooks"
            triggers = ["handover"]
            "#,
        )
        .unwrap();
        assert_eq!(hooks.hooks.len(), 2);
        let policy = &hooks.policy;
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(3), Duration::from_millis(400));
        assert_eq!(policy.backoff(10), Duration::from_millis(1000));
        assert!(!policy.gives_up(4) && policy.gives_up(5));

        let entry = |trigger: &str, kind: &str| OutboxEntry {
            seq: 1,
            key: "k".into(),
            instance: "SO-1".into(),
            event_seq: 3,
            trigger: trigger.into(),
            action: json!({"action": kind, "key": "k"}).to_string(),
            at: 0,
        };
        let (mailer, erp) = (&hooks.hooks[0], &hooks.hooks[1]);
        assert!(mailer.wants(&entry("large_order", "notify")));
        assert!(!mailer.wants(&entry("handover", "emit")));
        assert!(erp.wants(&entry("handover", "emit")));
        assert!(!erp.wants(&entry("large_order", "notify")));

        for (text, says) in [
            (
                "[[webhooks]]\nname = \"a b\"\nurl = \"http://x/\"",
                "webhook name",
            ),
            (
                "[[webhooks]]\nname = \"a\"\nurl = \"https://x/\"",
                "http:// URL",
            ),
            (
                "[[webhooks]]\nname = \"a\"\nurl = \"http://x/\"\n[[webhooks]]\nname = \"a\"\nurl = \"http://y/\"",
                "declared twice",
            ),
            ("[delivery]\ninitial_backoff_ms = 0", "initial_backoff_ms"),
            (
                "[[webhooks]]\nname = \"a\"\nurl = \"http://x/\"\nkinds = []",
                "unknown field",
            ),
        ] {
            let error = Webhooks::parse(text).unwrap_err().to_string();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
