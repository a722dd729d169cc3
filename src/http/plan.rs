//! The mask plan of one (route, consumer): every rule that can apply to a response,
//! decided once when the policy is loaded, not per request or per value.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::jsonpath::{Elem, JsonPath};
use crate::audit::AuditField;
use crate::config::JSON_TABLE;
use crate::config::Unclassified;
use crate::config::http::{C3Mode, RouteConfig};
use crate::policy::{Decision, Grade, Policy, Refusal, RuleOrigin};

/// One rule as the masker needs it.
#[derive(Debug)]
pub struct Rule {
    pub decision: Decision,
    /// The dictionary source (`json.cvv`, `http.cards.$.data[*].card_no`).
    pub source: String,
    pub grade: Option<Grade>,
    pub category: Option<String>,
    /// The sibling key naming the person the value belongs to.
    pub subject: Option<String>,
    /// Position in its plan (for the report's once-per-rule bookkeeping).
    pub index: usize,
    /// Position of its audit field's name among those of its plan, so a report keeps
    /// its fields in order of name by comparing numbers, not names.
    pub rank: usize,
    /// The field as the audit record names it, with what the rule does to it.
    pub audit: Arc<AuditField>,
}

impl Rule {
    /// C3 or auxiliary authentication data: what `c3 = "remove"` may remove.
    pub fn never_leaves(&self) -> bool {
        matches!(&self.decision, Decision::Refuse(r) if matches!(r.origin, RuleOrigin::Invariant { .. }))
    }
}

/// FNV-1a: the key-name table is fixed when the policy loads and only looked up per
/// request, so a keyed (DoS-resistant) hash buys nothing here and costs per leaf.
#[derive(Clone, Copy, Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The plan of one route for one consumer.
#[derive(Debug)]
pub struct MaskPlan {
    pub paths: Vec<(JsonPath, Arc<Rule>)>,
    pub keys: HashMap<String, Arc<Rule>, BuildHasherDefault<Fnv>>,
    pub unclassified: Arc<Rule>,
    pub c3: C3Mode,
    pub has_subjects: bool,
}

impl MaskPlan {
    /// Decides every rule of `route` for `consumer`.
    pub fn build(policy: &Policy, consumer: &str, route: &RouteConfig) -> MaskPlan {
        let table = route.table();
        let mut index = 0;
        let mut next = || {
            index += 1;
            index - 1
        };
        let mut paths: Vec<(JsonPath, Rule)> = route
            .fields
            .iter()
            .map(|(path, column)| (path.clone(), rule(policy, consumer, &table, column, next())))
            .collect();
        let mut keys: Vec<(String, Rule)> = policy
            .table(JSON_TABLE)
            .map(|t| {
                t.keys()
                    .map(|k| (k.clone(), rule(policy, consumer, JSON_TABLE, k, next())))
                    .collect()
            })
            .unwrap_or_default();
        let mut unclassified = unclassified(policy, route, next());
        let ranks = ranks(
            paths
                .iter()
                .map(|(_, r)| r)
                .chain(keys.iter().map(|(_, r)| r))
                .chain([&unclassified]),
        );
        let rules = paths
            .iter_mut()
            .map(|(_, r)| r)
            .chain(keys.iter_mut().map(|(_, r)| r))
            .chain([&mut unclassified]);
        for (rule, rank) in rules.zip(ranks) {
            rule.rank = rank;
        }
        let paths: Vec<_> = paths.into_iter().map(|(p, r)| (p, Arc::new(r))).collect();
        let keys: HashMap<_, _, _> = keys.into_iter().map(|(k, r)| (k, Arc::new(r))).collect();
        let has_subjects = paths
            .iter()
            .map(|(_, r)| r)
            .chain(keys.values())
            .any(|r| r.subject.is_some());
        MaskPlan {
            paths,
            keys,
            unclassified: Arc::new(unclassified),
            c3: route.c3,
            has_subjects,
        }
    }

