//! The decision for one value of one field for one consumer, and where it came from.

use std::fmt;
use std::sync::Arc;

use super::grade::{Grade, Scenario};
use crate::transform::Transform;

/// Which rule produced a decision, for `tuomin check`, refusal messages and audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleOrigin {
    /// The built-in default of a scenario for a category (or for a grade).
    Builtin { scenario: Scenario, what: String },
    /// A built-in invariant that no rule can change (C3, SMS codes).
    Invariant { what: String },
    /// The `[[rules]]` entry at this line of the policy file.
    Rule { line: usize },
    /// The built-in de-identified default offshore under an approved transfer.
    ApprovedTransfer { reference: String },
    /// The `[defaults] unclassified` setting.
    Unclassified,
    /// The consumer is disabled.
    Disabled,
}

impl fmt::Display for RuleOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleOrigin::Builtin { scenario, what } => {
                write!(f, "built-in default {scenario}.{what}")
            }
            RuleOrigin::Invariant { what } => write!(f, "built-in invariant {what}"),
            RuleOrigin::Rule { line } => write!(f, "policy rule at line {line}"),
            RuleOrigin::ApprovedTransfer { reference } => {
                write!(f, "approved transfer {reference}")
            }
            RuleOrigin::Unclassified => f.write_str("defaults.unclassified"),
            RuleOrigin::Disabled => f.write_str("consumer disabled"),
        }
    }
}

/// Why a value may not leave. The message names the field and the rule, never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub grade: Option<Grade>,
    pub origin: RuleOrigin,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What to do with the values of one field for one consumer.
#[must_use = "a decision must be executed: a refusal ignored would leak"]
#[derive(Clone, Debug)]
pub enum Decision {
    /// The value leaves unchanged.
    Pass { origin: RuleOrigin },
    /// The value goes through this transform.
    Transform {
        transform: Arc<dyn Transform>,
        origin: RuleOrigin,
    },
    /// Nothing of this field leaves; the statement or response is refused.
    Refuse(Refusal),
}

impl Decision {
    /// The policy name of what happens (`pass`, `refuse` or the transform's name).
    pub fn action_name(&self) -> &'static str {
        match self {
            Decision::Pass { .. } => "pass",
            Decision::Transform { transform, .. } => transform.name(),
            Decision::Refuse(_) => "refuse",
        }
    }

    /// The rule the decision came from.
    pub fn origin(&self) -> &RuleOrigin {
        match self {
            Decision::Pass { origin } | Decision::Transform { origin, .. } => origin,
            Decision::Refuse(refusal) => &refusal.origin,
        }
    }
}
