//! The egress scan in static masking: a column that is not in the dictionary, under
//! `unclassified = "scan"`, passes its values unless the detectors find something in
//! them; a hit is masked in place (only the detected span of free text is replaced) or
//! stops the run. Nested JSON under such a key is scanned value by value. Every
//! category hit is recorded per column for the audit record (`scan:<category>`).

use serde_json::Value;

use super::plan::{ColumnAction, MaskPlan};
use super::{MaskError, MaskReport};
use crate::discovery::egress::ScanOutcome;

/// The scan of one text value of column `i`: `None` when it passes unchanged, else
/// its replacement (`Some(None)` is a null).
pub(super) fn scan_text(
    plan: &MaskPlan,
    i: usize,
    value: &str,
    line: u64,
    report: &mut MaskReport,
) -> Result<Option<Option<String>>, MaskError> {
    let ColumnAction::Scan(scanner) = &plan.actions[i] else {
        return Ok(None);
    };
    let column = &plan.columns[i];
    match scanner.scan_value(column, value) {
        ScanOutcome::Clean => Ok(None),
        ScanOutcome::Masked { value, hits } => {
            report.values_transformed += 1;
            for kind in hits {
                let entry = (column.clone(), kind);
                if !report.scan_hits.contains(&entry) {
                    report.scan_hits.push(entry);
                }
            }
            Ok(Some(value))
        }
        ScanOutcome::Refused(refusal) => Err(MaskError::Transform {
            line,
            column: column.clone(),
            message: refusal.message,
        }),
    }
}

/// The scan of a JSON value of column `i`, nested values included. Numbers are
/// scanned as their text and stay numbers when their replacement is one.
pub(super) fn scan_json(
    plan: &MaskPlan,
    i: usize,
    value: Value,
    line: u64,
    report: &mut MaskReport,
) -> Result<Value, MaskError> {
    match value {
        Value::String(text) => Ok(match scan_text(plan, i, &text, line, report)? {
            None => Value::String(text),
            Some(masked) => masked.map_or(Value::Null, Value::String),
        }),
        Value::Number(n) => {
            let text = n.to_string();
            Ok(match scan_text(plan, i, &text, line, report)? {
                None => Value::Number(n),
                Some(masked) => super::jsonl_format::retype(&Value::Number(n), masked),
            })
        }
        Value::Array(items) => items
            .into_iter()
            .map(|v| scan_json(plan, i, v, line, report))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| scan_json(plan, i, v, line, report).map(|v| (k, v)))
            .collect::<Result<serde_json::Map<_, _>, _>>()
            .map(Value::Object),
        other @ (Value::Null | Value::Bool(_)) => Ok(other),
    }
}
