//! The audit writer's counters as metrics, read at each scrape: the writer keeps its
//! own atomics ([`crate::audit::AuditStats`]) and knows nothing of Prometheus.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::audit::AuditLog;

/// Emits `audit_*` metrics from an [`AuditLog`].
pub struct AuditCollector {
    log: AuditLog,
}

impl AuditCollector {
    pub fn new(log: AuditLog) -> Self {
        AuditCollector { log }
    }
}

impl std::fmt::Debug for AuditCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditCollector")
    }
}

pub(super) fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

pub(super) fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

impl Collector for AuditCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = self.log.stats();
        let e = &mut encoder;
        counter(
            e,
            "audit_records_written",
            "Audit records written to the trail.",
            s.written,
        )?;
        counter(
            e,
            "audit_write_failures",
            "Audit writes that failed (the trail is then unhealthy).",
            s.failures,
        )?;
        counter(
            e,
            "audit_records_dropped",
            "Audit records not written because the queue was full or the trail failing.",
            s.dropped,
        )?;
        gauge(
            e,
            "audit_queue_depth",
            "Audit records handed to the writer and not yet written (the audit lag).",
            i64::try_from(s.queued).unwrap_or(i64::MAX),
        )?;
        gauge(
            e,
            "audit_healthy",
            "1 while every audit write has succeeded, 0 after a failure.",
            i64::from(s.healthy),
        )
    }
}
