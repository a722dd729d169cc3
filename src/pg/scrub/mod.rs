//! Scrubbing of ErrorResponse and NoticeResponse for consumers with any masked field:
//! no value of a sensitive column may leave through an error or a notice.
//!
//! Fields that quote data by design are dropped: detail (`Key (card_no)=(…)`,
//! `Failing row contains …`), where (PL/pgSQL context with values), internal query,
//! and unknown codes. In the message and hint, every quoted segment (`"…"`) that
//! does not occur in the consumer's own statement text is replaced with `"…"`
//! (`invalid input syntax for type integer: "6222…"` loses the value; `relation
//! "foo" does not exist` keeps the name the consumer typed). Messages raised by user
//! code (SQLSTATE class P0, and notices from `RAISE`) can say anything and are
//! replaced whole. Codes, severities, positions and object names are kept.

use crate::pg::codec::backend::{ErrorFields, FieldCode};

/// What the replaced text says.
const WITHHELD: &str = "…";

/// Scrubs `fields` for a statement whose text is `statement`.
pub fn scrub(fields: &mut ErrorFields, statement: &str) {
    let code = fields.get(FieldCode::Code).unwrap_or("").to_owned();
    let user_raised = code.starts_with("P0") || code == "00000" || code == "01000";
    fields.fields.retain(|(c, _)| {
        matches!(
            c,
            FieldCode::SeverityLocalized
                | FieldCode::Severity
                | FieldCode::Code
                | FieldCode::Message
                | FieldCode::Hint
                | FieldCode::Position
                | FieldCode::InternalPosition
                | FieldCode::Schema
                | FieldCode::Table
                | FieldCode::Column
                | FieldCode::DataType
                | FieldCode::Constraint
                | FieldCode::File
                | FieldCode::Line
                | FieldCode::Routine
        )
    });
    for (c, value) in &mut fields.fields {
        match c {
            FieldCode::Message if user_raised => {
                *value =
                    "message from user code withheld by tuomin (it may quote data values)".into();
            }
            FieldCode::Message | FieldCode::Hint => *value = scrub_quoted(value, statement),
            _ => {}
        }
    }
}

/// Replaces every `"…"` segment not found in `statement`.
pub fn scrub_quoted(text: &str, statement: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open + 1]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else {
            out.push_str(WITHHELD);
            return out;
        };
        let inner = &after[..close];
        if !inner.is_empty() && statement.contains(inner) {
            out.push_str(inner);
        } else {
            out.push_str(WITHHELD);
        }
        out.push('"');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::{Severity, SqlState};

    #[test]
    fn a_value_quoted_in_a_cast_error_is_withheld() {
        let m = scrub_quoted(
            "invalid input syntax for type integer: \"6222020200112233\"",
            "select card_no::int from cards",
        );
        assert_eq!(m, "invalid input syntax for type integer: \"…\"");
    }

    #[test]
    fn names_the_consumer_typed_are_kept() {
        let m = scrub_quoted(
            "relation \"custmers\" does not exist",
            "select * from custmers",
        );
        assert_eq!(m, "relation \"custmers\" does not exist");
    }

    #[test]
    fn detail_where_and_internal_query_are_dropped_and_raise_messages_replaced() {
        let mut f = ErrorFields::new(
            Severity::Error,
            SqlState::parse("P0001").unwrap(),
            "card 6222",
        )
        .with(FieldCode::Detail, "Key (card_no)=(6222) exists")
        .with(FieldCode::Where, "PL/pgSQL function f() line 3 at RAISE")
        .with(FieldCode::InternalQuery, "select 6222");
        scrub(&mut f, "select f()");
        let all: String = f.fields.iter().map(|(_, v)| v.as_str()).collect();
        assert!(!all.contains("6222"), "{all}");
        assert!(f.get(FieldCode::Detail).is_none());
    }

    #[test]
    fn an_unterminated_quote_withholds_the_rest() {
        assert_eq!(scrub_quoted("x \"secret", "x"), "x \"…");
    }
}
