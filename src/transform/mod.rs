//! Transforms: what happens to one value on its way out.
//!
//! A transform knows nothing of SQL, PostgreSQL or HTTP: it takes the text of one value
//! (a JSON number, a PostgreSQL numeric or date travel as their text form too) and gives
//! back the text of its replacement. Every transform is deterministic for a given key,
//! scope and field, so joins keep working and the same input gives the same output on
//! every replica. The reversible ones (FPE) also have `reverse`, used by masked-value
//! lookup.
//!
//! The policy names a transform and its parameters; [`spec::TransformSpec`] is that
//! name parsed, and [`spec::TransformSpec::build`] turns it, with the field's keys,
//! into a ready [`Transform`] (ciphers and HMAC keys are built once, there).
//!
//! Layout: `ff1` (the FF1 cipher), `alphabet` (numeral strings), one file per format
//! (`card`, `cn_id`, `mobile`, `uscc`, `email`, `account`, `generic_fpe`), `token`,
//! `mask`, `name`, `address`, `generalize`, `noise`, `date_shift`, `fake`, and
//! `dictionaries` (built-in surname, given-name and region tables). Shared helpers:
//! `calendar` (civil dates ↔ day numbers), `datetext` (date and timestamp text) and
//! `decimal` (exact decimal text as scaled integers). `tally` counts the values each
//! transform handled, for the gateway's metrics. `memo` remembers FPE outputs for
//! values seen again (keyed hashes of inputs, never the inputs).

pub mod account;
pub mod address;
pub mod alphabet;
pub mod calendar;
pub mod card;
pub mod cn_id;
pub mod date_shift;
pub mod datetext;
pub mod decimal;
pub mod dictionaries;
pub mod email;
pub mod fake;
pub mod ff1;
pub mod generalize;
pub mod generic_fpe;
pub mod mask;
pub mod memo;
pub mod mobile;
pub mod name;
pub mod noise;
pub mod null;
pub mod spec;
pub mod tally;
pub mod token;
pub mod uscc;

use std::fmt;

pub use spec::TransformSpec;
pub use tally::TransformTally;

/// What a transform needs besides the value itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The subject the value belongs to (e.g. the customer id of the row), for
    /// transforms that must treat all values of one subject alike (date shift, noise).
    /// `None` means the value itself is its own subject.
    pub subject: Option<&'a str>,
}

/// Why a transform could not produce an output. Messages never contain the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// The input does not have the shape the transform needs ("expected 16–19 digits").
    #[error("value is not a valid {expected}")]
    Malformed { expected: &'static str },
    /// The input's free part is below the FF1 minimum domain (10^6).
    #[error("value too short for format-preserving encryption: {detail}")]
    DomainTooSmall { detail: &'static str },
    /// `reverse` on a transform that cannot be reversed.
    #[error("transform {0} is not reversible")]
    NotReversible(&'static str),
    /// `reverse` on a value that no input maps to (not a valid pseudonym).
    #[error("value is not a pseudonym of this field")]
    NotAPseudonym,
    /// The `refuse` transform, or a transform that refuses this value.
    #[error("value refused: {0}")]
    Refused(String),
}

/// Why a transform could not be built from the policy (bad parameters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

/// Properties of a transform that the policy's validation reasons about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Properties {
    /// Same input, key, scope and field ⇒ same output. Every transform is.
    pub deterministic: bool,
    /// The key holder can recover the input (FPE).
    pub reversible: bool,
    /// The output keeps the input's format (length, alphabet, check digits).
    pub format_preserving: bool,
    /// The output can no longer be linked to the person without extra information
    /// that tuomin keeps (tokens, masks, generalization, fakes, null): what
    /// `outsourced` requires of C2. Reversible encryption alone is not de-identification.
    pub de_identifying: bool,
}

/// One ready transform for one field of one consumer.
pub trait Transform: Send + Sync {
    /// The policy name of this transform (`fpe_card`, `mask`, …).
    fn name(&self) -> &'static str;

    /// What validation needs to know about it.
    fn properties(&self) -> Properties;

    /// The replacement of `input`. `Ok(None)` means SQL NULL / JSON null.
    fn apply(&self, input: &str, ctx: &Context<'_>) -> Result<Option<String>, TransformError>;

    /// Whether outputs are remembered by a pseudonym memo ([`memo`]): such a
    /// transform's output depends on its input alone, so a row of them can be
    /// remembered whole (`pg::rows::row_memo`).
    fn memoized(&self) -> bool {
        false
    }

    /// The input that `apply` maps to `output`. Only reversible transforms have one.
    fn reverse(&self, _output: &str, _ctx: &Context<'_>) -> Result<String, TransformError> {
        Err(TransformError::NotReversible(self.name()))
    }

    /// When the output of `apply` for the input whose bytes are `input` is remembered
    /// (a [`memo::Memoized`] transform that has seen it), appends it to `out` and says
    /// so; `false` otherwise, `out` untouched, and the caller goes the way of `apply`.
    /// Lets a gateway answer a value seen before from its bytes as they came, without
    /// reading them as text first: only text that was valid and went through `apply`
    /// can be remembered. Transforms without a memo remember nothing.
    fn recall_into(&self, _input: &[u8], _out: &mut String) -> bool {
        false
    }
}

impl fmt::Debug for dyn Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Transform({})", self.name())
    }
}