    /// The rule of the node at `path` (whose key, or array's key, is `key`): a path rule
    /// first, then the key-name rule; a rule that never lets a value out wins over both.
    pub fn rule_at(&self, path: &[Elem<'_>], key: Option<&str>) -> Option<&Rule> {
        self.rule_with(path, key.and_then(|k| self.key_rule(k)))
    }

    /// The key-name rule of `key`, to look up once and pass to [`Self::rule_with`] for
    /// every node it applies to (each element of an array under that key).
    pub fn key_rule(&self, key: &str) -> Option<&Rule> {
        self.keys.get(key).map(|r| &**r)
    }

    /// [`Self::rule_at`] with the key-name rule already looked up.
    pub fn rule_with<'s>(
        &'s self,
        path: &[Elem<'_>],
        by_key: Option<&'s Rule>,
    ) -> Option<&'s Rule> {
        let by_path = self
            .paths
            .iter()
            .find(|(p, _)| p.matches(path))
            .map(|(_, r)| &**r);
        match (by_path, by_key) {
            (Some(p), Some(k)) if k.never_leaves() && !p.never_leaves() => Some(k),
            (Some(p), _) => Some(p),
            (None, k) => k,
        }
    }

    /// How many rules the plan holds (their `index` is below this).
    pub fn rule_count(&self) -> usize {
        self.unclassified.index + 1
    }
}

fn rule(policy: &Policy, consumer: &str, table: &str, column: &str, index: usize) -> Rule {
    let field = policy.table(table).and_then(|t| t.get(column));
    let category = field.map(|f| f.category.clone());
    let grade = category
        .as_ref()
        .and_then(|c| policy.categories.get(c))
        .map(|c| c.grade);
    let decision = policy.decide(consumer, table, column);
    let source = format!("{table}.{column}");
    Rule {
        audit: audit_field(&source, grade, category.as_ref(), &decision),
        decision,
        source,
        grade,
        category,
        subject: field.and_then(|f| f.subject.clone()),
        index,
        rank: 0,
    }
}

/// Each rule's [`Rule::rank`]: the position of its field's name in the sorted names
/// (rules naming the same field share one).
fn ranks<'r>(rules: impl Iterator<Item = &'r Rule> + Clone) -> Vec<usize> {
    let mut names: Vec<&str> = rules.clone().map(|r| r.audit.field.as_str()).collect();
    names.sort_unstable();
    rules
        .map(|r| names.partition_point(|n| *n < r.audit.field.as_str()))
        .collect()
}

/// What the audit record says of a field under `decision`: `pass`, the transform's
/// name, or `removed` (a refusing rule is only ever noted when `c3 = "remove"` takes
/// the value out; otherwise the response is refused and records no field).
fn audit_field(
    source: &str,
    grade: Option<Grade>,
    category: Option<&String>,
    decision: &Decision,
) -> Arc<AuditField> {
    let transform = match decision {
        Decision::Pass { .. } => "pass",
        Decision::Transform { transform, .. } => transform.name(),
        Decision::Refuse(_) => "removed",
    };
    Arc::new(AuditField::new(
        source,
        grade.map_or_else(|| "unclassified".to_owned(), |g| g.to_string()),
        category.cloned(),
        transform,
    ))
}

fn unclassified(policy: &Policy, route: &RouteConfig, index: usize) -> Rule {
    let source = format!("http.{}.unclassified", route.name);
    let decision = match route.unclassified {
        Unclassified::Pass => Decision::Pass {
            origin: RuleOrigin::Unclassified,
        },
        Unclassified::Refuse | Unclassified::Scan => match policy.unclassified_decision(&source) {
            Decision::Refuse(r) => Decision::Refuse(r),
            _ => Decision::Refuse(Refusal {
                message: format!("{source}: not classified; refused"),
                field: source.clone(),
                grade: None,
                origin: RuleOrigin::Unclassified,
            }),
        },
    };
    Rule {
        audit: audit_field(&source, None, None, &decision),
        decision,
        source,
        grade: None,
        category: None,
        subject: None,
        index,
        rank: 0,
    }
}
