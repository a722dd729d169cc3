//! CSV masking: a header line of column names, then records. An empty field is taken
//! as NULL and stays empty; a null produced by a transform is written empty.

use std::io::{BufRead, Write};

use super::plan::{ColumnAction, MaskPlan};
use super::{MaskError, MaskJob, MaskReport, Progress};

pub(super) fn mask(
    job: &MaskJob<'_>,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<MaskReport, MaskError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(&e))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err(MaskError::NoHeader);
    }
    let plan = MaskPlan::new(job, &header)?;
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(plan.output_columns()).map_err(csv_io)?;

    let mut report = MaskReport {
        dropped: plan.dropped.clone(),
        columns: plan.described.clone(),
        ..MaskReport::default()
    };
    let mut record = csv::StringRecord::new();
    let mut out: Vec<String> = Vec::with_capacity(header.len());
    while reader.read_record(&mut record).map_err(|e| malformed(&e))? {
        let line = record.position().map_or(0, |p| p.line());
        out.clear();
        for (i, value) in record.iter().enumerate() {
            if matches!(plan.actions[i], ColumnAction::Drop) {
                continue;
            }
            if value.is_empty() {
                out.push(String::new());
                continue;
            }
            if matches!(plan.actions[i], ColumnAction::Scan(_)) {
                let scanned = super::scan::scan_text(&plan, i, value, line, &mut report)?;
                out.push(match scanned {
                    None => value.to_owned(),
                    Some(masked) => masked.unwrap_or_default(),
                });
                continue;
            }
            let subject = plan.subject_of(i).and_then(|s| record.get(s));
            let masked = plan.apply(i, value, subject, line)?;
            if matches!(plan.actions[i], ColumnAction::Transform { .. }) {
                report.values_transformed += 1;
            }
            out.push(masked.unwrap_or_default());
        }
        writer.write_record(&out).map_err(csv_io)?;
        report.records += 1;
        progress(record.position().map_or(0, |p| p.byte()));
    }
    writer.flush()?;
    Ok(report)
}

fn malformed(e: &csv::Error) -> MaskError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields as in the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "the record is not valid UTF-8".to_owned(),
        csv::ErrorKind::Io(err) => {
            return MaskError::Io(std::io::Error::new(err.kind(), err.to_string()));
        }
        _ => "the record is not valid CSV".to_owned(),
    };
    MaskError::Malformed { line, message }
}

fn csv_io(e: csv::Error) -> MaskError {
    match e.into_kind() {
        csv::ErrorKind::Io(err) => MaskError::Io(err),
        other => MaskError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}
