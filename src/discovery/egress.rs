//! The egress scan (`[defaults] unclassified = "scan"`): a value of a column or field
//! the dictionary does not know is run through the [`detectors`](super::detectors) on
//! its way out. A value with no hit leaves unchanged; each hit is masked as the
//! category it was detected as — with the consumer's own decision for that built-in
//! category, built at policy load under the pseudonym domain `scan:<category>` — or,
//! with `scan_hit = "refuse"`, the whole response is refused. Free text keeps its text:
//! only the detected span is replaced. Track data (C3) is always refused, and so is a
//! hit the consumer may not receive in any form, or one its transform cannot mask
//! (fail closed).
//!
//! One [`EgressScanner`] per consumer is built with the policy; both gateways and the
//! file masker call [`EgressScanner::scan_value`], which also says which categories
//! were hit (for the audit record's `scan:<category>` fields). The scanner is also a
//! [`Transform`], so a gateway that only executes decisions masks scanned values
//! without knowing about scanning.

use std::fmt;

use super::detectors::{self, Detected, Hit, Placement};
use crate::config::ScanHit;
use crate::policy::{Decision, Refusal, RuleOrigin};
use crate::transform::{Context, Properties, Transform, TransformError};

/// What the scan made of one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanOutcome {
    /// Nothing sensitive found: the value leaves byte for byte.
    Clean,
    /// Sensitive values were found and masked. `None` is a null (a whole-value hit
    /// whose transform gives null).
    Masked {
        value: Option<String>,
        hits: Vec<Detected>,
    },
    /// The value may not leave; the statement, response or file is refused.
    Refused(Refusal),
}

/// The egress scan of one consumer: its decision for every detectable category.
pub struct EgressScanner {
    consumer: String,
    on_hit: ScanHit,
    /// Indexed like [`Detected::ALL`].
    decisions: Vec<Decision>,
}

impl fmt::Debug for EgressScanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EgressScanner")
            .field("consumer", &self.consumer)
            .field("on_hit", &self.on_hit)
            .finish_non_exhaustive()
    }
}

impl EgressScanner {
    /// A scanner from the consumer's decision for each detectable category; a
    /// category missing from `decisions` is refused (fail closed).
    pub fn new(consumer: &str, on_hit: ScanHit, mut decisions: Vec<(Detected, Decision)>) -> Self {
        let decisions = Detected::ALL
            .iter()
            .map(|kind| {
                let at = decisions.iter().position(|(k, _)| k == kind);
                match at {
                    Some(i) => decisions.swap_remove(i).1,
                    None => Decision::Refuse(Refusal {
                        field: kind.scan_label().to_owned(),
                        grade: None,
                        origin: RuleOrigin::Unclassified,
                        message: format!("no decision for {}; refused", kind.scan_label()),
                    }),
                }
            })
            .collect();
        EgressScanner {
            consumer: consumer.to_owned(),
            on_hit,
            decisions,
        }
    }

    /// The consumer this scanner is for.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// The consumer's decision for values detected as `kind`.
    pub fn decision(&self, kind: Detected) -> &Decision {
        &self.decisions[kind as usize]
    }

    /// Scans one value of the unclassified `field` (named in refusals, never the value).
    pub fn scan_value(&self, field: &str, value: &str) -> ScanOutcome {
        let hits = detectors::detect(value);
        if hits.is_empty() {
            return ScanOutcome::Clean;
        }
        if let Some(refusal) = self.refusal(field, &hits) {
            return ScanOutcome::Refused(refusal);
        }
        let mut out = String::with_capacity(value.len());
        let mut at = 0;
        for hit in &hits {
            out.push_str(&value[at..hit.start]);
            match self.mask_hit(field, value, hit) {
                Ok(Some(masked)) => out.push_str(&masked),
                Ok(None) if hit.placement == Placement::Whole => {
                    return ScanOutcome::Masked {
                        value: None,
                        hits: kinds(&hits),
                    };
                }
                Ok(None) => {}
                Err(refusal) => return ScanOutcome::Refused(refusal),
            }
            at = hit.end;
        }
        out.push_str(&value[at..]);
        ScanOutcome::Masked {
            value: Some(out),
            hits: kinds(&hits),
        }
    }

    /// The refusal a set of hits calls for before anything is masked: C3, a category
    /// the consumer may not receive, or any hit under `scan_hit = "refuse"`.
    fn refusal(&self, field: &str, hits: &[Hit]) -> Option<Refusal> {
        for hit in hits {
            let kind = hit.kind;
            let why = match (kind, self.decision(kind), self.on_hit) {
                (Detected::TrackData, _, _) => "is C3 and never leaves".to_owned(),
                (_, Decision::Refuse(r), _) => format!("is refused for this consumer ({r})"),
                (_, _, ScanHit::Refuse) => "was found and defaults.scan_hit is \"refuse\"".into(),
                _ => continue,
            };
            return Some(self.refused(field, kind, &why));
        }
        None
    }

    /// The replacement of one hit, by the consumer's decision for its category.
    fn mask_hit(&self, field: &str, value: &str, hit: &Hit) -> Result<Option<String>, Refusal> {
        let text = hit.text(value);
        match self.decision(hit.kind) {
            Decision::Pass { .. } => Ok(Some(text.to_owned())),
            Decision::Transform { transform, .. } => {
                transform.apply(text, &Context::default()).map_err(|e| {
                    let why = format!("could not be masked by {} ({e})", transform.name());
                    self.refused(field, hit.kind, &why)
                })
            }
            Decision::Refuse(r) => Err(self.refused(field, hit.kind, &r.message)),
        }
    }

    fn refused(&self, field: &str, kind: Detected, why: &str) -> Refusal {
        Refusal {
            field: field.to_owned(),
            grade: None,
            origin: RuleOrigin::Unclassified,
            message: format!(
                "{field} is not classified and defaults.unclassified is \"scan\": a value \
                 that looks like {} {why}; classify the field or leave it out",
                kind.category()
            ),
        }
    }
}

fn kinds(hits: &[Hit]) -> Vec<Detected> {
    let mut kinds: Vec<Detected> = hits.iter().map(|h| h.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The scanner as a transform, for code that only executes decisions: a clean value
/// comes back unchanged, a refusal is an error naming no value.
impl Transform for EgressScanner {
    fn name(&self) -> &'static str {
        "scan"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: false,
            de_identifying: false,
        }
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        match self.scan_value("an unclassified field", input) {
            ScanOutcome::Clean => Ok(Some(input.to_owned())),
            ScanOutcome::Masked { value, .. } => Ok(value),
            ScanOutcome::Refused(refusal) => Err(TransformError::Refused(refusal.message)),
        }
    }
}
