//! [`RowPlan`]: per output column, pass or mask; [`MaskedRow`]: the only way a DataRow
//! reaches the client. A plan without masked columns forwards the frame's own bytes.

use std::fmt;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use crate::audit::AuditField;
use crate::pg::codec::backend::DataRow;
use crate::pg::codec::{FormatCode, Frame};
use crate::pg::values::{self, TypeConstraint, TypeOid};
use crate::transform::{Context, Transform};

/// What happens to one output column.
#[derive(Clone, Debug)]
pub enum ColumnPlan {
    /// Unchanged.
    Pass,
    /// Through a transform.
    Mask(MaskColumn),
}

/// A masked column.
#[derive(Clone, Debug)]
pub struct MaskColumn {
    /// `schema.table.column`.
    pub source: String,
    /// The transform.
    pub transform: Arc<dyn Transform>,
    /// The column's type.
    pub oid: TypeOid,
    /// Text or binary, as the client asked.
    pub format: FormatCode,
    /// What the type modifier demands of the masked value.
    pub constraint: TypeConstraint,
    /// The output column holding the value's subject, if selected.
    pub subject: Option<usize>,
}

/// A value could not be masked into a valid value of its column: the statement fails
/// closed. Names the column and why, never the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_column}: {reason}; the statement is refused rather than send it unmasked")]
pub struct MaskError {
    /// `schema.table.column`.
    pub source_column: String,
    /// Why.
    pub reason: String,
}

/// The plan for one result.
#[derive(Clone, Debug)]
pub struct RowPlan {
    columns: Vec<ColumnPlan>,
    masked: bool,
    /// The columns and what happened to them, for the audit record.
    pub audit: Vec<Arc<AuditField>>,
    /// The relations read.
    pub sources: Vec<String>,
}

/// A DataRow message that went through its plan, ready to send.
pub struct MaskedRow(Bytes);

impl MaskedRow {
    /// The whole message.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl fmt::Debug for MaskedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedRow({} bytes)", self.0.len())
    }
}

impl RowPlan {
    /// A plan of these columns.
    pub fn new(
        columns: Vec<ColumnPlan>,
        audit: Vec<Arc<AuditField>>,
        sources: Vec<String>,
    ) -> Self {
        let masked = columns.iter().any(|c| matches!(c, ColumnPlan::Mask(_)));
        RowPlan {
            columns,
            masked,
            audit,
            sources,
        }
    }

    /// Whether any column is masked.
    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// The columns.
    pub fn columns(&self) -> &[ColumnPlan] {
        &self.columns
    }

    /// Executes the plan on one DataRow frame.
    pub fn apply(&self, frame: Frame) -> Result<MaskedRow, MaskError> {
        if !self.masked {
            return Ok(MaskedRow(frame.into_bytes()));
        }
        let row = DataRow::decode(&frame.body()).map_err(|e| MaskError {
            source_column: "row".into(),
            reason: format!("malformed DataRow from the upstream: {e}"),
        })?;
        let values: Vec<Option<Bytes>> = row.values().collect();
        if values.len() != self.columns.len() {
            return Err(MaskError {
                source_column: "row".into(),
                reason: "the row does not match its description".into(),
            });
        }
        let mut out: Vec<Option<Bytes>> = Vec::with_capacity(values.len());
        for (plan, value) in self.columns.iter().zip(&values) {
            out.push(match (plan, value) {
                (ColumnPlan::Pass, v) | (ColumnPlan::Mask(_), v @ None) => v.clone(),
                (ColumnPlan::Mask(m), Some(raw)) => {
                    let subject = self.subject_text(m, &values)?;
                    mask_value(m, raw, subject.as_deref())?
                }
            });
        }
        let masked =
            DataRow::from_values(out.iter().map(|v| v.as_deref())).map_err(|e| MaskError {
                source_column: "row".into(),
                reason: e.to_string(),
            })?;
        let mut buf = BytesMut::with_capacity(frame.as_bytes().len() + 16);
        masked.encode(&mut buf).map_err(|e| MaskError {
            source_column: "row".into(),
            reason: e.to_string(),
        })?;
        Ok(MaskedRow(buf.freeze()))
    }

    fn subject_text(
        &self,
        m: &MaskColumn,
        values: &[Option<Bytes>],
    ) -> Result<Option<String>, MaskError> {
        let Some(i) = m.subject else { return Ok(None) };
        let (Some(Some(raw)), Some(desc)) = (values.get(i), self.columns.get(i)) else {
            return Ok(None);
        };
        let (oid, format) = match desc {
            ColumnPlan::Mask(s) => (s.oid, s.format),
            ColumnPlan::Pass => (m.subject_oid(), m.format),
        };
        values::decode(format, oid, raw)
            .map(|t| Some(t.into_owned()))
            .map_err(|e| fail(m, e.to_string()))
    }
}

impl MaskColumn {
    /// Subject columns are identifiers; their type is read from the text or binary
    /// value as int8 when binary (the demo's and the usual case), else as text.
    fn subject_oid(&self) -> TypeOid {
        match self.format {
            FormatCode::Binary => TypeOid::INT8,
            FormatCode::Text => TypeOid::TEXT,
        }
    }
}

fn fail(m: &MaskColumn, reason: String) -> MaskError {
    MaskError {
        source_column: m.source.clone(),
        reason,
    }
}

/// Masks one non-null value in its format; the result is checked against the type and
/// its modifier (padded for `char(n)`).
pub fn mask_value(
    m: &MaskColumn,
    raw: &[u8],
    subject: Option<&str>,
) -> Result<Option<Bytes>, MaskError> {
    let text = values::decode(m.format, m.oid, raw).map_err(|e| fail(m, e.to_string()))?;
    let Some(masked) = mask_text(m, &text, subject)? else {
        return Ok(None);
    };
    values::encode(m.format, m.oid, &masked)
        .map(Some)
        .map_err(|e| fail(m, e.to_string()))
}

/// Masks one value's text form: transform, then pad and check against the column.
pub fn mask_text(
    m: &MaskColumn,
    text: &str,
    subject: Option<&str>,
) -> Result<Option<String>, MaskError> {
    let padded = matches!(m.constraint, TypeConstraint::PaddedChars(_));
    let input = if padded {
        text.trim_end_matches(' ')
    } else {
        text
    };
    let Some(mut masked) = m
        .transform
        .apply(input, &Context { subject })
        .map_err(|e| fail(m, format!("transform {} failed: {e}", m.transform.name())))?
    else {
        return Ok(None);
    };
    if let TypeConstraint::PaddedChars(n) = m.constraint {
        let len = masked.chars().count();
        masked.extend(std::iter::repeat_n(' ', (n as usize).saturating_sub(len)));
    }
    m.constraint
        .check(m.oid, &masked)
        .map_err(|e| fail(m, format!("the masked value does not fit its column: {e}")))?;
    Ok(Some(masked))
}
