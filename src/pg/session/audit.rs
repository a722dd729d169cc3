//! The audit record of one statement: who, which fields of which grade in which form,
//! how many rows, what was decided, and the statement's fingerprint (no literal); and
//! the record of a refused login ([`login_refused`]).

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

/// The longest user or database name a refused login's record keeps (PostgreSQL's
/// identifiers are at most 63 bytes; a client may send anything).
const MAX_LOGIN_NAME: usize = 63;

/// The record of a refused login (at its startup or its authentication): the name the
/// client gave (cut to 63 bytes), its scenario when it names a consumer, the database
/// asked for, the client's address and the refusal as the client was told it.
/// Fingerprint `login`.
pub fn login_refused(
    policy: &Policy,
    user: &str,
    database: &str,
    client: Option<std::net::SocketAddr>,
    reason: &str,
) -> AuditEvent {
    let cut = |s: &str| {
        let mut end = s.len().min(MAX_LOGIN_NAME);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_owned()
    };
    AuditEvent {
        time: AuditEvent::now(),
        consumer: cut(user),
        scenario: policy
            .consumer(user)
            .map_or_else(|| "unknown".to_owned(), |c| c.scenario.to_string()),
        channel: Channel::Postgres,
        client: client.map(|a| a.to_string()),
        source: vec![cut(database)],
        fields: vec![],
        rows: 0,
        decision: AuditDecision::Refused,
        reason: Some(if user.len() > MAX_LOGIN_NAME {
            reason.replace(user, &cut(user))
        } else {
            reason.to_owned()
        }),
        fingerprint: Some("login".to_owned()),
        key_id: policy.key_id().to_string(),
    }
}
