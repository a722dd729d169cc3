//! One audit record. It names fields, grades, transforms and counts — never a value.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Where the data went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Postgres,
    Http,
    File,
}

/// What was decided for the statement, request or file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditDecision {
    /// Only passed fields were returned.
    Passed,
    /// At least one field was transformed.
    Masked,
    /// Refused: nothing was returned.
    Refused,
}

/// One field returned (or refused) with its grade and the transform applied.
///
/// A gateway builds each field once per policy and lists the same `Arc` in every
/// record, so the field's JSON is written once, the first time a record holding it is
/// serialized, and copied as it is into every later record (the audit writer otherwise
/// spent most of its time escaping the same strings). The four members are therefore
/// not to be changed once the field has been serialized; shared in an `Arc`, they
/// cannot be.
#[derive(Debug, Deserialize)]
pub struct AuditField {
    /// `schema.table.column` or a JSON path.
    pub field: String,
    /// `C1`, `C2`, `C3`, or `unclassified`.
    pub grade: String,
    pub category: Option<String>,
    /// `pass`, `refuse`, or the transform's name.
    pub transform: String,
    /// This field's JSON, once written.
    #[serde(skip)]
    json: OnceLock<Box<RawValue>>,
}

/// How a field is written: the members of [`AuditField`], in order.
#[derive(Serialize, PartialEq)]
struct FieldJson<'a> {
    field: &'a str,
    grade: &'a str,
    category: Option<&'a str>,
    transform: &'a str,
}

impl AuditField {
    /// A field with its grade, category and what was done to it.
    pub fn new(
        field: impl Into<String>,
        grade: impl Into<String>,
        category: Option<String>,
        transform: impl Into<String>,
    ) -> Self {
        AuditField {
            field: field.into(),
            grade: grade.into(),
            category,
            transform: transform.into(),
            json: OnceLock::new(),
        }
    }

    fn members(&self) -> FieldJson<'_> {
        FieldJson {
            field: &self.field,
            grade: &self.grade,
            category: self.category.as_deref(),
            transform: &self.transform,
        }
    }

    /// The field's JSON, written on first use.
    fn json(&self) -> Option<&RawValue> {
        if let Some(json) = self.json.get() {
            return Some(json);
        }
        let text = serde_json::to_string(&self.members()).ok()?;
        let json = RawValue::from_string(text).ok()?;
        Some(self.json.get_or_init(|| json))
    }
}

impl Serialize for AuditField {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.json() {
            Some(json) => {
                debug_assert_eq!(
                    json.get(),
                    serde_json::to_string(&self.members()).unwrap_or_default(),
                    "an audit field was changed after it was first written"
                );
                json.serialize(serializer)
            }
            None => self.members().serialize(serializer),
        }
    }
}

/// A copy is a new field: its JSON is written again when it is first used.
impl Clone for AuditField {
    fn clone(&self) -> Self {
        AuditField::new(
            self.field.clone(),
            self.grade.clone(),
            self.category.clone(),
            self.transform.clone(),
        )
    }
}

impl PartialEq for AuditField {
    fn eq(&self, other: &Self) -> bool {
        self.members() == other.members()
    }
}

impl Eq for AuditField {}

/// What a gateway reports; the writer adds the sequence number and the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// RFC 3339 UTC time, milliseconds.
    pub time: String,
    pub consumer: String,
    pub scenario: String,
    pub channel: Channel,
    /// The client's address, when there is one.
    pub client: Option<String>,
    /// Tables, route or file read.
    pub source: Vec<String>,
    /// Shared: a gateway prepares each field once per policy and hands the same
    /// `Arc` to every record, instead of copying four strings per field per request.
    pub fields: Vec<Arc<AuditField>>,
    /// Rows or records returned.
    pub rows: u64,
    pub decision: AuditDecision,
    /// Why it was refused, in the words shown to the consumer.
    pub reason: Option<String>,
    /// The statement with literals removed, or the request's method and route.
    pub fingerprint: Option<String>,
    /// The master key version under which pseudonyms were issued.
    pub key_id: String,
}

impl AuditEvent {
    /// The current time in the records' format.
    pub fn now() -> String {
        humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
    }
}

/// A record as written: the event plus its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1, across rotations and restarts.
    pub seq: u64,
    #[serde(flatten)]
    pub event: AuditEvent,
    /// The previous record's MAC (hex), or 64 zeros for the first record.
    pub prev: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> AuditField {
        AuditField::new(
            "public.cards.card_no",
            "C2",
            Some("card_number".into()),
            "mask",
        )
    }

    #[test]
    fn a_field_is_written_the_same_the_first_time_and_every_time_after() {
        let field = card();
        let first = serde_json::to_string(&field).unwrap();
        assert_eq!(
            first,
            r#"{"field":"public.cards.card_no","grade":"C2","category":"card_number","transform":"mask"}"#
        );
        assert_eq!(serde_json::to_string(&field).unwrap(), first);
        let no_category = AuditField::new("json.seq", "C1", None, "pass");
        assert_eq!(
            serde_json::to_string(&no_category).unwrap(),
            r#"{"field":"json.seq","grade":"C1","category":null,"transform":"pass"}"#
        );
    }

    #[test]
    fn a_written_field_reads_back_equal_and_a_changed_copy_is_written_anew() {
        let field = card();
        let text = serde_json::to_string(&field).unwrap();
        let back: AuditField = serde_json::from_str(&text).unwrap();
        assert_eq!(back, field);
        let mut copy = field.clone();
        copy.transform = "fpe_card".into();
        assert_ne!(copy, field);
        assert!(
            serde_json::to_string(&copy)
                .unwrap()
                .contains(r#""transform":"fpe_card""#)
        );
    }

    #[test]
    fn a_record_lists_its_shared_fields_inside_its_own_json() {
        let shared = Arc::new(card());
        let event = |rows| AuditEvent {
            time: "2026-12-06T07:00:00.000Z".into(),
            consumer: "vendor".into(),
            scenario: "outsourced".into(),
            channel: Channel::Http,
            client: None,
            source: vec!["http.cards".into()],
            fields: vec![Arc::clone(&shared), Arc::clone(&shared)],
            rows,
            decision: AuditDecision::Masked,
            reason: None,
            fingerprint: None,
            key_id: "k1".into(),
        };
        let one = serde_json::to_value(event(1)).unwrap();
        let two: AuditEvent =
            serde_json::from_str(&serde_json::to_string(&event(2)).unwrap()).unwrap();
        assert_eq!(one["fields"][1]["category"], "card_number");
        assert_eq!(*two.fields[0], *shared);
        assert_eq!(two.rows, 2);
    }
}
