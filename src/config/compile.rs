//! From the parsed file to the compiled [`Policy`]: categories, dictionary, consumers,
//! rules, then the decision of every (consumer, field), each checked by [`validate`]
//! and built with its keys. Every problem is recorded in [`Problems`] with its line.

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::Spanned;

use super::load::Problems;
use super::schema::{
    AuditModeDef, AuditSection, ConsumerDef, EntryDef, PolicyFile, RuleDef, Unclassified,
};
use super::validate;
use crate::audit::{AuditConfig, AuditMode, AuditSink};
use crate::keys::{FieldKeys, KeyId, Keyring, MasterKey};
use crate::policy::taxonomy::{self, BUILTIN};
use crate::policy::{
    Action, Category, Consumer, Decision, Field, FieldRule, Grade, Policy, Refusal, RuleOrigin,
    Scenario,
};
use crate::transform::Transform;

/// The dictionary's pseudo-table of JSON key names: sources are `json.KEY`.
pub const JSON_TABLE: &str = "json";

/// Who a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Who {
    Scenario(Scenario),
    Consumer(String),
}

/// What a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum What {
    Category(String),
    Grade(Grade),
}

/// A `[[rules]]` entry, parsed.
#[derive(Clone, Debug)]
pub(super) struct Rule {
    pub line: usize,
    pub who: Who,
    pub what: What,
    pub action: Action,
    pub acknowledge: Option<String>,
}

/// An action resolved for one (consumer, category), with its origin.
pub(super) struct Resolved {
    pub action: Action,
    pub origin: RuleOrigin,
    /// The policy rule it came from, when it came from one.
    pub rule: Option<Rule>,
}

pub(super) fn compile(file: PolicyFile, text: &str, p: &mut Problems) -> Option<Policy> {
    if *file.version.get_ref() != 1 {
        p.at(
            file.version.span(),
            "unsupported policy version; this tuomin reads version = 1".into(),
        );
    }
    let keyring = super::keyring::load_keyring(&file.keys, p);
    let categories = categories(&file, p);
    let mut dictionary = dictionary(&file, &categories, p);
    let json = json_keys(&file, &categories, p);
    if !json.is_empty() {
        dictionary.insert(JSON_TABLE.to_owned(), json);
    }
    let consumers = consumers(&file, p);
    let rules = rules(&file, &categories, &consumers, p);
    let unclassified = file
        .defaults
        .unclassified
        .as_ref()
        .map(|u| *u.get_ref())
        .unwrap_or_default();
    let http = file.http.as_ref().and_then(|h| {
        super::http_compile::compile(h, &categories, &mut dictionary, &consumers, unclassified, p)
    });
    validate::unclassified(&file.defaults, p);
    let audit = file.audit.as_ref().and_then(|a| audit_config(a, p));
    let postgres = super::postgres::compile(&file, p).map(Arc::new);
    let admin = file
        .admin
        .as_ref()
        .and_then(|a| super::admin::compile(a, p));

    let keyring = keyring?;
    let memo_entries = file
        .defaults
        .pseudonym_memo
        .unwrap_or(crate::transform::memo::DEFAULT_ENTRIES);
    let mut resolved_rules = crate::policy::Rules::default();
    for consumer in consumers.values() {
        for field in dictionary.values().flat_map(|t| t.values()) {
            let category = &categories[&field.category];
            let resolved = resolve(consumer, category, &rules);
            validate::resolved(consumer, category, &resolved, p);
            let decision = decide(
                consumer,
                field,
                category,
                &resolved,
                &keyring.current,
                memo_entries,
                p,
            );
            let previous = previous_transforms(consumer, field, &resolved, &keyring);
            resolved_rules.insert(
                &consumer.name,
                FieldRule {
                    field: field.clone(),
                    grade: category.grade,
                    action: resolved.action.clone(),
                    decision,
                    previous,
                    acknowledgement: resolved.rule.and_then(|r| r.acknowledge),
                },
            );
        }
    }
    let scan_hit = file.defaults.scan_hit;
    let scanners = match unclassified {
        Unclassified::Scan => super::scan::scanners(
            &consumers,
            &categories,
            &rules,
            &keyring.current,
            scan_hit,
            p,
        ),
        _ => BTreeMap::new(),
    };
    Some(Policy {
        path: p.file().to_owned(),
        version: fingerprint(text),
        unclassified,
        unclassified_pass_reason: file.defaults.unclassified_pass_reason.clone(),
        scan_hit,
        categories,
        dictionary,
        consumers,
        rules: resolved_rules,
        keyring,
        scanners,
        audit,
        http,
        sql: (&file.sql).into(),
        postgres,
        admin,
    })
}

