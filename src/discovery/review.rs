//! The findings of a scan, table by table, compared with a policy's dictionary when one
//! is given, and printed for a person: each column with what it looks like, its hit
//! rate, a few masked examples, and what the policy says of it.
//!
//! A column that looks C2 (or C3) but is classified lower, or not at all, is flagged;
//! a free-text column carrying card numbers or other checked values is always named,
//! classified or not.

use std::fmt::Write as _;

use super::profile::{ColumnProfile, Suggestion};
use crate::policy::{Grade, Policy};

/// The sampled columns of one table.
#[derive(Clone, Debug)]
pub struct TableFindings {
    /// `schema.table`.
    pub table: String,
    /// Rows sampled.
    pub sampled: u64,
    /// Every column, in table order, with its profile.
    pub columns: Vec<(String, ColumnProfile)>,
}

/// What the policy says of a column that looks sensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No policy was given.
    NotCompared,
    /// The dictionary does not list the column.
    Unclassified,
    /// Classified as the category it looks like.
    Agrees,
    /// Classified with a lower grade than what it holds.
    Understated { category: String, grade: Grade },
    /// Classified as another category of the same or a higher grade.
    Differs { category: String },
}

impl Verdict {
    /// Whether a security engineer must act on it.
    pub fn flagged(&self) -> bool {
        matches!(self, Verdict::Unclassified | Verdict::Understated { .. })
    }
}

/// The grade of what a suggestion found: C3 for track data, else C2.
pub fn suggested_grade(suggestion: &Suggestion) -> Grade {
    if suggestion.holds_c3() {
        Grade::C3
    } else {
        Grade::C2
    }
}

/// Compares a suggestion for `table.column` with the policy's dictionary.
pub fn verdict(policy: Option<&Policy>, table: &str, column: &str, s: &Suggestion) -> Verdict {
    let Some(policy) = policy else {
        return Verdict::NotCompared;
    };
    let Some(field) = policy.table(table).and_then(|t| t.get(column)) else {
        return Verdict::Unclassified;
    };
    let grade = policy
        .categories
        .get(&field.category)
        .map_or(Grade::C1, |c| c.grade);
    if field.category == s.category() {
        Verdict::Agrees
    } else if grade < suggested_grade(s) {
        Verdict::Understated {
            category: field.category.clone(),
            grade,
        }
    } else {
        Verdict::Differs {
            category: field.category.clone(),
        }
    }
}

/// The printed report of every table.
pub fn render(tables: &[TableFindings], policy: Option<&Policy>) -> String {
    let mut out = String::new();
    let mut flagged = 0;
    for t in tables {
        let _ = writeln!(out, "{} ({} rows sampled)", t.table, t.sampled);
        let mut quiet = 0;
        for (column, profile) in &t.columns {
            let Some(s) = profile.suggestion() else {
                quiet += 1;
                continue;
            };
            let v = verdict(policy, &t.table, column, &s);
            flagged += usize::from(v.flagged());
            let examples = profile.examples(&s).join(", ");
            let _ = writeln!(
                out,
                "  {column:<22} {:<15} {}  e.g. {examples}",
                s.category(),
                rate_text(profile, &s)
            );
            if let Some(note) = note(&v, &s) {
                let _ = writeln!(out, "  {:<22} {note}", "");
            }
        }
        if quiet > 0 {
            let _ = writeln!(out, "  ({quiet} other column(s): nothing sensitive found)");
        }
        out.push('\n');
    }
    if policy.is_some() {
        let _ = writeln!(out, "{flagged} column(s) flagged against the policy");
    }
    out
}

/// `100% of 50 sampled`, or `card_number in 3, mobile in 2 of 400 sampled`.
pub fn rate_text(profile: &ColumnProfile, s: &Suggestion) -> String {
    match s {
        Suggestion::Category { hits, .. } => format!(
            "{:.0}% of {} sampled",
            100.0 * profile.rate(*hits),
            profile.values
        ),
        Suggestion::FreeText { found } => {
            let parts: Vec<String> = found.iter().map(|(k, n)| format!("{k} in {n}")).collect();
            format!("{} of {} sampled", parts.join(", "), profile.values)
        }
    }
}

fn note(v: &Verdict, s: &Suggestion) -> Option<String> {
    let holds = match s {
        Suggestion::FreeText { .. } if s.holds_c3() => {
            "holds track data (C3) inside free text, which must never leave; "
        }
        _ => "",
    };
    match v {
        Verdict::Unclassified => Some(format!(
            "! {holds}not in the policy's dictionary (looks {})",
            suggested_grade(s)
        )),
        Verdict::Understated { category, grade } => Some(format!(
            "! {holds}classified {grade} ({category}) but looks like {} ({})",
            s.category(),
            suggested_grade(s)
        )),
        Verdict::Differs { category } => Some(format!(
            "{holds}classified as {category}; values look like {}",
            s.category()
        )),
        Verdict::Agrees if matches!(s, Suggestion::FreeText { .. }) => Some(format!(
            "{holds}classified free_text: this free text carries the values above"
        )),
        Verdict::Agrees | Verdict::NotCompared => {
            (!holds.is_empty()).then(|| format!("! {}", holds.trim_end_matches("; ")))
        }
    }
}
