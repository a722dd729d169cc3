//! [`Metrics`]: the gateway's Prometheus metrics, served as text on `GET /metrics`.
//!
//! Labels are few and bounded: `consumer` (a name from the policy, only once the
//! consumer is authenticated), `decision` (passed / masked / refused), `transform` (a
//! transform's policy name), `listener` (postgres / http), `kind` (an error code), and
//! never a value, a statement or a path. The hot path only touches atomics: the
//! counters of a consumer are resolved once (per PostgreSQL session, or once per
//! consumer for HTTP) and values transformed are tallied per statement or response
//! ([`TransformTally`]) and added at its end. The audit writer's counters are read at
//! scrape time ([`super::audit_collector`]).
//!
//! The full reference is in `docs/operations.md`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::audit_collector::AuditCollector;
use crate::audit::{AuditDecision, AuditLog, Channel};
use crate::pg::error::LOGIN_REFUSALS;
use crate::pg::server::cancel::CancelOutcome;
use crate::transform::TransformTally;

/// The `Content-Type` of `/metrics` (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The consumer label given to HTTP requests refused before an identity was known.
pub const UNIDENTIFIED: &str = "unidentified";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConsumerLabels {
    consumer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConsumerDecisionLabels {
    consumer: String,
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransformLabels {
    listener: &'static str,
    transform: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    listener: &'static str,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latency buckets: 0.5 ms to about 16 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

const DECISIONS: [AuditDecision; 3] = [
    AuditDecision::Passed,
    AuditDecision::Masked,
    AuditDecision::Refused,
];

fn decision_label(d: AuditDecision) -> &'static str {
    match d {
        AuditDecision::Passed => "passed",
        AuditDecision::Masked => "masked",
        AuditDecision::Refused => "refused",
    }
}

fn decision_index(d: AuditDecision) -> usize {
    match d {
        AuditDecision::Passed => 0,
        AuditDecision::Masked => 1,
        AuditDecision::Refused => 2,
    }
}

/// The `listener` label of a channel.
pub fn listener_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Postgres => "postgres",
        Channel::Http => "http",
        Channel::File => "file",
    }
}

/// One gateway's statements or requests: by consumer and decision, and their latency.
struct Traffic {
    by_consumer: Family<ConsumerDecisionLabels, Counter>,
    latency: [Histogram; 3],
    /// Consumer → its counters, resolved once.
    resolved: RwLock<HashMap<String, ConsumerCounters>>,
}

impl Traffic {
    fn new(latency: &HistogramFamily<DecisionLabels>) -> Traffic {
        Traffic {
            by_consumer: Family::default(),
            latency: DECISIONS.map(|d| {
                latency.get_or_create_owned(&DecisionLabels {
                    decision: decision_label(d),
                })
            }),
            resolved: RwLock::default(),
        }
    }

    fn consumer(&self, consumer: &str) -> ConsumerCounters {
        if let Ok(map) = self.resolved.read()
            && let Some(c) = map.get(consumer)
        {
            return c.clone();
        }
        let counters = ConsumerCounters {
            decisions: DECISIONS.map(|d| {
                self.by_consumer
                    .get_or_create_owned(&ConsumerDecisionLabels {
                        consumer: consumer.to_owned(),
                        decision: decision_label(d),
                    })
            }),
        };
        if let Ok(mut map) = self.resolved.write() {
            map.insert(consumer.to_owned(), counters.clone());
        }
        counters
    }

    fn observe(&self, decision: AuditDecision, elapsed: Duration) {
        self.latency[decision_index(decision)].observe(elapsed.as_secs_f64());
    }
}

/// The decision counters of one consumer on one listener, resolved once.
#[derive(Clone, Debug)]
pub struct ConsumerCounters {
    decisions: [Counter; 3],
}

impl ConsumerCounters {
    fn count(&self, decision: AuditDecision) {
        self.decisions[decision_index(decision)].inc();
    }
}

