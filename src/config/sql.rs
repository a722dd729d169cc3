//! `[sql]`: the knobs of the SQL gate (`crate::sql`). Every field has a default, so a
//! policy without the section gets the strictest gate.
//!
//! ```toml
//! [sql]
//! star = "refuse"                  # refuse | omit_refused
//! allowed_functions = ["public.fmt_branch"]
//! ```

use serde::Deserialize;

/// What `SELECT *` does over a relation holding columns the consumer is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StarPolicy {
    /// The statement is refused, naming the columns to leave out (the default).
    #[default]
    Refuse,
    /// The `*` is rewritten to the columns the consumer may see; the client is told
    /// which columns were left out by a notice.
    OmitRefused,
}

/// `[sql]` as written in the policy file.
#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SqlSection {
    /// Default `refuse`.
    #[serde(default)]
    pub star: StarPolicy,
    /// User-defined functions (`schema.name`) the gate lets run although it cannot see
    /// what they read. Default: none. Built-in functions need no entry.
    #[serde(default)]
    pub allowed_functions: Vec<String>,
}

/// The compiled `[sql]` settings the gate reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SqlSettings {
    pub star: StarPolicy,
    /// `schema.name`, folded to lower case.
    pub allowed_functions: Vec<String>,
}

impl From<&SqlSection> for SqlSettings {
    fn from(section: &SqlSection) -> Self {
        SqlSettings {
            star: section.star,
            allowed_functions: section
                .allowed_functions
                .iter()
                .map(|f| f.to_lowercase())
                .collect(),
        }
    }
}
