//! JSON-lines masking: one JSON object per line, keys as column names. Key order,
//! number digits (arbitrary precision) and nulls are kept; a masked number stays a
//! number when its replacement is one. Nested objects or arrays under a key that is
//! not passed are refused: tuomin masks what it can type, and refuses the rest —
//! except under a scanned (unclassified) key, where every nested value is scanned.

use std::io::{BufRead, Write};

use serde_json::{Map, Number, Value};

use super::plan::{ColumnAction, MaskPlan};
use super::{MaskError, MaskJob, MaskReport, Progress};

/// A line longer than this is refused (a runaway file is not read into memory).
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

pub(super) fn mask(
    job: &MaskJob<'_>,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<MaskReport, MaskError> {
    let mut report = MaskReport::default();
    let mut plan: Option<MaskPlan> = None;
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    let mut consumed: u64 = 0;
    loop {
        buf.clear();
        let n = read_line_capped(input, &mut buf)?;
        if n == 0 {
            break;
        }
        line += 1;
        consumed += n as u64;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let object = parse_object(&buf, line)?;
        let keys: Vec<String> = object.keys().cloned().collect();
        if plan.as_ref().is_none_or(|p| p.columns != keys) {
            let next = MaskPlan::new(job, &keys).map_err(|e| at_line(e, line))?;
            for dropped in &next.dropped {
                if !report.dropped.contains(dropped) {
                    report.dropped.push(dropped.clone());
                }
            }
            for column in &next.described {
                if !report.columns.contains(column) {
                    report.columns.push(column.clone());
                }
            }
            plan = Some(next);
        }
        let Some(plan) = plan.as_ref() else { continue };
        let masked = mask_object(plan, object, line, &mut report)?;
        serde_json::to_writer(&mut *output, &Value::Object(masked))
            .map_err(std::io::Error::from)?;
        output.write_all(b"\n")?;
        report.records += 1;
        progress(consumed);
    }
    output.flush()?;
    Ok(report)
}

fn read_line_capped(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> Result<usize, MaskError> {
    let mut limited = <&mut dyn BufRead as std::io::Read>::take(input, MAX_LINE_BYTES as u64 + 1);
    let n = limited.read_until(b'\n', buf)?;
    if buf.len() > MAX_LINE_BYTES {
        return Err(MaskError::Malformed {
            line: 0,
            message: format!("a line is longer than {MAX_LINE_BYTES} bytes"),
        });
    }
    Ok(n)
}

fn parse_object(buf: &[u8], line: u64) -> Result<Map<String, Value>, MaskError> {
    match serde_json::from_slice::<Value>(buf) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(MaskError::Malformed {
            line,
            message: "expected a JSON object".into(),
        }),
        Err(e) => Err(MaskError::Malformed {
            line,
            message: format!("not valid JSON (column {})", e.column()),
        }),
    }
}

fn at_line(e: MaskError, line: u64) -> MaskError {
    match e {
        MaskError::Refused(reasons) => MaskError::Refused(
            reasons
                .into_iter()
                .map(|r| format!("line {line}: {r}"))
                .collect(),
        ),
        other => other,
    }
}

fn mask_object(
    plan: &MaskPlan,
    object: Map<String, Value>,
    line: u64,
    report: &mut MaskReport,
) -> Result<Map<String, Value>, MaskError> {
    let raw: Vec<Option<String>> = object.values().map(scalar_text).collect();
    let mut out = Map::new();
    for (i, (key, value)) in object.into_iter().enumerate() {
        let action = &plan.actions[i];
        match (action, value) {
            (ColumnAction::Drop, _) => {}
            (ColumnAction::Pass, value) => {
                out.insert(key, value);
            }
            (ColumnAction::Scan(_), value) => {
                let scanned = super::scan::scan_json(plan, i, value, line, report)?;
                out.insert(key, scanned);
            }
            (ColumnAction::Transform { .. }, Value::Null) => {
                out.insert(key, Value::Null);
            }
            (ColumnAction::Transform { .. }, Value::Array(_) | Value::Object(_)) => {
                return Err(MaskError::Transform {
                    line,
                    column: key,
                    message: "a nested value under a masked key cannot be masked; refused".into(),
                });
            }
            (ColumnAction::Transform { .. }, value) => {
                let text = scalar_text(&value).unwrap_or_default();
                let subject = plan.subject_of(i).and_then(|s| raw[s].as_deref());
                let masked = plan.apply(i, &text, subject, line)?;
                report.values_transformed += 1;
                out.insert(key, retype(&value, masked));
            }
        }
    }
    Ok(out)
}

/// The text a transform sees of a scalar.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A masked number stays a number when its replacement is one.
pub(super) fn retype(original: &Value, masked: Option<String>) -> Value {
    match (original, masked) {
        (_, None) => Value::Null,
        (Value::Number(_), Some(text)) => text
            .parse::<Number>()
            .map(Value::Number)
            .unwrap_or(Value::String(text)),
        (_, Some(text)) => Value::String(text),
    }
}
