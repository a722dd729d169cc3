//! What a sample of one column holds: for each detected kind, how many values are
//! that kind as a whole and how many carry it inside free text, with a few masked
//! examples; and the category the column most likely is.
//!
//! A column is suggested as a category when at least [`WHOLE_THRESHOLD`] of its
//! non-null sampled values are, as a whole, of that kind (card and account numbers
//! count together: a Chinese account number is often a card number). A column that
//! is not, but whose values carry checked numbers, e-mails or track data inside text,
//! is free text holding them. A numeric column (ids, amounts) is never taken for
//! account numbers, and sporadic hits among plain digit strings are ignored.

use std::collections::BTreeMap;

use super::detectors::{self, Confidence, Detected, Placement};
use super::masked::masked_example;

/// Share of non-null values that must be of one kind for a column to be that kind.
pub const WHOLE_THRESHOLD: f64 = 0.3;
/// Share of values carrying a name or address inside text for the column to be free
/// text on their account alone (names in prose are weaker evidence than numbers).
const WEAK_EMBEDDED_THRESHOLD: f64 = 0.1;
/// Masked examples kept per kind.
const EXAMPLES: usize = 3;

/// Counts for one kind in one column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Values that are this kind as a whole.
    pub whole: u64,
    /// Of those, with high confidence.
    pub whole_high: u64,
    /// Values carrying this kind inside text.
    pub embedded: u64,
    /// Masked examples (never a raw value).
    pub examples: Vec<String>,
}

/// The profile of one column's sample.
#[derive(Clone, Debug, Default)]
pub struct ColumnProfile {
    /// Rows sampled.
    pub sampled: u64,
    /// Non-null values among them.
    pub values: u64,
    /// The column's type is numeric (ids, amounts): no account numbers, no free text.
    pub numeric: bool,
    /// Values made only of digits.
    pub digit_strings: u64,
    pub kinds: BTreeMap<Detected, KindCounts>,
}

/// What the column most likely is.
#[derive(Clone, Debug, PartialEq)]
pub enum Suggestion {
    /// The values are, as a whole, of this kind.
    Category { kind: Detected, hits: u64 },
    /// Free text carrying these kinds (values with at least one, per kind).
    FreeText { found: Vec<(Detected, u64)> },
}

impl Suggestion {
    /// The category to write in the dictionary.
    pub fn category(&self) -> &'static str {
        match self {
            Suggestion::Category { kind, .. } => kind.category(),
            Suggestion::FreeText { .. } => "free_text",
        }
    }

    /// Whether what was found is C3 (track data), wherever it was.
    pub fn holds_c3(&self) -> bool {
        match self {
            Suggestion::Category { kind, .. } => *kind == Detected::TrackData,
            Suggestion::FreeText { found } => found.iter().any(|(k, _)| *k == Detected::TrackData),
        }
    }
}

impl ColumnProfile {
    /// A profile for a column, numeric or not.
    pub fn new(numeric: bool) -> Self {
        ColumnProfile {
            numeric,
            ..ColumnProfile::default()
        }
    }

