//! The checks that refuse a dangerous policy. Each problem says what is wrong, why it
//! matters, and what to write instead; it is recorded with its line.
//!
//! - C3 and auxiliary authentication data can reach no consumer in any form;
//! - a column whose name looks like authentication data is classified C3 or says why not;
//! - C2 never passes unchanged, except to analysts with a recorded acknowledgement;
//! - `outsourced` gets de-identified C2: reversible encryption alone needs an
//!   acknowledgement;
//! - `offshore` gets no C2 without a declared approved transfer;
//! - format-preserving transforms only on the categories whose format they know;
//! - unclassified data passes only with a recorded reason;
//! - transforms whose parameters are unsafe (FF1 below 10^6) fail to build (reported
//!   by the compiler at the rule's line).

use std::collections::BTreeMap;

use toml::Spanned;

use super::compile::{Resolved, Rule, What, Who};
use super::load::Problems;
use super::schema::{ConsumerDef, DefaultsSection, EntryDef, Unclassified};
use crate::policy::{Action, Category, Consumer, Field, Grade, Scenario};
use crate::transform::TransformSpec;

/// Words that, as a part of a column name, suggest authentication data.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pin",
    "cvv",
    "cvv2",
    "cvn",
    "cvc",
    "track",
    "track1",
    "track2",
    "expiry",
    "expire",
    "exp",
    "validity",
    "biometric",
    "fingerprint",
    "faceprint",
    "otp",
    "smscode",
    "secret",
];

pub(super) fn unclassified(defaults: &DefaultsSection, p: &mut Problems) {
    let Some(setting) = &defaults.unclassified else {
        return;
    };
    if *setting.get_ref() == Unclassified::Pass && defaults.unclassified_pass_reason.is_none() {
        p.at(
            setting.span(),
            "unclassified = \"pass\" lets any column the dictionary misses (a new column, a \
             renamed one) leave in clear; use \"refuse\" or \"scan\", or record why with \
             unclassified_pass_reason = \"…\""
                .into(),
        );
    }
}

pub(super) fn subject(field: &Field, table: &BTreeMap<String, Field>, p: &mut Problems) {
    if let Some(subject) = &field.subject
        && !table.contains_key(subject)
    {
        p.push(
            Some(field.line),
            format!(
                "{}: subject column {subject} is not in the dictionary of the same table; \
                 classify it (usually as internal_id)",
                field.source
            ),
        );
    }
}

pub(super) fn secret_looking_name(
    column: &str,
    source: &str,
    category: &Category,
    def: &EntryDef,
    line: usize,
    p: &mut Problems,
) {
    if category.never_leaves() || def.not_secret.is_some() {
        return;
    }
    let lower = column.to_lowercase();
    let word = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| SECRET_WORDS.contains(w));
    if let Some(word) = word {
        p.push(
            Some(line),
            format!(
                "{source} is named like authentication data (`{word}`) but classified as \
                 {} ({}); classify it as a C3 category (password, pin, cvv, card_expiry, \
                 track_data, biometric) or record why it is not with not_secret = \"…\"",
                category.name, category.grade
            ),
        );
    }
}

pub(super) fn consumer(name: &str, def: &Spanned<ConsumerDef>, p: &mut Problems) {
    let c = def.get_ref();
    if c.key_scope.trim().is_empty() {
        p.at(
            def.span(),
            format!("consumer {name}: key_scope must not be empty"),
        );
    }
    if c.approved_transfer.is_some() && c.scenario != Scenario::Offshore {
        p.at(
            def.span(),
            format!("consumer {name}: approved_transfer applies only to offshore consumers"),
        );
    }
    if c.approved_transfer
        .as_ref()
        .is_some_and(|r| r.trim().is_empty())
    {
        p.at(
            def.span(),
            format!("consumer {name}: approved_transfer must name the assessment or contract"),
        );
    }
}

