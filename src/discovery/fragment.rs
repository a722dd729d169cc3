//! The dictionary fragment `tuomin scan --out` writes: one `[dictionary."schema.table"]`
//! section per table with a finding, one line per column, each with its evidence as a
//! comment, for a security engineer to review and paste into the policy:
//!
//! ```toml
//! [dictionary."public.cards"]
//! card_no = "card_number"  # 100% of 50 sampled
//! ```
//!
//! Compared with a policy, columns it already classifies as they look are written as
//! comments only, and a column classified lower than it looks says what it was.
//! The fragment holds categories and counts, never a value.

use std::fmt::Write as _;

use super::profile::Suggestion;
use super::review::{TableFindings, Verdict, rate_text, verdict};
use crate::policy::Policy;

/// The fragment for `tables`; `origin` (a database and host, no password) and the
/// policy compared with go in its header comment.
pub fn fragment(tables: &[TableFindings], policy: Option<&Policy>, origin: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `tuomin scan` from {origin}.");
    if let Some(policy) = policy {
        let _ = writeln!(out, "# Compared with {}.", policy.path.display());
    }
    out.push_str(
        "# Suggestions from samples, not decisions: review every line before pasting it\n\
         # into the policy's dictionary. Columns with no finding are not listed.\n",
    );
    for t in tables {
        let lines: Vec<String> = t
            .columns
            .iter()
            .filter_map(|(column, profile)| {
                let s = profile.suggestion()?;
                let v = verdict(policy, &t.table, column, &s);
                Some(line(column, &s, &v, &rate_text(profile, &s)))
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[dictionary.{}]", quoted(&t.table));
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
    out
}

fn line(column: &str, s: &Suggestion, v: &Verdict, evidence: &str) -> String {
    let entry = format!("{} = {}", key(column), quoted(s.category()));
    match v {
        Verdict::Agrees => format!("# {entry}  # already classified so; {evidence}"),
        Verdict::Differs { category } => {
            format!("# {entry}  # classified as {category} (kept); {evidence}")
        }
        Verdict::Understated { category, grade } => {
            format!("{entry}  # was {category} ({grade}); {evidence}")
        }
        Verdict::Unclassified | Verdict::NotCompared => format!("{entry}  # {evidence}"),
    }
}

/// A bare TOML key when the name allows it, else a quoted one.
fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { name.to_owned() } else { quoted(name) }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::profile::ColumnProfile;

    fn findings() -> Vec<TableFindings> {
        let mut card = ColumnProfile::new(false);
        let mut memo = ColumnProfile::new(false);
        let mut id = ColumnProfile::new(true);
        for _ in 0..4 {
            card.add(Some("6222020200112233446"));
            memo.add(Some("工资"));
            id.add(Some("7"));
        }
        memo.add(Some("还款至卡号6222020200112233446"));
        vec![TableFindings {
            table: "public.t x".into(),
            sampled: 4,
            columns: vec![
                ("card no".into(), card),
                ("memo".into(), memo),
                ("id".into(), id),
            ],
        }]
    }

    #[test]
    fn the_fragment_parses_as_toml_and_lists_only_findings() {
        let text = fragment(&findings(), None, "database bank on localhost");
        let parsed: toml::Table = text.parse().expect(&text);
        let table = &parsed["dictionary"]["public.t x"];
        assert_eq!(table["card no"].as_str(), Some("card_number"));
        assert_eq!(table["memo"].as_str(), Some("free_text"));
        assert!(table.get("id").is_none());
        assert!(text.contains("# 100% of 4 sampled"), "{text}");
        assert!(text.contains("card_number in 1 of 5 sampled"), "{text}");
        assert!(!text.contains("6222020200112233446"), "{text}");
    }
}
