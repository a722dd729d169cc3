//! The plan of a masking run: for each column of the input, what happens to it,
//! decided once from the header, executed on every record.

use std::collections::HashMap;
use std::sync::Arc;

use super::{MaskError, MaskJob};
use crate::config::Unclassified;
use crate::discovery::egress::EgressScanner;
use crate::policy::Decision;
use crate::transform::{Context, Transform};

/// What happens to one column.
#[derive(Clone, Debug)]
pub enum ColumnAction {
    Pass,
    Transform {
        transform: Arc<dyn Transform>,
        /// Index of the column naming the value's subject, when present in the input.
        subject: Option<usize>,
    },
    /// Refused and dropped from the output (`--drop-refused`).
    Drop,
    /// Unclassified under `unclassified = "scan"`: values with no sensitive hit pass,
    /// hits are masked as their category (or the run refused).
    Scan(Arc<EgressScanner>),
}

/// The plan for a header.
#[derive(Clone, Debug)]
pub struct MaskPlan {
    pub columns: Vec<String>,
    pub actions: Vec<ColumnAction>,
    /// Names of the dropped columns.
    pub dropped: Vec<String>,
    /// Each column with the name of its action, for the audit record.
    pub described: Vec<(String, &'static str)>,
}

impl MaskPlan {
    /// Decides every column of `header` for the job's consumer; refuses (before any
    /// output) when a column is refused and dropping was not asked for.
    pub fn new(job: &MaskJob<'_>, header: &[String]) -> Result<Self, MaskError> {
        let policy = job.policy;
        let consumer = policy
            .consumer(job.consumer)
            .ok_or_else(|| MaskError::UnknownConsumer(job.consumer.to_owned()))?;
        if !consumer.enabled {
            return Err(MaskError::DisabledConsumer(job.consumer.to_owned()));
        }
        let dictionary = policy
            .table(&job.table)
            .ok_or_else(|| MaskError::UnknownTable(job.table.clone()))?;
        let mut index = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            if index.insert(name.as_str(), i).is_some() {
                return Err(MaskError::DuplicateColumn(name.clone()));
            }
        }
        let mut actions = Vec::with_capacity(header.len());
        let mut refused = Vec::new();
        let mut dropped = Vec::new();
        let mut described = Vec::with_capacity(header.len());
        let scanner = policy
            .scanner(job.consumer)
            .filter(|_| policy.unclassified == Unclassified::Scan);
        for name in header {
            if let Some(scanner) = scanner.filter(|_| !dictionary.contains_key(name)) {
                described.push((name.clone(), "scan"));
                actions.push(ColumnAction::Scan(scanner.clone()));
                continue;
            }
            let decision = policy.decide(job.consumer, &job.table, name);
            described.push((name.clone(), decision.action_name()));
            match decision {
                Decision::Pass { .. } => actions.push(ColumnAction::Pass),
                Decision::Transform { transform, .. } => {
                    let subject = dictionary
                        .get(name)
                        .and_then(|f| f.subject.as_deref())
                        .and_then(|s| index.get(s).copied());
                    actions.push(ColumnAction::Transform { transform, subject });
                }
                Decision::Refuse(refusal) => {
                    refused.push(refusal.message);
                    dropped.push(name.clone());
                    actions.push(ColumnAction::Drop);
                }
            }
        }
        if !refused.is_empty() && !job.drop_refused {
            return Err(MaskError::Refused(refused));
        }
        Ok(MaskPlan {
            columns: header.to_vec(),
            actions,
            dropped,
            described,
        })
    }

    /// The header of the output (dropped columns removed).
    pub fn output_columns(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .zip(&self.actions)
            .filter(|(_, a)| !matches!(a, ColumnAction::Drop))
            .map(|(c, _)| c.as_str())
    }

    /// Applies column `i`'s action to `value`; `subject` is the raw value of the
    /// column's subject column, when it has one (see [`MaskPlan::subject_of`]).
    /// `Ok(None)` is a null.
    pub fn apply(
        &self,
        i: usize,
        value: &str,
        subject: Option<&str>,
        line: u64,
    ) -> Result<Option<String>, MaskError> {
        match &self.actions[i] {
            ColumnAction::Pass => Ok(Some(value.to_owned())),
            ColumnAction::Drop => Ok(None),
            ColumnAction::Scan(scanner) => {
                scanner
                    .apply(value, &Context { subject })
                    .map_err(|e| MaskError::Transform {
                        line,
                        column: self.columns[i].clone(),
                        message: e.to_string(),
                    })
            }
            ColumnAction::Transform { transform, .. } => transform
                .apply(value, &Context { subject })
                .map_err(|e| MaskError::Transform {
                    line,
                    column: self.columns[i].clone(),
                    message: e.to_string(),
                }),
        }
    }

    /// The index of the input column holding column `i`'s subject.
    pub fn subject_of(&self, i: usize) -> Option<usize> {
        match &self.actions[i] {
            ColumnAction::Transform { subject, .. } => *subject,
            _ => None,
        }
    }
}