    /// Adds one sampled value (`None` is a null).
    pub fn add(&mut self, value: Option<&str>) {
        self.sampled += 1;
        let Some(value) = value else {
            return;
        };
        self.values += 1;
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            self.digit_strings += 1;
        }
        let mut seen_embedded: Vec<Detected> = Vec::new();
        for hit in detectors::detect(value) {
            if self.numeric && hit.kind == Detected::AccountNumber {
                continue;
            }
            let counts = self.kinds.entry(hit.kind).or_default();
            match hit.placement {
                Placement::Whole => {
                    counts.whole += 1;
                    counts.whole_high += u64::from(hit.confidence == Confidence::High);
                }
                Placement::Embedded if !seen_embedded.contains(&hit.kind) => {
                    seen_embedded.push(hit.kind);
                    counts.embedded += 1;
                }
                Placement::Embedded => {}
            }
            if counts.examples.len() < EXAMPLES {
                let example = masked_example(hit.kind, hit.text(value));
                if !counts.examples.contains(&example) {
                    counts.examples.push(example);
                }
            }
        }
    }

    /// The share of non-null values that `n` is.
    pub fn rate(&self, n: u64) -> f64 {
        if self.values == 0 {
            0.0
        } else {
            n as f64 / self.values as f64
        }
    }

    /// What the column most likely is; `None` when nothing sensitive was found.
    pub fn suggestion(&self) -> Option<Suggestion> {
        self.whole_category().or_else(|| self.free_text())
    }

    fn whole_category(&self) -> Option<Suggestion> {
        let whole = |k: Detected| self.kinds.get(&k).map_or(0, |c| c.whole);
        let (kind, count) = Detected::ALL
            .into_iter()
            .map(|k| (k, whole(k)))
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(k, n)| (n, std::cmp::Reverse(k)))?;
        let hits = match kind {
            Detected::CardNumber | Detected::AccountNumber => {
                whole(Detected::CardNumber) + whole(Detected::AccountNumber)
            }
            _ => count,
        };
        (self.rate(hits) >= WHOLE_THRESHOLD).then_some(Suggestion::Category { kind, hits })
    }

    fn free_text(&self) -> Option<Suggestion> {
        let mostly_digits = self.rate(self.digit_strings) >= 0.5;
        if self.numeric || mostly_digits {
            return None;
        }
        let found: Vec<(Detected, u64)> = self
            .kinds
            .iter()
            .map(|(&k, c)| (k, c.whole + c.embedded))
            .filter(|&(k, n)| match k {
                Detected::Name | Detected::Address => self.rate(n) >= WEAK_EMBEDDED_THRESHOLD,
                _ => n > 0,
            })
            .collect();
        (!found.is_empty()).then_some(Suggestion::FreeText { found })
    }

    /// Masked examples of the kinds a suggestion names.
    pub fn examples(&self, suggestion: &Suggestion) -> Vec<&str> {
        let kinds: Vec<Detected> = match suggestion {
            Suggestion::Category { kind, .. } => vec![*kind],
            Suggestion::FreeText { found } => found.iter().map(|(k, _)| *k).collect(),
        };
        kinds
            .iter()
            .filter_map(|k| self.kinds.get(k))
            .flat_map(|c| c.examples.iter().map(String::as_str))
            .take(EXAMPLES)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(numeric: bool, values: &[&str]) -> ColumnProfile {
        let mut p = ColumnProfile::new(numeric);
        for v in values {
            p.add(Some(v));
        }
        p
    }

    #[test]
    fn a_column_of_card_numbers_is_suggested_as_card_number() {
        let p = profile(false, &["6222020200112233446", "4111111111111111", "3"]);
        assert_eq!(
            p.suggestion(),
            Some(Suggestion::Category {
                kind: Detected::CardNumber,
                hits: 2
            })
        );
        assert_eq!(
            p.examples(&p.suggestion().unwrap())[0],
            "622202*********3446"
        );
    }

    #[test]
    fn a_memo_with_a_card_number_in_one_value_is_free_text() {
        let p = profile(
            false,
            &["工资", "房租", "还款至卡号6222020200112233446", "转账"],
        );
        let s = p.suggestion().unwrap();
        assert_eq!(s.category(), "free_text");
        assert_eq!(
            s,
            Suggestion::FreeText {
                found: vec![(Detected::CardNumber, 1)]
            }
        );
    }

    #[test]
    fn a_numeric_id_column_is_never_an_account_number() {
        let p = profile(true, &["6217000010012345671", "6217000010012345672"]);
        assert_eq!(p.suggestion(), None);
    }

    #[test]
    fn sporadic_card_shaped_ids_among_digit_strings_are_ignored() {
        let mut values = vec!["4111111111111111"];
        values.extend(["1234567"; 20]);
        assert_eq!(profile(false, &values).suggestion(), None);
    }

    #[test]
    fn nulls_count_as_sampled_rows_but_not_as_values() {
        let mut p = ColumnProfile::new(false);
        p.add(None);
        p.add(Some("13812345678"));
        assert_eq!((p.sampled, p.values), (2, 1));
        assert_eq!(p.rate(1), 1.0);
    }
}