/// Every metric of one running gateway. Shared as `Arc<Metrics>`; no global state.
pub struct Metrics {
    registry: Registry,
    sessions_opened: Family<ConsumerLabels, Counter>,
    sessions_active: Family<ConsumerLabels, Gauge>,
    statements: Traffic,
    requests: Traffic,
    values: Family<TransformLabels, Counter>,
    /// `values`' counters already resolved, by (listener, transform): found by the
    /// names' pointers (static strings) without hashing the labels as the family does.
    resolved_values: RwLock<Vec<(TransformLabels, Counter)>>,
    upstream_errors: Family<UpstreamLabels, Counter>,
    reloads: Family<ResultLabels, Counter>,
    policy: Family<VersionLabels, Gauge>,
    cut_off: Counter,
    cancels: Family<OutcomeLabels, Counter>,
    logins_refused: Family<ReasonLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new(None)
    }
}

impl Metrics {
    /// Registers every metric; `audit`'s counters are read at each scrape.
    pub fn new(audit: Option<AuditLog>) -> Metrics {
        let mut registry = Registry::with_prefix("tuomin");
        let statement_latency: HistogramFamily<DecisionLabels> =
            Family::new_with_constructor(latency_histogram);
        let request_latency: HistogramFamily<DecisionLabels> =
            Family::new_with_constructor(latency_histogram);
        let metrics = Metrics {
            sessions_opened: Family::default(),
            sessions_active: Family::default(),
            statements: Traffic::new(&statement_latency),
            requests: Traffic::new(&request_latency),
            values: Family::default(),
            resolved_values: RwLock::default(),
            upstream_errors: Family::default(),
            reloads: Family::default(),
            policy: Family::default(),
            cut_off: Counter::default(),
            cancels: Family::default(),
            logins_refused: Family::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "pg_sessions_opened",
            "PostgreSQL sessions authenticated, by consumer",
            metrics.sessions_opened.clone(),
        );
        r.register(
            "pg_sessions_active",
            "PostgreSQL sessions open now, by consumer",
            metrics.sessions_active.clone(),
        );
        r.register(
            "pg_statements",
            "PostgreSQL statements by consumer and decision (passed, masked, refused)",
            metrics.statements.by_consumer.clone(),
        );
        r.register(
            "pg_statement_duration_seconds",
            "Time from a statement's arrival to its completion or refusal, by decision",
            statement_latency,
        );
        r.register(
            "http_requests",
            "HTTP requests by consumer and decision (passed, masked, refused)",
            metrics.requests.by_consumer.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by decision",
            request_latency,
        );
        r.register(
            "values_transformed",
            "Values transformed on their way out, by listener and transform",
            metrics.values.clone(),
        );
        r.register(
            "upstream_errors",
            "Upstream failures (unreachable, timeout, protocol), by listener and kind",
            metrics.upstream_errors.clone(),
        );
        r.register(
            "policy_reloads",
            "Policy reloads (SIGHUP or POST /reload), by result (ok, failed)",
            metrics.reloads.clone(),
        );
        r.register(
            "policy_info",
            "The running policy's version (SHA-256 of its file), as a label; value 1",
            metrics.policy.clone(),
        );
        r.register(
            "cutoff_connections_closed",
            "Open connections closed because their consumer was disabled or removed",
            metrics.cut_off.clone(),
        );
        for result in ["ok", "failed"] {
            metrics
                .reloads
                .get_or_create_owned(&ResultLabels { result });
        }
        r.register(
            "pg_cancel_requests",
            "PostgreSQL cancel requests, by outcome (forwarded; unknown: no live session has the key; failed: the upstream could not be told)",
            metrics.cancels.clone(),
        );
        for outcome in CancelOutcome::LABELS {
            metrics
                .cancels
                .get_or_create_owned(&OutcomeLabels { outcome });
        }
        r.register(
            "pg_logins_refused",
            "PostgreSQL connections refused before a session began, by reason (authentication, startup, too_many_sessions, tls, client_protocol, upstream, gateway, timeout)",
            metrics.logins_refused.clone(),
        );
        for reason in LOGIN_REFUSALS {
            metrics
                .logins_refused
                .get_or_create_owned(&ReasonLabels { reason });
        }
        r.register_collector(Box::new(super::memo_collector::MemoCollector));
        if let Some(log) = audit {
            r.register_collector(Box::new(AuditCollector::new(log)));
        }
        Metrics {
            registry,
            ..metrics
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }

    /// A PostgreSQL session of `consumer` opened; it counts as active until the
    /// returned guard is dropped.
    pub fn session_opened(&self, consumer: &str) -> SessionGuard {
        let labels = ConsumerLabels {
            consumer: consumer.to_owned(),
        };
        self.sessions_opened.get_or_create(&labels).inc();
        let active = self.sessions_active.get_or_create_owned(&labels);
        active.inc();
        SessionGuard { active }
    }

    /// The statement counters of a PostgreSQL consumer (resolve once per session).
    pub fn statement_counters(&self, consumer: &str) -> ConsumerCounters {
        self.statements.consumer(consumer)
    }

    /// One PostgreSQL statement ended; its latency when its arrival is known.
    pub fn statement(
        &self,
        counters: &ConsumerCounters,
        decision: AuditDecision,
        elapsed: Option<Duration>,
    ) {
        counters.count(decision);
        if let Some(elapsed) = elapsed {
            self.statements.observe(decision, elapsed);
        }
    }

    /// One HTTP request answered (`consumer` is [`UNIDENTIFIED`] before identity).
    pub fn request(&self, consumer: &str, decision: AuditDecision, elapsed: Duration) {
        self.requests.consumer(consumer).count(decision);
        self.requests.observe(decision, elapsed);
    }

    /// Adds (and empties) a statement's or response's tally of values transformed.
    pub fn transformed(&self, channel: Channel, tally: &mut TransformTally) {
        crate::transform::memo::count_recalled(tally.take_recalled());
        let listener = listener_label(channel);
        for (transform, n) in tally.drain() {
            self.count_values(
                TransformLabels {
                    listener,
                    transform,
                },
                n,
            );
        }
    }

    /// Adds `n` to the counter of `values` with these labels, resolved once.
    fn count_values(&self, labels: TransformLabels, n: u64) {
        let same = |a: &'static str, b: &'static str| std::ptr::eq(a, b) || a == b;
        if let Ok(resolved) = self.resolved_values.read()
            && let Some((_, counter)) = resolved.iter().find(|(l, _)| {
                same(l.listener, labels.listener) && same(l.transform, labels.transform)
            })
        {
            counter.inc_by(n);
            return;
        }
        let counter = self.values.get_or_create_owned(&labels);
        counter.inc_by(n);
        if let Ok(mut resolved) = self.resolved_values.write() {
            resolved.push((labels, counter));
        }
    }

    /// An upstream failure of kind `kind` (a stable code) on a listener.
    pub fn upstream_error(&self, channel: Channel, kind: &'static str) {
        self.upstream_errors
            .get_or_create(&UpstreamLabels {
                listener: listener_label(channel),
                kind,
            })
            .inc();
    }

    /// A policy was loaded or reloaded: its version becomes `policy_info`'s label.
    pub fn policy_loaded(&self, version: &str) {
        self.policy.clear();
        self.policy
            .get_or_create(&VersionLabels {
                version: version.to_owned(),
            })
            .set(1);
    }

    /// A reload ended: ok, or refused with the running policy kept.
    pub fn reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads.get_or_create(&ResultLabels { result }).inc();
    }