fn audit_config(section: &AuditSection, p: &mut Problems) -> Option<AuditConfig> {
    let mut sinks = Vec::new();
    if let Some(file) = &section.file {
        sinks.push(AuditSink::File {
            path: p.policy_dir().join(file),
            rotate_bytes: section.rotate_bytes,
        });
    }
    if section.stdout {
        sinks.push(AuditSink::Stdout);
    }
    if sinks.is_empty() {
        p.push(
            None,
            "[audit] names no destination; set file = \"…\" or stdout = true".into(),
        );
        return None;
    }
    Some(AuditConfig {
        sinks,
        mode: match section.mode {
            AuditModeDef::Required => AuditMode::Required,
            AuditModeDef::BestEffort => AuditMode::BestEffort,
        },
        queue: 65_536,
    })
}

fn fingerprint(text: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()))
}

fn categories(file: &PolicyFile, p: &mut Problems) -> BTreeMap<String, Category> {
    let mut out: BTreeMap<String, Category> = BUILTIN
        .iter()
        .map(|c| {
            let category = Category {
                name: c.name.to_owned(),
                grade: c.grade,
                auxiliary_auth: c.auxiliary_auth,
                description: c.description.to_owned(),
                builtin: true,
            };
            (c.name.to_owned(), category)
        })
        .collect();
    for (name, def) in &file.categories {
        if out.contains_key(name) {
            p.at(
                def.span(),
                format!("category {name} is built in; choose another name for a custom category"),
            );
            continue;
        }
        let def = def.get_ref();
        out.insert(
            name.clone(),
            Category {
                name: name.clone(),
                grade: def.grade,
                auxiliary_auth: def.auxiliary_auth,
                description: def.description.clone(),
                builtin: false,
            },
        );
    }
    out
}

fn dictionary(
    file: &PolicyFile,
    categories: &BTreeMap<String, Category>,
    p: &mut Problems,
) -> BTreeMap<String, BTreeMap<String, Field>> {
    let mut out = BTreeMap::new();
    for (table, columns) in &file.dictionary {
        if table.get_ref().split('.').count() != 2 || table.get_ref().contains("..") {
            p.at(
                table.span(),
                format!(
                    "dictionary table {} must be written schema.table (e.g. \"public.{}\")",
                    table.get_ref(),
                    table.get_ref()
                ),
            );
            continue;
        }
        let mut fields = BTreeMap::new();
        for (column, entry) in columns {
            if let Some(field) = field(table.get_ref(), column, entry, categories, p) {
                fields.insert(column.get_ref().clone(), field);
            }
        }
        for field in fields.values() {
            validate::subject(field, &fields, p);
        }
        out.insert(table.get_ref().clone(), fields);
    }
    out
}

fn json_keys(
    file: &PolicyFile,
    categories: &BTreeMap<String, Category>,
    p: &mut Problems,
) -> BTreeMap<String, Field> {
    let mut fields = BTreeMap::new();
    for (key, entry) in &file.json_keys {
        if let Some(field) = field(JSON_TABLE, key, entry, categories, p) {
            fields.insert(key.get_ref().clone(), field);
        }
    }
    for field in fields.values() {
        validate::subject(field, &fields, p);
    }
    fields
}

pub(super) fn field(
    table: &str,
    column: &Spanned<String>,
    entry: &Spanned<toml::Value>,
    categories: &BTreeMap<String, Category>,
    p: &mut Problems,
) -> Option<Field> {
    let def = match entry.get_ref() {
        toml::Value::String(category) => EntryDef {
            category: category.clone(),
            domain: None,
            subject: None,
            not_secret: None,
        },
        toml::Value::Table(t) => match t.clone().try_into::<EntryDef>() {
            Ok(def) => def,
            Err(e) => {
                p.at(
                    entry.span(),
                    format!("{table}.{}: {}", column.get_ref(), e.message()),
                );
                return None;
            }
        },
        _ => {
            p.at(
                entry.span(),
                format!(
                    "{table}.{}: write a category name or {{ category = \"…\" }}",
                    column.get_ref()
                ),
            );
            return None;
        }
    };
    let source = format!("{table}.{}", column.get_ref());
    let line = p.line_of(entry.span().start);
    let Some(category) = categories.get(&def.category) else {
        p.push(
            Some(line),
            unknown_category(&source, &def.category, categories),
        );
        return None;
    };
    validate::secret_looking_name(column.get_ref(), &source, category, &def, line, p);
    Some(Field {
        domain: def.domain.clone().unwrap_or_else(|| source.clone()),
        source,
        category: def.category,
        subject: def.subject,
        not_secret: def.not_secret,
        line,
    })
}

