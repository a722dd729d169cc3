//! Masking a JSON (or NDJSON) body with a [`MaskPlan`]: rules by path and by key name
//! anywhere in the document. Key order is kept (`preserve_order`), numbers keep every
//! digit (`arbitrary_precision`), and a value is masked in its own type: a string
//! stays a string; a number stays a number whenever the transform's output is one (FPE,
//! noise, generalization; a mask that writes `*` cannot be a JSON number and becomes a
//! string). C3 anywhere refuses the response, or is removed when the route says so.
//!
//! The body filter of the gateway: it runs on the whole body at end of stream.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::jsonpath::{Elem, display};
use super::plan::{MaskPlan, Rule};
use crate::audit::AuditField;
use crate::config::http::C3Mode;
use crate::policy::{Decision, Refusal};
use crate::transform::{Context, Transform, TransformError, TransformTally};

/// What masking a body found, for the audit record.
#[derive(Debug, Default)]
pub struct Report {
    pub records: u64,
    /// The fields returned, each once, in order of source: the field, its grade and
    /// what was done.
    pub fields: Vec<Arc<AuditField>>,
    pub transformed: bool,
    /// Values transformed, by transform (for the metrics).
    pub values: TransformTally,
    /// Rules already noted, by their index in the plan.
    seen: Vec<bool>,
    /// The [`Rule::rank`] of each of `fields` (which it keeps in order).
    ranks: Vec<usize>,
}

impl Report {
    /// Adds a field unless one of the same source is there (the first noted stays).
    fn add_field(&mut self, rank: usize, field: &Arc<AuditField>) {
        if let Err(at) = self.ranks.binary_search(&rank) {
            self.ranks.insert(at, rank);
            self.fields.insert(at, field.clone());
        }
    }

    /// Makes room for the once-per-rule bookkeeping of a plan of `rules` rules.
    pub(super) fn expect_rules(&mut self, rules: usize) {
        if self.seen.len() < rules {
            self.seen.resize(rules, false);
        }
    }
}

/// Why a body cannot be returned. Never holds a value.
#[derive(Debug, thiserror::Error)]
pub enum MaskError {
    /// A field that may not leave (C3, refused for this consumer, unclassified).
    #[error("{message} (at {path})")]
    Refused {
        path: String,
        rule: String,
        message: String,
    },
    /// A transform could not handle the value (wrong shape for its format).
    #[error("field {path} ({source_name}) could not be masked: {error}")]
    Transform {
        path: String,
        source_name: String,
        error: TransformError,
    },
    /// The body is not valid JSON.
    #[error("the upstream body is not valid JSON ({0})")]
    Malformed(String),
}

enum Verdict {
    Keep,
    Remove,
}

/// Masks one JSON document in place.
pub fn mask_value(
    plan: &MaskPlan,
    value: &mut Value,
    report: &mut Report,
) -> Result<(), MaskError> {
    let mut path = Vec::new();
    let mut walker = Walker { plan, report };
    if let Verdict::Remove = walker.walk(value, &mut path, None, None, None)? {
        *value = Value::Null;
    }
    Ok(())
}

/// Masks a JSON body: the streaming masker, or the tree masker when a rule needs a
/// sibling value (`subject`) that may come after the value itself.
pub fn mask_json(plan: &MaskPlan, body: &[u8]) -> Result<(Vec<u8>, Report), MaskError> {
    if plan.has_subjects {
        return mask_json_tree(plan, body);
    }
    let mut report = Report::default();
    let out = super::stream::mask(plan, body, &mut report)?;
    Ok((out, report))
}

/// The tree masker: parse, mask in place, re-serialise. The streaming masker's
/// reference, and the path for rules with subjects.
pub fn mask_json_tree(plan: &MaskPlan, body: &[u8]) -> Result<(Vec<u8>, Report), MaskError> {
    let mut value: Value =
        serde_json::from_slice(body).map_err(|e| MaskError::Malformed(e.classify_text()))?;
    let mut report = Report::default();
    mask_value(plan, &mut value, &mut report)?;
    report.records = count_records(&value);
    let out = serde_json::to_vec(&value).map_err(|e| MaskError::Malformed(e.to_string()))?;
    Ok((out, report))
}

/// Masks newline-delimited JSON line by line; blank lines are kept out.
pub fn mask_ndjson(plan: &MaskPlan, body: &[u8]) -> Result<(Vec<u8>, Report), MaskError> {
    let mut report = Report::default();
    let mut out = Vec::with_capacity(body.len());
    for line in body.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let (masked, line_report) = mask_json(plan, line)?;
        out.extend_from_slice(&masked);
        out.push(b'\n');
        report.records += 1;
        report.transformed |= line_report.transformed;
        report.values.merge(&line_report.values);
        for (rank, field) in line_report.ranks.iter().zip(&line_report.fields) {
            report.add_field(*rank, field);
        }
    }
    Ok((out, report))
}

trait Classify {
    fn classify_text(&self) -> String;
}

impl Classify for serde_json::Error {
    /// The kind and place of a parse error, never the text around it.
    fn classify_text(&self) -> String {
        format!(
            "{:?} error at line {} column {}",
            self.classify(),
            self.line(),
            self.column()
        )
    }
}

/// Records in a (masked) response: a top-level array's length, or that of the first array
/// member of a top-level object (`{"data": […]}`), else one.
fn count_records(value: &Value) -> u64 {
    match value {
        Value::Array(items) => items.len() as u64,
        Value::Object(map) => map
            .values()
            .find_map(|v| v.as_array().map(|a| a.len() as u64))
            .unwrap_or(1),
        Value::Null => 0,
        _ => 1,
    }
}