/// Checks of a rule on its own (whatever consumer it reaches).
pub(super) fn rule(rule: &Rule, categories: &BTreeMap<String, Category>, p: &mut Problems) {
    let never_leaves = match &rule.what {
        What::Category(name) => categories.get(name).is_some_and(Category::never_leaves),
        What::Grade(grade) => *grade == Grade::C3,
    };
    if never_leaves && !rule.action.refuses() {
        p.push(
            Some(rule.line),
            format!(
                "this rule would let {} reach {} as `{}`: C3 and auxiliary authentication \
                 data are never shared in any form (JR/T 0171-2020); use transform = \"refuse\" \
                 or remove the rule",
                what_text(&rule.what),
                who_text(&rule.who),
                rule.action.name()
            ),
        );
    }
    if let Action::Transform(spec) = &rule.action {
        format_fits(rule, spec, p);
    }
}

/// A format-preserving transform knows one format: it may only be applied to the
/// categories holding that format.
fn format_fits(rule: &Rule, spec: &TransformSpec, p: &mut Problems) {
    let fits: &[&str] = match spec {
        TransformSpec::FpeCard(_) => &["card_number"],
        TransformSpec::FpeAccount(_) => &["account_number", "card_number"],
        TransformSpec::FpeCnId(_) => &["id_number"],
        TransformSpec::FpeMobile(_) => &["mobile"],
        TransformSpec::FpeUscc(_) => &["uscc"],
        TransformSpec::FpeEmail(_) => &["email"],
        TransformSpec::MaskName(_) | TransformSpec::FakeName(_) => &["name"],
        TransformSpec::MaskAddress(_) | TransformSpec::FakeAddress(_) => &["address"],
        _ => return,
    };
    let ok = matches!(&rule.what, What::Category(c) if fits.contains(&c.as_str()));
    if !ok {
        p.push(
            Some(rule.line),
            format!(
                "{} only knows the format of {}; it cannot apply to {}",
                spec.name(),
                fits.join(" / "),
                what_text(&rule.what)
            ),
        );
    }
}

/// Checks of the action one consumer gets for one category through a policy rule.
pub(super) fn resolved(
    consumer: &Consumer,
    category: &Category,
    resolved: &Resolved,
    p: &mut Problems,
) {
    let Some(rule) = &resolved.rule else {
        return;
    };
    if category.grade != Grade::C2 {
        return;
    }
    let line = Some(rule.line);
    let subject = format!(
        "{} ({}, {}) for consumer {} ({})",
        category.name, category.grade, category.name, consumer.name, consumer.scenario
    );
    match &rule.action {
        Action::Pass if consumer.scenario != Scenario::Analytics => p.push(
            line,
            format!(
                "this rule passes {subject} in clear; C2 may pass unchanged only to internal \
                 analysts (scenario analytics), with acknowledge = \"…\""
            ),
        ),
        Action::Pass if rule.acknowledge.is_none() => p.push(
            line,
            format!("this rule passes {subject} in clear; record why with acknowledge = \"…\""),
        ),
        Action::Pass => {}
        Action::Transform(spec) => {
            let props = spec.properties();
            if consumer.scenario == Scenario::Outsourced
                && !props.de_identifying
                && rule.acknowledge.is_none()
            {
                p.push(
                    line,
                    format!(
                        "this rule protects {subject} only with reversible encryption ({}); \
                         delegated processing needs de-identified data (token, mask, \
                         generalize, fake) — or record why with acknowledge = \"…\"",
                        spec.name()
                    ),
                );
            }
            if consumer.scenario == Scenario::Offshore
                && !spec.refuses()
                && consumer.approved_transfer.is_none()
            {
                p.push(
                    line,
                    format!(
                        "this rule sends {subject} offshore; declare the approved transfer \
                         on the consumer (approved_transfer = \"…\") or refuse it"
                    ),
                );
            }
        }
    }
}

fn what_text(what: &What) -> String {
    match what {
        What::Category(c) => format!("category {c}"),
        What::Grade(g) => format!("grade {g}"),
    }
}

fn who_text(who: &Who) -> String {
    match who {
        Who::Scenario(s) => format!("scenario {s}"),
        Who::Consumer(c) => format!("consumer {c}"),
    }
}