fn unknown_category(what: &str, name: &str, categories: &BTreeMap<String, Category>) -> String {
    let known: Vec<&str> = categories.keys().map(String::as_str).collect();
    format!(
        "{what}: unknown category {name}; use one of {} or declare it under [categories.{name}] with a grade",
        known.join(", ")
    )
}

fn consumers(file: &PolicyFile, p: &mut Problems) -> BTreeMap<String, Consumer> {
    let mut out = BTreeMap::new();
    for (name, def) in &file.consumers {
        let ConsumerDef {
            scenario,
            key_scope,
            description,
            enabled,
            approved_transfer,
            ..
        } = def.get_ref();
        validate::consumer(name.get_ref(), def, p);
        out.insert(
            name.get_ref().clone(),
            Consumer {
                name: name.get_ref().clone(),
                scenario: *scenario,
                key_scope: key_scope.clone(),
                description: description.clone(),
                enabled: *enabled,
                approved_transfer: approved_transfer.clone(),
                access: super::http::access(name.get_ref(), def, p),
            },
        );
    }
    out
}

fn rules(
    file: &PolicyFile,
    categories: &BTreeMap<String, Category>,
    consumers: &BTreeMap<String, Consumer>,
    p: &mut Problems,
) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for def in &file.rules {
        let line = p.line_of(def.span().start);
        let Some(rule) = rule(def.get_ref(), line, categories, consumers, p) else {
            continue;
        };
        if let Some(earlier) = out
            .iter()
            .find(|r| r.who == rule.who && r.what == rule.what)
        {
            p.push(
                Some(line),
                format!(
                    "this rule repeats the rule at line {} (same who and what); keep one",
                    earlier.line
                ),
            );
            continue;
        }
        validate::rule(&rule, categories, p);
        out.push(rule);
    }
    out
}

fn rule(
    def: &RuleDef,
    line: usize,
    categories: &BTreeMap<String, Category>,
    consumers: &BTreeMap<String, Consumer>,
    p: &mut Problems,
) -> Option<Rule> {
    let mut fail = |message: String| {
        p.push(Some(line), message);
        None
    };
    let who = match (&def.scenario, &def.consumer) {
        (Some(s), None) => Who::Scenario(*s),
        (None, Some(c)) if consumers.contains_key(c) => Who::Consumer(c.clone()),
        (None, Some(c)) => return fail(format!("rule names unknown consumer {c}")),
        _ => return fail("a rule names exactly one of `scenario` or `consumer`".into()),
    };
    let what = match (&def.category, &def.grade) {
        (Some(c), None) if categories.contains_key(c) => What::Category(c.clone()),
        (Some(c), None) => return fail(unknown_category("rule", c, categories)),
        (None, Some(g)) => What::Grade(*g),
        _ => return fail("a rule names exactly one of `category` or `grade`".into()),
    };
    let action = match Action::from_parts(&def.transform, def.params.as_ref()) {
        Ok(action) => action,
        Err(e) => return fail(format!("transform {}: {e}", def.transform)),
    };
    Some(Rule {
        line,
        who,
        what,
        action,
        acknowledge: def.acknowledge.clone(),
    })
}

/// The action of `category` for `consumer`: invariants first, then the most specific
/// policy rule, then the approved-transfer and built-in defaults.
pub(super) fn resolve(consumer: &Consumer, category: &Category, rules: &[Rule]) -> Resolved {
    if category.never_leaves() {
        return Resolved {
            action: Action::Transform(crate::transform::TransformSpec::Refuse),
            origin: RuleOrigin::Invariant {
                what: if category.auxiliary_auth {
                    "auxiliary authentication data never leaves".into()
                } else {
                    "C3 never leaves".into()
                },
            },
            rule: None,
        };
    }
    let candidates = [
        (
            Who::Consumer(consumer.name.clone()),
            What::Category(category.name.clone()),
        ),
        (
            Who::Consumer(consumer.name.clone()),
            What::Grade(category.grade),
        ),
        (
            Who::Scenario(consumer.scenario),
            What::Category(category.name.clone()),
        ),
        (
            Who::Scenario(consumer.scenario),
            What::Grade(category.grade),
        ),
    ];
    for (who, what) in candidates {
        if let Some(rule) = rules.iter().find(|r| r.who == who && r.what == what) {
            return Resolved {
                action: rule.action.clone(),
                origin: RuleOrigin::Rule { line: rule.line },
                rule: Some(rule.clone()),
            };
        }
    }
    builtin_default(consumer, category)
}

