//! The self-inspection inventory of a policy: every classified field, its grade and
//! category, and what each consumer sees of it — the review table of `tuomin check`,
//! as text, JSON or an HTML page for the six-monthly self-inspection file.

use std::fmt::Write as _;

use super::html::{escape, page, table};
use super::render::ReportFormat;
use crate::policy::{Decision, Policy};

/// Renders the inventory of `policy` in `format`.
pub fn render(policy: &Policy, format: ReportFormat) -> String {
    match format {
        ReportFormat::Table => crate::cli::check::review_table(policy),
        ReportFormat::Json => crate::cli::check::review_json(policy) + "\n",
        ReportFormat::Html => html(policy),
    }
}

fn html(policy: &Policy) -> String {
    let consumers: Vec<&str> = policy.consumers.keys().map(String::as_str).collect();
    let mut header = vec!["field", "grade", "category"];
    let labels: Vec<String> = consumers
        .iter()
        .map(|c| format!("{c} ({})", policy.consumers[*c].scenario))
        .collect();
    header.extend(labels.iter().map(String::as_str));
    let mut rows = Vec::new();
    for field in policy.dictionary.values().flat_map(|t| t.values()) {
        let grade = policy.categories[&field.category].grade.to_string();
        let mut row = vec![
            escape(&field.source),
            format!("<span class=\"{0}\">{0}</span>", grade),
            escape(&field.category),
        ];
        for consumer in &consumers {
            let cell = match policy.field_rule(consumer, &field.source) {
                Some(rule) if matches!(rule.decision, Decision::Refuse(_)) => {
                    "<span class=\"refused\">refused</span>".to_owned()
                }
                Some(rule) => escape(&rule.action.describe()),
                None => "?".to_owned(),
            };
            row.push(cell);
        }
        rows.push(row);
    }
    let mut body = String::from("<h1>Self-inspection inventory</h1>\n");
    let _ = writeln!(
        body,
        "<p class=\"meta\">Policy {} · version {} · unclassified columns: {}</p>",
        escape(&policy.path.display().to_string()),
        escape(&policy.version[..12.min(policy.version.len())]),
        policy.unclassified.as_str()
    );
    body.push_str(&table(&header, &rows));
    page("tuomin self-inspection inventory", &body)
}
