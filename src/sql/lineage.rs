//! Where a value comes from: a bare column of a relation (provenance kept, so the
//! gateway can mask it by RowDescription) or a computation over some sources
//! (provenance lost). And how sensitive a source is for the consumer.

use super::names::ColumnName;

/// What the consumer's policy makes of one source column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sensitivity {
    /// Passes unchanged (C1, or pass by policy): any use is allowed.
    Clear,
    /// Leaves only through a transform.
    Masked(Masking),
    /// Never leaves; referencing it anywhere is refused. The reason names the rule.
    Refused(String),
}

/// The transform protecting a masked column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masking {
    pub transform: &'static str,
    pub deterministic: Determinism,
    pub reversible: Reversibility,
    /// The pseudonym domain: equal values of two columns of one domain get one pseudonym.
    pub domain: String,
}

/// Whether the same input always gives the same pseudonym.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Determinism {
    Deterministic,
    Randomised,
}

/// Whether the key holder can recover the input (masked-value lookup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reversibility {
    Reversible,
    OneWay,
}

/// One source column as the query reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRef {
    /// The base column, after views and inheritance.
    pub source: ColumnName,
    /// What RowDescription will name: the relation the column was read from (a view
    /// for a view's column); `None` when PostgreSQL reports no table.
    pub described: Option<ColumnName>,
    pub sensitivity: Sensitivity,
}

impl ColumnRef {
    pub fn is_sensitive(&self) -> bool {
        !matches!(self.sensitivity, Sensitivity::Clear)
    }
}

/// The lineage of one value of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lineage {
    /// Exactly the value of one source column.
    Bare(ColumnRef),
    /// Computed; the sensitive sources it was computed from (empty when none).
    Computed(Vec<ColumnRef>),
}

impl Lineage {
    /// A value computed from nothing sensitive (literals, clear columns).
    pub fn clear() -> Self {
        Lineage::Computed(Vec::new())
    }

    /// The sensitive sources of this value.
    pub fn sensitive(&self) -> Vec<&ColumnRef> {
        match self {
            Lineage::Bare(c) if c.is_sensitive() => vec![c],
            Lineage::Bare(_) => Vec::new(),
            Lineage::Computed(sources) => sources.iter().collect(),
        }
    }

    /// The masked sources of this value.
    pub fn masked(&self) -> Vec<&ColumnRef> {
        self.sensitive()
            .into_iter()
            .filter(|c| matches!(c.sensitivity, Sensitivity::Masked(_)))
            .collect()
    }

    /// The masked column this value is exactly, if it is one.
    pub fn bare_masked(&self) -> Option<(&ColumnRef, &Masking)> {
        match self {
            Lineage::Bare(c) => match &c.sensitivity {
                Sensitivity::Masked(m) => Some((c, m)),
                _ => None,
            },
            Lineage::Computed(_) => None,
        }
    }

    /// A computed value over all of these.
    pub fn combine<'a>(parts: impl IntoIterator<Item = &'a Lineage>) -> Lineage {
        let mut out: Vec<ColumnRef> = Vec::new();
        for part in parts {
            for c in part.sensitive() {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        Lineage::Computed(out)
    }
}