fn builtin_default(consumer: &Consumer, category: &Category) -> Resolved {
    let builtin = taxonomy::lookup(&category.name).filter(|_| category.builtin);
    let transfer = consumer
        .approved_transfer
        .as_ref()
        .filter(|_| consumer.scenario == Scenario::Offshore && category.grade == Grade::C2);
    let (action, origin) = match (transfer, builtin) {
        (Some(reference), Some(b)) => (
            b.approved_transfer_action(),
            RuleOrigin::ApprovedTransfer {
                reference: reference.clone(),
            },
        ),
        (Some(reference), None) => (
            taxonomy::grade_default(category.grade, Scenario::Outsourced),
            RuleOrigin::ApprovedTransfer {
                reference: reference.clone(),
            },
        ),
        (None, Some(b)) => (
            b.default_action(consumer.scenario),
            RuleOrigin::Builtin {
                scenario: consumer.scenario,
                what: category.name.clone(),
            },
        ),
        (None, None) => (
            taxonomy::grade_default(category.grade, consumer.scenario),
            RuleOrigin::Builtin {
                scenario: consumer.scenario,
                what: category.grade.to_string(),
            },
        ),
    };
    // Built-in tables are covered by tests; should one ever fail, refuse (fail closed).
    let action = action.unwrap_or(Action::Transform(crate::transform::TransformSpec::Refuse));
    Resolved {
        action,
        origin,
        rule: None,
    }
}

pub(super) fn decide(
    consumer: &Consumer,
    field: &Field,
    category: &Category,
    resolved: &Resolved,
    master_key: &MasterKey,
    memo_entries: usize,
    p: &mut Problems,
) -> Decision {
    let origin = resolved.origin.clone();
    match &resolved.action {
        Action::Pass => Decision::Pass { origin },
        Action::Transform(spec) if spec.refuses() => Decision::Refuse(Refusal {
            message: refusal_message(field, category, &origin),
            field: field.source.clone(),
            grade: Some(category.grade),
            origin,
        }),
        Action::Transform(spec) => {
            let keys = FieldKeys::new(master_key, &consumer.key_scope, &field.domain);
            match spec.build_memoized(keys, memo_entries) {
                Ok(transform) => Decision::Transform { transform, origin },
                Err(e) => {
                    let line = resolved.rule.as_ref().map(|r| r.line).unwrap_or(field.line);
                    p.push(
                        Some(line),
                        format!("{} for {}: {e}", spec.name(), field.source),
                    );
                    Decision::Refuse(Refusal {
                        message: format!("{} has no usable transform", field.source),
                        field: field.source.clone(),
                        grade: Some(category.grade),
                        origin,
                    })
                }
            }
        }
    }
}

/// For reversible transforms: the same transform under each previous key still held,
/// so pseudonyms issued before a rotation can still be looked up.
fn previous_transforms(
    consumer: &Consumer,
    field: &Field,
    resolved: &Resolved,
    keyring: &Keyring,
) -> Vec<(KeyId, Arc<dyn Transform>)> {
    let Action::Transform(spec) = &resolved.action else {
        return Vec::new();
    };
    if !spec.properties().reversible {
        return Vec::new();
    }
    keyring
        .active_previous()
        .filter_map(|key| {
            let keys = FieldKeys::new(key, &consumer.key_scope, &field.domain);
            spec.build(keys).ok().map(|t| (key.id(), t))
        })
        .collect()
}

fn refusal_message(field: &Field, category: &Category, origin: &RuleOrigin) -> String {
    let why = if category.auxiliary_auth {
        "is auxiliary authentication data and never leaves".to_owned()
    } else if category.grade == Grade::C3 {
        "is C3 and never leaves".to_owned()
    } else {
        "is refused for this consumer".to_owned()
    };
    format!(
        "{} ({}, {}) {why}; rule: {origin}",
        field.source, category.grade, category.name
    )
}

impl Unclassified {
    pub fn as_str(self) -> &'static str {
        match self {
            Unclassified::Pass => "pass",
            Unclassified::Refuse => "refuse",
            Unclassified::Scan => "scan",
        }
    }
}
