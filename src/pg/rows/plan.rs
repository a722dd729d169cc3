//! [`RowPlan`]: per output column, pass or mask. [`RowPlan::write`] is the only way a
//! DataRow reaches the client's buffer: a plan without masked columns copies the
//! frame's own bytes; a masked row is written straight into the buffer, value by
//! value, and a row that cannot be masked leaves nothing behind.

use std::sync::Arc;

use bytes::{BufMut, BytesMut};

use crate::audit::AuditField;
use crate::pg::codec::backend::DataRow;
use crate::pg::codec::backend::data_row::RowValues;
use crate::pg::codec::{BackendTag, FormatCode, Frame};
use crate::pg::values::{self, TypeConstraint, TypeOid};
use crate::transform::{Context, Transform, TransformTally};

use super::row_memo::RowMemo;

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
    /// Whole masked rows remembered, when every masked column's transform has a
    /// pseudonym memo (see `row_memo`).
    rows: Option<Arc<RowMemo>>,
}

impl RowPlan {
    /// A plan of these columns.
    pub fn new(
        columns: Vec<ColumnPlan>,
        audit: Vec<Arc<AuditField>>,
        sources: Vec<String>,
    ) -> Self {
        let masked = columns.iter().any(|c| matches!(c, ColumnPlan::Mask(_)));
        let memoizable = masked
            && columns.len() <= 64
            && columns.iter().all(|c| match c {
                ColumnPlan::Pass => true,
                ColumnPlan::Mask(m) => m.transform.memoized(),
            });
        RowPlan {
            columns,
            masked,
            audit,
            sources,
            rows: memoizable.then(Arc::default),
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

    /// Executes the plan on one DataRow frame and appends the resulting message to
    /// `out`; each value transformed is counted in `tally`. `scratch` is a buffer the
    /// caller keeps across rows (its content is not kept). On error nothing is
    /// appended: the row never leaves half masked.
    pub fn write(
        &self,
        frame: &Frame,
        out: &mut BytesMut,
        tally: &mut TransformTally,
        scratch: &mut String,
    ) -> Result<(), MaskError> {
        if !self.masked {
            out.extend_from_slice(frame.as_bytes());
            return Ok(());
        }
        // A row seen before under this plan: written as it was masked then.
        let remembered = self
            .rows
            .as_deref()
            .map(|memo| (memo, memo.hash(frame.as_bytes())));
        if let Some((memo, hash)) = remembered
            && let Some(counted) = memo.recall(hash, out)
        {
            self.count(counted, tally);
            return Ok(());
        }
        let before = out.len();
        let mut counted = 0;
        let result = self.write_masked(frame, out, tally, &mut counted, scratch);
        match &result {
            Ok(()) => {
                if let Some((memo, hash)) = remembered {
                    memo.remember(hash, &out[before..], counted);
                }
            }
            Err(_) => out.truncate(before),
        }
        result
    }

    /// Counts, in `tally`, a value through each masked column whose bit is set (a row
    /// written from the memo; only plans of at most 64 columns have one).
    fn count(&self, counted: u64, tally: &mut TransformTally) {
        for (i, column) in self.columns.iter().enumerate().take(64) {
            if counted & (1 << i) != 0
                && let ColumnPlan::Mask(m) = column
            {
                tally.add(m.transform.name());
            }
        }
        tally.add_recalled(u64::from(counted.count_ones()));
    }

    /// Masks the row, counting each masked value in `tally` and setting in `counted`
    /// the bit of each of the first 64 columns whose value was masked (not NULL).
    // Out of line: profiles (benches/callgrind_per_txn.py) show the masked row by name.
    #[inline(never)]
    fn write_masked(
        &self,
        frame: &Frame,
        out: &mut BytesMut,
        tally: &mut TransformTally,
        counted: &mut u64,
        scratch: &mut String,
    ) -> Result<(), MaskError> {
        let row_error = |reason: String| MaskError {
            source_column: "row".into(),
            reason,
        };
        let mut values = RowValues::new();
        DataRow::split_body(frame.body_slice(), &mut values)
            .map_err(|e| row_error(format!("malformed DataRow from the upstream: {e}")))?;
        if values.len() != self.columns.len() {
            return Err(row_error("the row does not match its description".into()));
        }
        out.reserve(frame.as_bytes().len() + 16 * values.len());
        out.put_u8(BackendTag::DataRow.into());
        let len_at = out.len();
        out.put_i32(0);
        // The count fits: the upstream's row had it (checked by `split_body`).
        out.put_i16(values.len() as i16);
        for (i, (plan, value)) in self.columns.iter().zip(&values).enumerate() {
            match (plan, value) {
                (_, None) => out.put_i32(-1),
                (ColumnPlan::Pass, Some(raw)) => put_value(out, raw)?,
                (ColumnPlan::Mask(m), Some(raw)) => {
                    if !write_remembered(m, raw, scratch, out)? {
                        let subject = self.subject_text(m, &values)?;
                        write_masked_value(m, raw, subject.as_deref(), out)?;
                    }
                    tally.add(m.transform.name());
                    if i < 64 {
                        *counted |= 1 << i;
                    }
                }
            }
        }
        let len = i32::try_from(out.len() - len_at)
            .map_err(|_| row_error("the masked row is too long for a message".into()))?;
        out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    fn subject_text(
        &self,
        m: &MaskColumn,
        values: &[Option<&[u8]>],
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

/// Appends one value with its `Int32` length.
fn put_value(out: &mut BytesMut, raw: &[u8]) -> Result<(), MaskError> {
    let len = i32::try_from(raw.len()).map_err(|_| MaskError {
        source_column: "row".into(),
        reason: "a value is too long for a message".into(),
    })?;
    out.put_i32(len);
    out.extend_from_slice(raw);
    Ok(())
}

/// A text-format value of a text type whose masked form the transform remembers
/// ([`Transform::recall_into`]) is appended from its bytes as they came: no reading as
/// text (a value is remembered only once it was read as valid text and transformed),
/// no new string; the masked form is still padded, checked against the column and
/// written as [`write_masked_value`] does. `Ok(false)`: not remembered (or not such a
/// value), nothing appended.
fn write_remembered(
    m: &MaskColumn,
    raw: &[u8],
    scratch: &mut String,
    out: &mut BytesMut,
) -> Result<bool, MaskError> {
    // A NUL is refused by the way of `apply`, as it always was.
    if m.format != FormatCode::Text || !m.oid.is_textual() || values::has_nul(raw) {
        return Ok(false);
    }
    let input = match m.constraint {
        TypeConstraint::PaddedChars(_) => without_trailing_spaces(raw),
        _ => raw,
    };
    scratch.clear();
    if !m.transform.recall_into(input, scratch) {
        return Ok(false);
    }
    fit(m, scratch)?;
    put_masked(m, scratch, out)?;
    Ok(true)
}

/// `raw` without its trailing spaces, as `str::trim_end_matches(' ')` would leave it
/// (a space is one byte in UTF-8 and never part of another character).
fn without_trailing_spaces(raw: &[u8]) -> &[u8] {
    let end = raw.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    &raw[..end]
}

/// Masks one non-null value in its format and appends it with its length (-1 when
/// the transform gives NULL); the result is checked against the type and its
/// modifier (padded for `char(n)`).
fn write_masked_value(
    m: &MaskColumn,
    raw: &[u8],
    subject: Option<&str>,
    out: &mut BytesMut,
) -> Result<(), MaskError> {
    let text = values::decode(m.format, m.oid, raw).map_err(|e| fail(m, e.to_string()))?;
    let Some(masked) = mask_text(m, &text, subject)? else {
        out.put_i32(-1);
        return Ok(());
    };
    put_masked(m, &masked, out)
}

/// Appends a masked value, written in the column's format, with its `Int32` length.
fn put_masked(m: &MaskColumn, masked: &str, out: &mut BytesMut) -> Result<(), MaskError> {
    let len_at = out.len();
    out.put_i32(0);
    values::encode_into(m.format, m.oid, masked, out).map_err(|e| fail(m, e.to_string()))?;
    let len = i32::try_from(out.len() - len_at - 4)
        .map_err(|_| fail(m, "the masked value is too long for a message".into()))?;
    out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
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
    fit(m, &mut masked)?;
    Ok(Some(masked))
}

/// Pads a masked value for `char(n)` and checks it against the column.
fn fit(m: &MaskColumn, masked: &mut String) -> Result<(), MaskError> {
    if let TypeConstraint::PaddedChars(n) = m.constraint {
        let len = if masked.is_ascii() {
            masked.len()
        } else {
            masked.chars().count()
        };
        let pad = (n as usize).saturating_sub(len);
        if pad > 0 {
            masked.extend(std::iter::repeat_n(' ', pad));
        }
    }
    m.constraint
        .check(m.oid, masked)
        .map_err(|e| fail(m, format!("the masked value does not fit its column: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{FieldKeys, KeyId, MasterKey};
    use crate::pg::codec::{FrameLimits, split_message};
    use crate::transform::TransformSpec;

    fn masked(transform: &str, oid: TypeOid, constraint: TypeConstraint) -> ColumnPlan {
        let master = MasterKey::from_bytes(KeyId(1), [3; 32]);
        let spec = TransformSpec::from_parts(transform, None).unwrap();
        ColumnPlan::Mask(MaskColumn {
            source: format!("public.t.{transform}"),
            transform: spec.build(FieldKeys::new(&master, "qa", "d")).unwrap(),
            oid,
            format: FormatCode::Text,
            constraint,
            subject: None,
        })
    }

    fn frame(values: &[Option<&[u8]>]) -> Frame {
        let mut buf = BytesMut::new();
        DataRow::from_values(values.iter().copied())
            .unwrap()
            .encode(&mut buf)
            .unwrap();
        split_message(&mut buf, &FrameLimits::BACKEND)
            .unwrap()
            .unwrap()
    }

    fn plan(columns: Vec<ColumnPlan>) -> RowPlan {
        RowPlan::new(columns, vec![], vec![])
    }

    fn write_counting(plan: &RowPlan, row: &Frame, tally: &mut TransformTally) -> Vec<u8> {
        let mut out = BytesMut::new();
        plan.write(row, &mut out, tally, &mut String::new())
            .unwrap();
        out.to_vec()
    }

    #[test]
    fn a_row_seen_again_is_written_from_the_row_memo_as_it_was_masked() {
        let mobile = || memoized("fpe_mobile", TypeOid::TEXT, TypeConstraint::None);
        let plan = plan(vec![ColumnPlan::Pass, mobile(), mobile()]);
        let memo = plan.rows.as_deref().expect("all masked columns memoized");
        let row = frame(&[Some(b"42"), Some(b"13812345678"), None]);
        let hash = memo.hash(row.as_bytes());
        assert!(memo.recall(hash, &mut BytesMut::new()).is_none());
        let mut first = TransformTally::default();
        let once = write_counting(&plan, &row, &mut first);
        let mut remembered = BytesMut::new();
        assert_eq!(memo.recall(hash, &mut remembered), Some(0b010));
        assert_eq!(&remembered[..], &once[..], "the masked row, as sent");
        let mut second = TransformTally::default();
        assert_eq!(write_counting(&plan, &row, &mut second), once);
        // Counted alike from the memo: one value masked (the NULL is not), and noted
        // as answered from a remembered row (a memo hit in the metrics).
        assert_eq!(first.counts(), &[("fpe_mobile", 1)]);
        assert_eq!(second.counts(), first.counts());
        assert_eq!((first.take_recalled(), second.take_recalled()), (0, 1));
        // Another row is masked, not recalled.
        let other = frame(&[Some(b"43"), Some(b"13912345678"), Some(b"13700000000")]);
        let mut third = TransformTally::default();
        assert_ne!(write_counting(&plan, &other, &mut third), once);
        assert_eq!(third.counts(), &[("fpe_mobile", 2)]);
    }

    #[test]
    fn only_plans_whose_masked_columns_all_have_a_pseudonym_memo_get_a_row_memo() {
        let mixed = plan(vec![
            memoized("fpe_mobile", TypeOid::TEXT, TypeConstraint::None),
            masked("mask", TypeOid::TEXT, TypeConstraint::None),
        ]);
        assert!(mixed.rows.is_none());
        let unmemoized = plan(vec![masked(
            "fpe_mobile",
            TypeOid::TEXT,
            TypeConstraint::None,
        )]);
        assert!(
            unmemoized.rows.is_none(),
            "pseudonym_memo = 0 builds no memo"
        );
        assert!(
            plan(vec![ColumnPlan::Pass]).rows.is_none(),
            "nothing masked"
        );
    }

    #[test]
    fn a_row_that_cannot_be_masked_is_not_remembered() {
        let mobile = memoized("fpe_mobile", TypeOid::TEXT, TypeConstraint::None);
        let plan = plan(vec![ColumnPlan::Pass, mobile]);
        let row = frame(&[Some(b"42"), Some(b"not a mobile")]);
        let mut out = BytesMut::new();
        let tally = &mut TransformTally::default();
        assert!(
            plan.write(&row, &mut out, tally, &mut String::new())
                .is_err()
        );
        assert!(
            plan.write(&row, &mut out, tally, &mut String::new())
                .is_err()
        );
        assert!(out.is_empty());
        let memo = plan.rows.as_deref().unwrap();
        assert!(memo.recall(memo.hash(row.as_bytes()), &mut out).is_none());
    }

    #[test]
    fn a_masked_row_is_appended_whole_with_passed_and_null_values_unchanged() {
        let plan = plan(vec![
            ColumnPlan::Pass,
            masked("fpe_mobile", TypeOid::VARCHAR, TypeConstraint::MaxChars(11)),
            masked("fpe_mobile", TypeOid::TEXT, TypeConstraint::None),
        ]);
        let mut out = BytesMut::from(&b"before"[..]);
        let row = frame(&[Some(b"42"), Some(b"13812345678"), None]);
        plan.write(
            &row,
            &mut out,
            &mut TransformTally::default(),
            &mut String::new(),
        )
        .unwrap();
        let mut written = out.split_off(6);
        assert_eq!(&out[..], b"before");
        let message = split_message(&mut written, &FrameLimits::BACKEND)
            .unwrap()
            .unwrap();
        assert!(written.is_empty(), "exactly one message");
        let values: Vec<_> = DataRow::decode(&message.body()).unwrap().values().collect();
        assert_eq!(values.len(), 3);
        assert_eq!(values[0].as_deref(), Some(&b"42"[..]));
        let mobile = values[1].clone().unwrap();
        assert_eq!(mobile.len(), 11);
        assert!(mobile.starts_with(b"138"));
        assert_ne!(&mobile[..], b"13812345678");
        assert_eq!(values[2], None);
    }

    #[test]
    fn a_row_that_cannot_be_masked_leaves_the_buffer_as_it_was() {
        let plan = plan(vec![
            ColumnPlan::Pass,
            masked("fpe_mobile", TypeOid::TEXT, TypeConstraint::None),
        ]);
        let mut out = BytesMut::from(&b"before"[..]);
        let row = frame(&[Some(b"42"), Some(b"not a mobile")]);
        let err = plan
            .write(
                &row,
                &mut out,
                &mut TransformTally::default(),
                &mut String::new(),
            )
            .unwrap_err();
        assert_eq!(err.source_column, "public.t.fpe_mobile");
        assert!(!err.to_string().contains("not a mobile"));
        assert_eq!(&out[..], b"before");
        let too_short = frame(&[Some(b"42")]);
        assert!(
            plan.write(
                &too_short,
                &mut out,
                &mut TransformTally::default(),
                &mut String::new()
            )
            .is_err()
        );
        assert_eq!(&out[..], b"before");
    }

    fn memoized(transform: &str, oid: TypeOid, constraint: TypeConstraint) -> ColumnPlan {
        let ColumnPlan::Mask(mut m) = masked(transform, oid, constraint) else {
            unreachable!("masked() builds a masked column");
        };
        m.transform = Arc::new(crate::transform::memo::Memoized::new(m.transform, 64));
        ColumnPlan::Mask(m)
    }

    fn written(plan: &RowPlan, values: &[Option<&[u8]>]) -> Result<BytesMut, MaskError> {
        let mut out = BytesMut::new();
        let mut tally = TransformTally::default();
        plan.write(&frame(values), &mut out, &mut tally, &mut String::new())?;
        assert_eq!(tally.counts().iter().map(|(_, n)| n).sum::<u64>(), 1);
        Ok(out)
    }

    #[test]
    fn a_remembered_value_is_written_exactly_as_it_was_the_first_time() {
        for (oid, constraint, value) in [
            (
                TypeOid::VARCHAR,
                TypeConstraint::MaxChars(11),
                &b"13812345678"[..],
            ),
            (TypeOid::TEXT, TypeConstraint::None, b"13812345678"),
            (
                TypeOid::BPCHAR,
                TypeConstraint::PaddedChars(13),
                b"13812345678  ",
            ),
        ] {
            let plan = plan(vec![memoized("fpe_mobile", oid, constraint)]);
            let first = written(&plan, &[Some(value)]).unwrap();
            // Remembered now, so the second row is written from the value's bytes.
            let ColumnPlan::Mask(m) = &plan.columns()[0] else {
                unreachable!()
            };
            let mut recalled = String::new();
            assert!(m.transform.recall_into(b"13812345678", &mut recalled));
            // A new plan with the same transform: no row memo yet, the value's is used.
            let again = written(&self::plan(plan.columns().to_vec()), &[Some(value)]).unwrap();
            assert!(first.windows(11).any(|w| w == recalled.as_bytes()), "{oid}");
            assert_eq!(first, again, "{oid}");
            let unmemoized = self::plan(vec![masked("fpe_mobile", oid, constraint)]);
            assert_eq!(
                written(&unmemoized, &[Some(value)]).unwrap(),
                first,
                "{oid}"
            );
            if let TypeConstraint::PaddedChars(_) = constraint {
                assert!(first.ends_with(b"  "), "char(n) is padded again");
            }
        }
    }

    #[test]
    fn a_remembered_value_is_still_refused_where_it_does_not_fit_or_holds_a_nul() {
        let wide = plan(vec![memoized(
            "fpe_mobile",
            TypeOid::TEXT,
            TypeConstraint::None,
        )]);
        written(&wide, &[Some(b"13812345678")]).unwrap();
        // The same transform instance (and memo) under a column too narrow for it.
        let ColumnPlan::Mask(m) = &wide.columns()[0] else {
            unreachable!()
        };
        let narrow = plan(vec![ColumnPlan::Mask(MaskColumn {
            constraint: TypeConstraint::MaxChars(5),
            oid: TypeOid::VARCHAR,
            ..m.clone()
        })]);
        let err = written(&narrow, &[Some(b"13812345678")]).unwrap_err();
        assert!(err.reason.contains("does not fit"), "{err}");
        assert!(written(&wide, &[Some(b"138123\x00\x0045678")]).is_err());
        assert!(written(&wide, &[Some(b"1381234\x005678")]).is_err());
    }

    #[test]
    fn a_row_of_an_unmasked_plan_is_its_own_bytes() {
        let row = frame(&[Some(b"42"), None]);
        let mut out = BytesMut::new();
        plan(vec![ColumnPlan::Pass, ColumnPlan::Pass])
            .write(
                &row,
                &mut out,
                &mut TransformTally::default(),
                &mut String::new(),
            )
            .unwrap();
        assert_eq!(&out[..], &row.as_bytes()[..]);
    }
}
