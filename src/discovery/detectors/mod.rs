//! Detectors of sensitive values: card numbers (Luhn + plausible BIN), magnetic track 2,
//! mainland ID numbers (check character + real birth date), unified social credit
//! codes (both checks), mobiles, e-mails, account numbers, Chinese names and addresses.
//!
//! [`detect`] looks at one value. When the whole value (trimmed) is one sensitive
//! value, it gives one hit covering it ([`Placement::Whole`]); otherwise it finds the
//! spans of sensitive values inside the text ([`Placement::Embedded`]), as in a memo
//! `还款至卡号6222021234567890123`. Hits never overlap; the higher-priority kind wins
//! (track data over the card number inside it, an ID number over an account number).
//!
//! Precision comes first: digits inside longer digit runs, decimals, hex strings and
//! UUIDs are never taken for a number; an account number inside free text needs a
//! keyword (`账号`, `account` …) before it; a name inside free text must stand alone.
//!
//! One file per detector; `digits` holds the digit-run scanning they share. No regex:
//! every detector is a small scan over bytes or characters, with no allocation for a
//! value without candidates.

mod account;
mod address;
mod card;
mod cn_id;
mod digits;
mod email;
mod mobile;
mod name;
mod track;
mod uscc;

#[cfg(test)]
mod tests;

use std::fmt;

/// What a detector found: a built-in category of the policy's taxonomy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detected {
    /// Magnetic track 2 (`;PAN=YYMM…?`): C3.
    TrackData,
    CardNumber,
    IdNumber,
    Uscc,
    Mobile,
    Email,
    AccountNumber,
    Name,
    Address,
}

impl Detected {
    /// Every kind, highest priority first.
    pub const ALL: [Detected; 9] = [
        Detected::TrackData,
        Detected::CardNumber,
        Detected::IdNumber,
        Detected::Uscc,
        Detected::Mobile,
        Detected::Email,
        Detected::AccountNumber,
        Detected::Name,
        Detected::Address,
    ];

    /// The built-in category (taxonomy name) of this kind.
    pub fn category(self) -> &'static str {
        match self {
            Detected::TrackData => "track_data",
            Detected::CardNumber => "card_number",
            Detected::IdNumber => "id_number",
            Detected::Uscc => "uscc",
            Detected::Mobile => "mobile",
            Detected::Email => "email",
            Detected::AccountNumber => "account_number",
            Detected::Name => "name",
            Detected::Address => "address",
        }
    }

    /// `scan:<category>`: how an egress-scan hit is named in audit records.
    pub fn scan_label(self) -> &'static str {
        match self {
            Detected::TrackData => "scan:track_data",
            Detected::CardNumber => "scan:card_number",
            Detected::IdNumber => "scan:id_number",
            Detected::Uscc => "scan:uscc",
            Detected::Mobile => "scan:mobile",
            Detected::Email => "scan:email",
            Detected::AccountNumber => "scan:account_number",
            Detected::Name => "scan:name",
            Detected::Address => "scan:address",
        }
    }

    /// The kind whose category is `name`.
    pub fn from_category(name: &str) -> Option<Detected> {
        Detected::ALL.into_iter().find(|d| d.category() == name)
    }

    fn priority(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Detected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.category())
    }
}

/// How sure a detector is. Checked numbers (Luhn, check characters) are `High`;
/// shapes without a check (account numbers, names with rare given characters) less.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// Whether a hit is the whole value or a span inside free text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Whole,
    Embedded,
}

/// One sensitive value found: its kind and its byte span in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub kind: Detected,
    pub start: usize,
    pub end: usize,
    pub confidence: Confidence,
    pub placement: Placement,
}

impl Hit {
    pub(crate) fn new(kind: Detected, start: usize, end: usize, confidence: Confidence) -> Self {
        Hit {
            kind,
            start,
            end,
            confidence,
            placement: Placement::Embedded,
        }
    }

    /// The text of the hit.
    pub fn text<'a>(&self, value: &'a str) -> &'a str {
        value.get(self.start..self.end).unwrap_or("")
    }
}

/// The sensitive values in `value`: one whole-value hit, or the embedded spans, sorted
/// by position and never overlapping.
pub fn detect(value: &str) -> Vec<Hit> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    let offset = trimmed.as_ptr() as usize - value.as_ptr() as usize;
    if let Some((kind, confidence)) = whole(trimmed) {
        let mut hit = Hit::new(kind, offset, offset + trimmed.len(), confidence);
        hit.placement = Placement::Whole;
        return vec![hit];
    }
    let mut hits = Vec::new();
    embedded(value, &mut hits);
    resolve_overlaps(hits)
}

/// The kind of a value that is, as a whole, one sensitive value.
fn whole(text: &str) -> Option<(Detected, Confidence)> {
    let bytes = text.as_bytes();
    if let Some(c) = track::whole(bytes) {
        return Some((Detected::TrackData, c));
    }
    let numeric = bytes.iter().all(u8::is_ascii_digit) || matches!(bytes.last(), Some(b'X' | b'x'));
    if numeric && let Some(found) = digits::whole_number(bytes) {
        return Some(found);
    }
    if let Some(c) = uscc::whole(bytes) {
        return Some((Detected::Uscc, c));
    }
    if let Some(c) = email::whole(text) {
        return Some((Detected::Email, c));
    }
    if let Some(c) = name::whole(text) {
        return Some((Detected::Name, c));
    }
    address::whole(text).map(|c| (Detected::Address, c))
}

/// Every candidate span in free text (overlaps resolved by the caller).
fn embedded(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    let has_digit = bytes.iter().any(u8::is_ascii_digit);
    if has_digit {
        track::find(bytes, hits);
        digits::find_numbers(text, hits);
        uscc::find(bytes, hits);
    }
    if bytes.contains(&b'@') {
        email::find(text, hits);
    }
    if !text.is_ascii() {
        name::find(text, hits);
        address::find(text, hits);
    }
}

/// A set of characters from a static dictionary: sorted, searched by bisection
/// (faster than hashing for a few hundred characters).
pub(crate) struct CharSet(Vec<char>);

impl CharSet {
    pub(crate) fn new(chars: impl Iterator<Item = char>) -> Self {
        let mut all: Vec<char> = chars.collect();
        all.sort_unstable();
        all.dedup();
        CharSet(all)
    }

    pub(crate) fn contains(&self, c: char) -> bool {
        self.0.binary_search(&c).is_ok()
    }
}

/// Keeps the best of overlapping hits: higher priority, then longer.
fn resolve_overlaps(mut hits: Vec<Hit>) -> Vec<Hit> {
    if hits.len() < 2 {
        return hits;
    }
    hits.sort_by_key(|h| (h.kind.priority(), usize::MAX - (h.end - h.start), h.start));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        if kept
            .iter()
            .all(|k| hit.end <= k.start || hit.start >= k.end)
        {
            kept.push(hit);
        }
    }
    kept.sort_by_key(|h| h.start);
    kept
}
