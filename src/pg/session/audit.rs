//! The audit record of one statement: who, which fields of which grade in which form,
//! how many rows, what was decided, and the statement's fingerprint (no literal).

use crate::audit::{AuditDecision, AuditEvent, Channel};
use crate::pg::rows::RowPlan;
use crate::policy::Policy;

use super::SessionCtx;

/// What happened to one statement.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// Rows were returned through `plan` (or none, for a plan-less command).
    Completed {
        /// The plan, if the statement returned rows.
        plan: Option<&'a RowPlan>,
        /// Rows sent.
        rows: u64,
    },
    /// Refused by the gateway, or failed upstream.
    Refused {
        /// The reason shown to the consumer.
        reason: &'a str,
    },
}

impl Outcome<'_> {
    /// Refused; or masked when the plan transformed a column; else passed.
    pub fn decision(&self) -> AuditDecision {
        match self {
            Outcome::Completed { plan, .. } if plan.is_some_and(RowPlan::is_masked) => {
                AuditDecision::Masked
            }
            Outcome::Completed { .. } => AuditDecision::Passed,
            Outcome::Refused { .. } => AuditDecision::Refused,
        }
    }
}

/// The event for `sql` with `outcome`.
pub fn event(ctx: &SessionCtx, policy: &Policy, sql: &str, outcome: Outcome<'_>) -> AuditEvent {
    let scenario = policy
        .consumer(&ctx.consumer)
        .map_or_else(|| "unknown".to_owned(), |c| c.scenario.to_string());
    let decision = outcome.decision();
    let (source, fields, rows, reason) = match outcome {
        Outcome::Completed { plan, rows } => (
            plan.map(|p| p.sources.clone()).unwrap_or_default(),
            plan.map(|p| p.audit.clone()).unwrap_or_default(),
            rows,
            None,
        ),
        Outcome::Refused { reason } => (vec![], vec![], 0, Some(reason.to_owned())),
    };
    AuditEvent {
        time: AuditEvent::now(),
        consumer: ctx.consumer.clone(),
        scenario,
        channel: Channel::Postgres,
        client: ctx.client.map(|a| a.to_string()),
        source,
        fields,
        rows,
        decision,
        reason,
        fingerprint: Some(crate::audit::fingerprint::sql(sql)),
        key_id: policy.key_id().to_string(),
    }
}