struct Walker<'p, 'r> {
    plan: &'p MaskPlan,
    report: &'r mut Report,
}

impl<'p> Walker<'p, '_> {
    fn walk(
        &mut self,
        value: &mut Value,
        path: &mut Vec<Elem<'static>>,
        key: Option<&str>,
        inherited: Option<&'p Rule>,
        subject: Option<&str>,
    ) -> Result<Verdict, MaskError> {
        let own = self.plan.rule_at(path, key);
        if let Some(
            rule @ Rule {
                decision: Decision::Refuse(refusal),
                ..
            },
        ) = own
        {
            return self.refuse(rule, refusal, path);
        }
        let rule = own.or(inherited);
        match value {
            Value::Object(map) => {
                let subjects = if self.plan.has_subjects {
                    self.subjects(map, path)
                } else {
                    Vec::new()
                };
                let mut removed = Vec::new();
                for (k, child) in map.iter_mut() {
                    path.push(Elem::Key(k.clone().into()));
                    let subj = subjects
                        .iter()
                        .find(|(sk, _)| sk == k)
                        .map(|(_, v)| v.as_str());
                    let verdict = self.walk(child, path, Some(k), rule, subj)?;
                    path.pop();
                    if let Verdict::Remove = verdict {
                        removed.push(k.clone());
                    }
                }
                for k in removed {
                    map.shift_remove(&k);
                }
                Ok(Verdict::Keep)
            }
            Value::Array(items) => {
                let mut removed = Vec::new();
                for (i, child) in items.iter_mut().enumerate() {
                    path.push(Elem::Index(i));
                    let verdict = self.walk(child, path, key, rule, subject)?;
                    path.pop();
                    if let Verdict::Remove = verdict {
                        removed.push(i);
                    }
                }
                for i in removed.into_iter().rev() {
                    items.remove(i);
                }
                Ok(Verdict::Keep)
            }
            Value::Null => Ok(Verdict::Keep),
            scalar => {
                let rule = rule.unwrap_or(&self.plan.unclassified);
                self.leaf(rule, scalar, path, subject)
            }
        }
    }

    /// The subject values of the members of `map` whose rule names a subject key.
    fn subjects(
        &self,
        map: &serde_json::Map<String, Value>,
        path: &[Elem<'_>],
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut child = path.to_vec();
        for k in map.keys() {
            child.push(Elem::Key(k.clone().into()));
            let subject = self
                .plan
                .rule_at(&child, Some(k))
                .and_then(|r| r.subject.as_ref());
            if let Some(value) = subject.and_then(|s| map.get(s)).and_then(scalar_text) {
                out.push((k.clone(), value));
            }
            child.pop();
        }
        out
    }

    fn refuse(
        &mut self,
        rule: &Rule,
        refusal: &Refusal,
        path: &[Elem<'_>],
    ) -> Result<Verdict, MaskError> {
        if rule.never_leaves() && self.plan.c3 == C3Mode::Remove {
            note(self.report, rule);
            return Ok(Verdict::Remove);
        }
        Err(MaskError::Refused {
            path: display(path),
            rule: refusal.origin.to_string(),
            message: refusal.message.clone(),
        })
    }

    fn leaf(
        &mut self,
        rule: &Rule,
        value: &mut Value,
        path: &[Elem<'_>],
        subject: Option<&str>,
    ) -> Result<Verdict, MaskError> {
        let transform = match &rule.decision {
            Decision::Pass { .. } => {
                note(self.report, rule);
                return Ok(Verdict::Keep);
            }
            Decision::Refuse(refusal) => return self.refuse(rule, refusal, path),
            Decision::Transform { transform, .. } => transform,
        };
        let text: Cow<'_, str> = match &*value {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Number(n) => Cow::Owned(n.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            _ => return Ok(Verdict::Keep),
        };
        let output = apply_text(transform.as_ref(), &text, subject, path, rule)?;
        *value = match (output, &*value) {
            (None, _) => Value::Null,
            (Some(out), Value::String(_)) => Value::String(out),
            (Some(out), _) => out
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .or_else(|_| out.parse::<bool>().map(Value::Bool))
                .unwrap_or(Value::String(out)),
        };
        transformed(self.report, rule, transform.name());
        Ok(Verdict::Keep)
    }
}

/// Applies a transform to the text of one value; the error names the place, never the value.
pub(super) fn apply_text(
    transform: &dyn Transform,
    text: &str,
    subject: Option<&str>,
    path: &[Elem<'_>],
    rule: &Rule,
) -> Result<Option<String>, MaskError> {
    transform
        .apply(text, &Context { subject })
        .map_err(|error| MaskError::Transform {
            path: display(path),
            source_name: rule.source.clone(),
            error,
        })
}

/// Records a value transformed by `rule`: the field (once), and the count.
pub(super) fn transformed(report: &mut Report, rule: &Rule, transform: &'static str) {
    note(report, rule);
    report.transformed = true;
    report.values.add(transform);
}

/// Records, once per rule, the field and what was done to it.
#[inline]
pub(super) fn note(report: &mut Report, rule: &Rule) {
    match report.seen.get_mut(rule.index) {
        Some(true) => {}
        Some(seen) => {
            *seen = true;
            report.add_field(rule.rank, &rule.audit);
        }
        None => {
            report.seen.resize(rule.index + 1, false);
            report.seen[rule.index] = true;
            report.add_field(rule.rank, &rule.audit);
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
