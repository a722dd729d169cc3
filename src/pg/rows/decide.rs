//! [`build_plan`]: from a RowDescription's columns to a [`RowPlan`], or a refusal.
//!
//! A column with a table OID is looked up in the catalog snapshot (`schema.table`
//! and the column name), then in the policy. System catalogs pass (psql's `\d` must
//! work) except the statistics relations, which hold samples of every column. Views
//! and foreign tables are attributed only when the dictionary classifies them.
//! A column without a table OID (an expression) is refused when the consumer has any
//! masked rule and the statement names any relation holding a column the consumer may
//! not see unmasked, a statistics relation, or a user-defined function — a
//! conservative stand-in for lineage until the SQL analysis lands.

use crate::pg::catalog::{Relation, Snapshot};
use crate::pg::codec::backend::FieldDescription;
use crate::pg::sqltext::tokenize;
use crate::pg::values::{TypeOid, type_constraint};
use crate::policy::{Decision, Policy};

use super::plan::{ColumnPlan, MaskColumn, RowPlan};

/// What a plan is decided from.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    /// The running policy.
    pub policy: &'a Policy,
    /// The consumer.
    pub consumer: &'a str,
    /// The database's catalog.
    pub catalog: &'a Snapshot,
    /// The statement text (for columns without provenance).
    pub statement: &'a str,
    /// The SQL gate analysed the statement and the RowDescription agreed with its
    /// prediction: a computed column is then known not to carry a sensitive value.
    pub gate_checked: bool,
    /// The SQL gate's source of each output column (`schema.table`, column), after
    /// views and inheritance, when it checked the statement: a view or partition the
    /// dictionary does not classify is decided as the base column it reads.
    pub gate_sources: &'a [Option<(String, String)>],
}

/// Why a plan could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanOutcome {
    /// The snapshot does not know this table OID or attribute: reload and retry.
    Miss,
    /// The statement is refused; the message names the column and the rule.
    Refused(String),
}

/// Whether `consumer` has any field that is not passed (or unknown columns refused).
pub fn consumer_is_masked(policy: &Policy, consumer: &str) -> bool {
    if policy.unclassified != crate::config::Unclassified::Pass {
        return true;
    }
    policy.dictionary.iter().any(|(table, fields)| {
        fields
            .keys()
            .any(|col| !policy.passes(consumer, table, col))
    })
}

/// Decides every column.
pub fn build_plan(
    input: &PlanInput<'_>,
    fields: &[FieldDescription],
) -> Result<RowPlan, PlanOutcome> {
    let masked_consumer = consumer_is_masked(input.policy, input.consumer);
    let mut columns = Vec::with_capacity(fields.len());
    let mut audit = Vec::new();
    let mut sources = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let column = column(input, i, field, masked_consumer, fields, &mut audit)?;
        if let Some(rel) = input.catalog.relation(field.table_oid)
            && !rel.is_system()
            && !sources.contains(&rel.qualified())
        {
            sources.push(rel.qualified());
        }
        columns.push(column);
    }
    Ok(RowPlan::new(columns, audit, sources))
}

