//! The compiled policy: categories with their grades, the dictionary of classified
//! fields, the consumers, and for every (consumer, field) the decision, with its
//! transform already built.
//!
//! The policy decides; the gateways and the file masker execute the decision. A
//! [`Decision`] is `#[must_use]`, and a refusal carries a sentence a person can act on.
//!
//! Built by [`crate::config::load`], which validates the invariants first.

pub mod action;
mod decision;
mod grade;
mod lookup;
mod model;
mod rules;
pub mod taxonomy;

pub use action::Action;
pub use decision::{Decision, Refusal, RuleOrigin};
pub use grade::{Grade, Scenario};
pub use lookup::{Candidate, LookupError};
pub use model::{Access, Category, Consumer, Field, FieldRule, Policy};
pub(crate) use rules::Rules;