    /// A PostgreSQL cancel request and what came of it (one of [`CancelOutcome::LABELS`]).
    pub fn cancel_request(&self, outcome: &'static str) {
        self.cancels.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// A PostgreSQL login refused, for `reason` (one of [`LOGIN_REFUSALS`]).
    pub fn login_refused(&self, reason: &'static str) {
        self.logins_refused
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Connections signalled to close at a cut-off.
    pub fn cut_off(&self, connections: usize) {
        self.cut_off.inc_by(connections as u64);
    }
}

/// Keeps a PostgreSQL session counted as active; dropping it ends the count.
#[derive(Debug)]
pub struct SessionGuard {
    active: Gauge,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.active.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
        text.lines().find(|l| l.starts_with(prefix))
    }

    #[test]
    fn counters_carry_their_consumer_and_decision_labels() {
        let m = Metrics::default();
        let qa = m.statement_counters("qa");
        m.statement(&qa, AuditDecision::Masked, Some(Duration::from_millis(3)));
        m.statement(&qa, AuditDecision::Masked, Some(Duration::from_millis(3)));
        m.request("vendor", AuditDecision::Refused, Duration::from_millis(1));
        let text = m.encode();
        assert!(
            line(
                &text,
                "tuomin_pg_statements_total{consumer=\"qa\",decision=\"masked\"} 2"
            )
            .is_some(),
            "{text}"
        );
        assert!(
            line(
                &text,
                "tuomin_http_requests_total{consumer=\"vendor\",decision=\"refused\"} 1"
            )
            .is_some()
        );
        assert!(
            line(
                &text,
                "tuomin_pg_statement_duration_seconds_count{decision=\"masked\"} 2"
            )
            .is_some()
        );
    }

    #[test]
    fn a_session_is_active_until_its_guard_drops() {
        let m = Metrics::default();
        let guard = m.session_opened("qa");
        assert!(line(&m.encode(), "tuomin_pg_sessions_active{consumer=\"qa\"} 1").is_some());
        drop(guard);
        let text = m.encode();
        assert!(line(&text, "tuomin_pg_sessions_active{consumer=\"qa\"} 0").is_some());
        assert!(line(&text, "tuomin_pg_sessions_opened_total{consumer=\"qa\"} 1").is_some());
    }

    #[test]
    fn a_tally_is_added_by_transform_and_emptied() {
        let m = Metrics::default();
        let mut tally = TransformTally::default();
        tally.add_n("fpe_card", 5);
        m.transformed(Channel::Http, &mut tally);
        assert!(tally.is_empty());
        assert!(
            line(
                &m.encode(),
                "tuomin_values_transformed_total{listener=\"http\",transform=\"fpe_card\"} 5"
            )
            .is_some()
        );
        // Later tallies go to the counter resolved the first time, found by the name
        // even when it is another copy of it; other labels get their own.
        let copy: &'static str = String::from("fpe_card").leak();
        tally.add_n("fpe_card", 2);
        tally.add_n(copy, 3);
        tally.add_n("mask", 1);
        m.transformed(Channel::Http, &mut tally);
        tally.add_n("fpe_card", 4);
        m.transformed(Channel::Postgres, &mut tally);
        let text = m.encode();
        for expected in [
            "tuomin_values_transformed_total{listener=\"http\",transform=\"fpe_card\"} 10",
            "tuomin_values_transformed_total{listener=\"http\",transform=\"mask\"} 1",
            "tuomin_values_transformed_total{listener=\"postgres\",transform=\"fpe_card\"} 4",
        ] {
            assert!(line(&text, expected).is_some(), "{expected}\n{text}");
        }
    }

    #[test]
    fn only_the_running_policy_version_is_labelled() {
        let m = Metrics::default();
        m.policy_loaded("aaa");
        m.policy_loaded("bbb");
        let text = m.encode();
        assert!(line(&text, "tuomin_policy_info{version=\"bbb\"} 1").is_some());
        assert!(!text.contains("version=\"aaa\""));
    }
}
