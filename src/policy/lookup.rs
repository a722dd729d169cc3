//! Masked-value lookup: a consumer that received a pseudonym sends it back (in a
//! `WHERE` clause, a URL, a request body) and tuomin finds the real value — only for
//! deterministic, reversible transforms (FPE), and under every master key version still
//! held, so pseudonyms issued before a rotation keep working. A retired version's
//! pseudonyms can no longer be reversed.

use std::sync::Arc;

use super::decision::Decision;
use super::model::Policy;
use crate::keys::KeyId;
use crate::transform::{Context, Transform, TransformError};

/// Why a pseudonym could not be looked up. Messages never contain the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("{0} is not classified for this consumer; nothing to look up")]
    Unclassified(String),
    #[error("{field} is refused for this consumer: {reason}")]
    Refused { field: String, reason: String },
    #[error("{field} leaves in clear; send the value itself")]
    Passed { field: String },
    #[error(
        "{field} is protected by {transform}, which cannot be reversed; only FPE pseudonyms can be looked up"
    )]
    NotReversible {
        field: String,
        transform: &'static str,
    },
    #[error("the value is not a pseudonym of {0}")]
    NotAPseudonym(String),
}

/// One candidate original of a pseudonym and the key version that gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub key_id: KeyId,
    pub value: String,
}

impl Policy {
    /// The originals `pseudonym` can stand for in `table.column` for `consumer`: one per
    /// master key version still held (current first). A lookup by pseudonym matches any
    /// of them; rows come back masked under the current key.
    pub fn lookup(
        &self,
        consumer: &str,
        table: &str,
        column: &str,
        pseudonym: &str,
    ) -> Result<Vec<Candidate>, LookupError> {
        let source = format!("{table}.{column}");
        let Some(rule) = self.field_rule(consumer, &source) else {
            return Err(LookupError::Unclassified(source));
        };
        let current = match self.decide(consumer, table, column) {
            Decision::Transform { transform, .. } => transform,
            Decision::Refuse(refusal) => {
                return Err(LookupError::Refused {
                    field: source,
                    reason: refusal.message,
                });
            }
            Decision::Pass { .. } => return Err(LookupError::Passed { field: source }),
        };
        if !current.properties().reversible {
            return Err(LookupError::NotReversible {
                field: source,
                transform: current.name(),
            });
        }
        let versions = std::iter::once((self.key_id(), &current))
            .chain(rule.previous.iter().map(|(id, t)| (*id, t)));
        candidates(versions, pseudonym, &source)
    }
}

fn candidates<'a>(
    versions: impl Iterator<Item = (KeyId, &'a Arc<dyn Transform>)>,
    pseudonym: &str,
    source: &str,
) -> Result<Vec<Candidate>, LookupError> {
    let mut out: Vec<Candidate> = Vec::new();
    for (key_id, transform) in versions {
        match transform.reverse(pseudonym, &Context::default()) {
            Ok(value) if !out.iter().any(|c| c.value == value) => {
                out.push(Candidate { key_id, value })
            }
            Ok(_) => {}
            Err(TransformError::NotReversible(_)) => {}
            Err(_) => return Err(LookupError::NotAPseudonym(source.to_owned())),
        }
    }
    if out.is_empty() {
        return Err(LookupError::NotAPseudonym(source.to_owned()));
    }
    Ok(out)
}
