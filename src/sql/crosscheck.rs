//! Defence in depth: the server's RowDescription must agree with the analysis for
//! every column the analysis predicted sensitive, and must not name a sensitive
//! column the analysis predicted clear; otherwise the rows are not sent.

use super::analysis::{OutputColumn, StatementAnalysis, Treatment};
use super::error::{GateRefusal, RefusalKind};
use super::names::ColumnName;

/// A column of RowDescription, resolved by the gateway's catalog from (table oid,
/// attnum): the relation's column, or `None` when the table oid is 0.
pub type DescribedSource = Option<ColumnName>;

impl StatementAnalysis {
    /// Compares the server's RowDescription (resolved) with the prediction.
    /// `is_sensitive` tells whether a described column is anything but clear for the
    /// consumer (the gateway asks the policy, through views as its catalog knows them).
    pub fn cross_check(
        &self,
        described: &[DescribedSource],
        is_sensitive: impl Fn(&ColumnName) -> bool,
    ) -> Result<(), GateRefusal> {
        if described.len() != self.columns.len() {
            return Err(mismatch(format!(
                "the server describes {} result columns where the gate predicted {}",
                described.len(),
                self.columns.len()
            )));
        }
        for (i, (predicted, actual)) in self.columns.iter().zip(described).enumerate() {
            check_column(i, predicted, actual.as_ref(), &is_sensitive)?;
        }
        Ok(())
    }
}

fn check_column(
    i: usize,
    predicted: &OutputColumn,
    actual: Option<&ColumnName>,
    is_sensitive: &impl Fn(&ColumnName) -> bool,
) -> Result<(), GateRefusal> {
    match (&predicted.treatment, actual) {
        (Treatment::Refused, _) => Err(mismatch(format!(
            "result column {} ({}) is refused",
            i + 1,
            predicted.name
        ))),
        (Treatment::Masked { .. }, actual) if actual != predicted.described.as_ref() => {
            Err(mismatch(format!(
                "result column {} ({}) was predicted to come from {} but the server \
                 describes {}",
                i + 1,
                predicted.name,
                show(predicted.described.as_ref()),
                show(actual)
            )))
        }
        (Treatment::Clear, Some(actual)) if is_sensitive(actual) => Err(mismatch(format!(
            "result column {} ({}) was predicted clear but the server describes the \
             sensitive column {actual}",
            i + 1,
            predicted.name
        ))),
        _ => Ok(()),
    }
}

fn show(c: Option<&ColumnName>) -> String {
    c.map_or_else(|| "no table".to_owned(), ToString::to_string)
}

fn mismatch(detail: String) -> GateRefusal {
    GateRefusal::one(
        RefusalKind::Unanalysable,
        None,
        format!("the result does not match the gate's analysis ({detail}); rows withheld"),
    )
}
