//! The delegated-processing report as a terminal table, JSON, or HTML.

use std::fmt::Write as _;

use super::delegated::DelegatedReport;

/// The output formats of `tuomin report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Html,
}

/// Renders `report` in `format`.
pub fn render(report: &DelegatedReport, format: ReportFormat) -> String {
    match format {
        ReportFormat::Table => table(report),
        ReportFormat::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        ReportFormat::Html => super::html::delegated(report),
    }
}

fn table(report: &DelegatedReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Delegated-processing report · generated {}",
        report.generated
    );
    let _ = writeln!(out, "audit files: {}", report.files.join(", "));
    if let Some(since) = &report.since {
        let _ = writeln!(out, "records since {since}");
    }
    if let Some(integrity) = &report.integrity {
        let _ = writeln!(out, "trail integrity: {integrity}");
    }
    if report.unreadable_lines > 0 {
        let _ = writeln!(
            out,
            "WARNING: {} line(s) were not audit records",
            report.unreadable_lines
        );
    }
    if report.consumers.is_empty() {
        let _ = writeln!(out, "\nno records");
    }
    for c in &report.consumers {
        let _ = writeln!(
            out,
            "\n{} ({}) · {} operation(s), {} record(s) returned, {} refused · {} → {} · via {}",
            c.consumer,
            c.scenario,
            c.operations,
            c.records,
            c.refused,
            c.first_seen,
            c.last_seen,
            c.channels.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        let mut rows = vec![vec![
            "grade".to_owned(),
            "category".into(),
            "form".into(),
            "records".into(),
            "fields".into(),
        ]];
        for r in &c.received {
            rows.push(vec![
                r.grade.clone(),
                r.category.clone(),
                r.form.clone(),
                r.records.to_string(),
                r.fields.iter().cloned().collect::<Vec<_>>().join(", "),
            ]);
        }
        out.push_str(&aligned(&rows, "  "));
        for (reason, count) in &c.refusals {
            let _ = writeln!(out, "  refused ×{count}: {reason}");
        }
    }
    out
}

/// Rows aligned in columns, the first row underlined; each line starts with `indent`.
pub fn aligned(rows: &[Vec<String>], indent: &str) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{indent}{}", cells.join("  ").trim_end());
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "{indent}{}", rule.join("  "));
        }
    }
    out
}