fn column(
    input: &PlanInput<'_>,
    index: usize,
    field: &FieldDescription,
    masked_consumer: bool,
    all: &[FieldDescription],
    audit: &mut Vec<std::sync::Arc<crate::audit::AuditField>>,
) -> Result<ColumnPlan, PlanOutcome> {
    if field.table_oid == 0 {
        if masked_consumer
            && !input.gate_checked
            && let Some(name) = sensitive_mention(input)?
        {
            return Err(PlanOutcome::Refused(format!(
                "output column \"{}\" is computed (PostgreSQL reports no source column for it) \
                 and the statement reads {name}, which holds values this consumer may only \
                 see masked; select the columns themselves — tuomin cannot attribute \
                 expressions yet",
                field.name
            )));
        }
        return Ok(ColumnPlan::Pass);
    }
    let rel = input
        .catalog
        .relation(field.table_oid)
        .ok_or(PlanOutcome::Miss)?;
    if rel.is_system() {
        if rel.is_statistics() && masked_consumer {
            return Err(PlanOutcome::Refused(format!(
                "{} holds samples of column values and is refused for consumers with masked fields",
                rel.qualified()
            )));
        }
        return Ok(ColumnPlan::Pass);
    }
    if field.column_attnum < 0 {
        // System columns (ctid, xmin, …) hold no data values.
        return Ok(ColumnPlan::Pass);
    }
    if field.column_attnum == 0 {
        // A whole-row reference (`select c from cards c`): every column at once.
        if relation_is_sensitive(input, rel) {
            return Err(PlanOutcome::Refused(format!(
                "output column \"{}\" is a whole row of {}, which holds values this \
                 consumer may only see masked or not at all; select the columns themselves",
                field.name,
                rel.qualified()
            )));
        }
        return Ok(ColumnPlan::Pass);
    }
    let name = rel
        .columns
        .get(&field.column_attnum)
        .ok_or(PlanOutcome::Miss)?;
    let mut table = rel.qualified();
    let mut name = name;
    if input.gate_checked
        && input.policy.table(&table).is_none()
        && let Some(Some((t, c))) = input.gate_sources.get(index)
    {
        table = t.clone();
        name = c;
    }
    if rel.kind.is_derived() && input.policy.table(&table).is_none() {
        return Err(PlanOutcome::Refused(format!(
            "{table} is a view or foreign table that the policy's dictionary does not \
             classify; classify its columns to make it readable"
        )));
    }
    let source = format!("{table}.{name}");
    let decision = input.policy.decide(input.consumer, &table, name);
    audit.push(std::sync::Arc::new(audit_field(
        input.policy,
        input.consumer,
        &source,
        &decision,
    )));
    match decision {
        Decision::Pass { .. } => Ok(ColumnPlan::Pass),
        Decision::Refuse(refusal) => Err(PlanOutcome::Refused(refusal.message)),
        Decision::Transform { transform, origin } => {
            let oid = TypeOid(field.type_oid);
            if !oid.is_supported() {
                return Err(PlanOutcome::Refused(format!(
                    "{source} is masked ({}, {origin}) but its type (OID {}) has no value \
                     codec in tuomin, so the statement is refused",
                    transform.name(),
                    field.type_oid
                )));
            }
            let subject = subject_index(input, rel, &table, name, field.table_oid, all);
            Ok(ColumnPlan::Mask(MaskColumn {
                source,
                transform,
                oid,
                format: field.format,
                constraint: type_constraint(oid, field.type_modifier),
                subject,
            }))
        }
    }
}

fn audit_field(
    policy: &Policy,
    consumer: &str,
    source: &str,
    decision: &Decision,
) -> crate::audit::AuditField {
    let rule = policy.field_rule(consumer, source);
    crate::audit::AuditField::new(
        source,
        rule.map_or_else(|| "unclassified".to_owned(), |r| r.grade.to_string()),
        rule.map(|r| r.field.category.clone()),
        decision.action_name(),
    )
}

/// The output column holding the subject of `table.name`, if selected.
fn subject_index(
    input: &PlanInput<'_>,
    rel: &Relation,
    table: &str,
    name: &str,
    table_oid: u32,
    all: &[FieldDescription],
) -> Option<usize> {
    let subject = input.policy.table(table)?.get(name)?.subject.as_deref()?;
    let attnum = rel.columns.iter().find(|(_, c)| c.as_str() == subject)?.0;
    all.iter()
        .position(|f| f.table_oid == table_oid && f.column_attnum == *attnum)
}

/// The first object the statement names that makes an unattributed column unsafe.
fn sensitive_mention(input: &PlanInput<'_>) -> Result<Option<String>, PlanOutcome> {
    let tokens = tokenize(input.statement).map_err(|e| {
        PlanOutcome::Refused(format!(
            "the statement cannot be read ({e}), so computed columns are refused"
        ))
    })?;
    for token in &tokens {
        let Some(name) = token.name() else { continue };
        for rel in input.catalog.user_relations_named(name) {
            if relation_is_sensitive(input, rel) {
                return Ok(Some(rel.qualified()));
            }
        }
        if let Some(rel) = input.catalog.system_relation_named(name)
            && rel.is_statistics()
        {
            return Ok(Some(rel.qualified()));
        }
        if input.catalog.is_user_function(name) {
            return Ok(Some(format!("the user-defined function {name}")));
        }
    }
    Ok(None)
}

fn relation_is_sensitive(input: &PlanInput<'_>, rel: &Relation) -> bool {
    let table = rel.qualified();
    if rel.kind.is_derived() && input.policy.table(&table).is_none() {
        return true;
    }
    rel.columns
        .values()
        .any(|col| !input.policy.passes(input.consumer, &table, col))
}
