//! Self-contained HTML pages (no script, no external resource) for auditors: every
//! text from the audit trail or the policy is escaped.

use std::fmt::Write as _;

use super::delegated::DelegatedReport;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .6em;\
text-align:left;vertical-align:top}th{background:#f0f0f0}.C3{color:#a00;font-weight:bold}\
.C2{color:#a60}.refused{color:#a00}.meta{color:#555}";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page with a title and a body (already HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    )
}

/// A table from a header row and rows of already-escaped cells.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// The delegated-processing report as a page.
pub fn delegated(report: &DelegatedReport) -> String {
    let mut body = String::from("<h1>Delegated-processing report</h1>\n");
    let _ = writeln!(
        body,
        "<p class=\"meta\">Generated {} from {}{}</p>",
        escape(&report.generated),
        escape(&report.files.join(", ")),
        report
            .since
            .as_ref()
            .map(|s| format!(" · records since {}", escape(s)))
            .unwrap_or_default()
    );
    if let Some(integrity) = &report.integrity {
        let _ = writeln!(
            body,
            "<p>Trail integrity: <strong>{}</strong></p>",
            escape(integrity)
        );
    }
    if report.unreadable_lines > 0 {
        let _ = writeln!(
            body,
            "<p class=\"refused\">{} line(s) were not audit records.</p>",
            report.unreadable_lines
        );
    }
    if report.consumers.is_empty() {
        body.push_str("<p>No records.</p>\n");
    }
    for c in &report.consumers {
        let _ = writeln!(
            body,
            "<h2 id=\"{0}\">{0} <span class=\"meta\">({1})</span></h2>\n<p>{2} operation(s), \
             {3} record(s) returned, <span class=\"refused\">{4} refused</span>; first {5}, last {6}; via {7}.</p>",
            escape(&c.consumer),
            escape(&c.scenario),
            c.operations,
            c.records,
            c.refused,
            escape(&c.first_seen),
            escape(&c.last_seen),
            escape(&c.channels.iter().cloned().collect::<Vec<_>>().join(", "))
        );
        let rows: Vec<Vec<String>> = c
            .received
            .iter()
            .map(|r| {
                vec![
                    format!("<span class=\"{0}\">{0}</span>", escape(&r.grade)),
                    escape(&r.category),
                    escape(&r.form),
                    r.records.to_string(),
                    escape(&r.fields.iter().cloned().collect::<Vec<_>>().join(", ")),
                ]
            })
            .collect();
        body.push_str(&table(
            &["grade", "category", "form", "records", "fields"],
            &rows,
        ));
        if !c.refusals.is_empty() {
            let rows: Vec<Vec<String>> = c
                .refusals
                .iter()
                .map(|(reason, n)| vec![n.to_string(), escape(reason)])
                .collect();
            body.push_str(&table(&["times", "refused because"], &rows));
        }
    }
    page("tuomin delegated-processing report", &body)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_audit_text_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
