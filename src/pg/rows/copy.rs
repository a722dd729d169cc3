//! [`mask_copy_line`]: a [`RowPlan`] on one line of `COPY … TO STDOUT` in text or CSV
//! format (PostgreSQL sends one line per CopyData). Masked fields are decoded from
//! the line's escaping or quoting, transformed, and written back escaped or quoted.

use super::plan::{ColumnPlan, MaskError, RowPlan, mask_text};
use crate::pg::sqltext::{CopyFormat, CopyOut};
use crate::transform::TransformTally;

fn malformed(reason: &str) -> MaskError {
    MaskError {
        source_column: "COPY".into(),
        reason: reason.to_owned(),
    }
}

/// One field of a line: `None` is NULL.
type Field = Option<String>;

/// Masks one COPY line (with its trailing newline); each value transformed is
/// counted in `tally`.
pub fn mask_copy_line(
    plan: &RowPlan,
    layout: &CopyOut,
    line: &[u8],
    tally: &mut TransformTally,
) -> Result<Vec<u8>, MaskError> {
    let text = std::str::from_utf8(line).map_err(|_| malformed("COPY line is not UTF-8"))?;
    let body = text
        .strip_suffix('\n')
        .ok_or_else(|| malformed("COPY line without its newline"))?;
    let mut fields = match layout.format {
        CopyFormat::Text => split_text(body, layout),
        CopyFormat::Csv => split_csv(body, layout)?,
        CopyFormat::Binary => return Err(malformed("binary COPY cannot be masked")),
    };
    if fields.len() != plan.columns().len() {
        return Err(malformed("COPY line does not match its columns"));
    }
    let originals = fields.clone();
    for (i, column) in plan.columns().iter().enumerate() {
        let ColumnPlan::Mask(m) = column else {
            continue;
        };
        let Some(value) = &originals[i] else { continue };
        let subject = m.subject.and_then(|s| originals.get(s).cloned().flatten());
        fields[i] = mask_text(m, value, subject.as_deref())?;
        tally.add(m.transform.name());
    }
    let mut out = String::with_capacity(line.len() + 16);
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(layout.delimiter);
        }
        match (field, layout.format) {
            (None, _) => out.push_str(&layout.null),
            (Some(v), CopyFormat::Csv) => quote_csv(v, layout, &mut out),
            (Some(v), _) => escape_text(v, layout.delimiter, &mut out),
        }
    }
    out.push('\n');
    Ok(out.into_bytes())
}

fn split_text(body: &str, layout: &CopyOut) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut raw = String::new();
    let mut chars = body.chars();
    let push = |raw: &mut String, fields: &mut Vec<Field>| {
        let field = std::mem::take(raw);
        fields.push(if field == layout.null {
            None
        } else {
            Some(unescape_text(&field))
        });
    };
    while let Some(c) = chars.next() {
        if c == '\\' {
            raw.push(c);
            if let Some(n) = chars.next() {
                raw.push(n);
            }
        } else if c == layout.delimiter {
            push(&mut raw, &mut fields);
        } else {
            raw.push(c);
        }
    }
    push(&mut raw, &mut fields);
    fields
}

fn unescape_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('v') => out.push('\u{b}'),
            Some(d @ '0'..='7') => {
                let mut n = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(v) => {
                            n = n * 8 + v;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(n).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn escape_text(value: &str, delimiter: char, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == delimiter => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

fn split_csv(body: &str, layout: &CopyOut) -> Result<Vec<Field>, MaskError> {
    let mut fields = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        let mut value = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&layout.quote) {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(malformed("unterminated quoted CSV field")),
                    Some(c) if c == layout.escape && chars.peek() == Some(&layout.quote) => {
                        chars.next();
                        value.push(layout.quote);
                    }
                    Some(c)
                        if c == layout.escape && c != layout.quote && chars.peek() == Some(&c) =>
                    {
                        chars.next();
                        value.push(c);
                    }
                    Some(c) if c == layout.quote => break,
                    Some(c) => value.push(c),
                }
            }
        }
        while let Some(&c) = chars.peek() {
            if c == layout.delimiter {
                break;
            }
            value.push(c);
            chars.next();
        }
        fields.push(if !quoted && value == layout.null {
            None
        } else {
            Some(value)
        });
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

fn quote_csv(value: &str, layout: &CopyOut, out: &mut String) {
    out.push(layout.quote);
    for c in value.chars() {
        if c == layout.quote || c == layout.escape {
            out.push(layout.escape);
        }
        out.push(c);
    }
    out.push(layout.quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(format: CopyFormat) -> CopyOut {
        let csv = format == CopyFormat::Csv;
        CopyOut {
            query: String::new(),
            format,
            delimiter: if csv { ',' } else { '\t' },
            null: if csv { String::new() } else { "\\N".into() },
            header: false,
            quote: '"',
            escape: '"',
        }
    }

    #[test]
    fn text_fields_split_on_unescaped_delimiters_and_unescape() {
        let f = split_text("a\\tb\tc\\\\\t\\N", &layout(CopyFormat::Text));
        assert_eq!(f, vec![Some("a\tb".into()), Some("c\\".into()), None]);
    }

    #[test]
    fn csv_fields_keep_quoted_delimiters_and_tell_null_from_empty() {
        let f = split_csv("\"a,\"\"b\",,\"\"", &layout(CopyFormat::Csv)).unwrap();
        assert_eq!(f, vec![Some("a,\"b".into()), None, Some(String::new())]);
    }

    #[test]
    fn a_plan_without_masks_rebuilds_the_same_fields() {
        let plan = RowPlan::new(vec![ColumnPlan::Pass, ColumnPlan::Pass], vec![], vec![]);
        let mut tally = TransformTally::default();
        let out =
            mask_copy_line(&plan, &layout(CopyFormat::Text), b"1\tx\\ty\n", &mut tally).unwrap();
        assert_eq!(out, b"1\tx\\ty\n");
        assert!(tally.is_empty(), "nothing was transformed");
    }

    #[test]
    fn a_line_with_the_wrong_number_of_fields_fails_closed() {
        let plan = RowPlan::new(vec![ColumnPlan::Pass], vec![], vec![]);
        let mut tally = TransformTally::default();
        let line = mask_copy_line(&plan, &layout(CopyFormat::Text), b"1\t2\n", &mut tally);
        assert!(line.is_err());
    }
}
