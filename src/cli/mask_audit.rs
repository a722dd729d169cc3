//! The audit record of a `tuomin mask` run: one per run, passed, masked or refused.

use crate::audit::{AuditDecision, AuditEvent, AuditField, AuditLog, Channel};
use crate::policy::Policy;
use crate::staticmask::MaskReport;

/// Starts the policy's audit log, if it has one: before the run, so a trail that
/// cannot be written stops the run before any output.
pub fn start(policy: &Policy) -> anyhow::Result<Option<AuditLog>> {
    match &policy.audit {
        Some(config) => Ok(Some(AuditLog::start(config.clone(), &policy.audit_key())?)),
        None => Ok(None),
    }
}

/// Records the outcome of a run and waits until it is written.
pub fn record(
    log: Option<AuditLog>,
    policy: &Policy,
    consumer: &str,
    table: &str,
    outcome: Result<&MaskReport, String>,
) -> anyhow::Result<()> {
    let Some(log) = log else {
        return Ok(());
    };
    let scenario = policy
        .consumer(consumer)
        .map(|c| c.scenario.as_str())
        .unwrap_or("unknown");
    let (fields, rows, decision, reason) = match outcome {
        Ok(report) => {
            let mut fields = audit_fields(policy, table, &report.columns);
            fields.extend(scan_fields(policy, table, report));
            let fields = fields.into_iter().map(std::sync::Arc::new).collect();
            let masked = report.values_transformed > 0;
            let decision = if masked {
                AuditDecision::Masked
            } else {
                AuditDecision::Passed
            };
            (fields, report.records, decision, None)
        }
        Err(reason) => (Vec::new(), 0, AuditDecision::Refused, Some(reason)),
    };
    log.record(AuditEvent {
        time: AuditEvent::now(),
        consumer: consumer.to_owned(),
        scenario: scenario.to_owned(),
        channel: Channel::File,
        client: None,
        source: vec![table.to_owned()],
        fields,
        rows,
        decision,
        reason,
        fingerprint: None,
        key_id: policy.key_id().to_string(),
    })?;
    let healthy = log.healthy();
    log.shutdown();
    anyhow::ensure!(healthy, "the audit record of this run could not be written");
    Ok(())
}

fn audit_fields(
    policy: &Policy,
    table: &str,
    columns: &[(String, &'static str)],
) -> Vec<AuditField> {
    columns
        .iter()
        .map(|(column, action)| {
            let field = policy.table(table).and_then(|t| t.get(column));
            let category = field.map(|f| f.category.clone());
            let grade = category
                .as_ref()
                .and_then(|c| policy.categories.get(c))
                .map_or_else(|| "unclassified".to_owned(), |c| c.grade.to_string());
            AuditField::new(format!("{table}.{column}"), grade, category, *action)
        })
        .collect()
}

/// One field per (column, category) the egress scan found: `scan:<category>`.
fn scan_fields<'a>(
    policy: &'a Policy,
    table: &'a str,
    report: &'a MaskReport,
) -> impl Iterator<Item = AuditField> + 'a {
    report.scan_hits.iter().map(move |(column, kind)| {
        AuditField::new(
            format!("{table}.{column}"),
            policy
                .categories
                .get(kind.category())
                .map_or_else(|| "unclassified".to_owned(), |c| c.grade.to_string()),
            Some(kind.category().to_owned()),
            kind.scan_label(),
        )
    })
}
