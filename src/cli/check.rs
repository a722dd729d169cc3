//! `tuomin check`: validate a policy and print what each consumer sees of each field,
//! the table a security team reviews before the policy takes effect.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use crate::policy::{Decision, Policy};

/// Loads and validates the policy at `path`; returns the review table as text or JSON.
pub fn run(path: &Path, as_json: bool) -> Result<String> {
    let policy = crate::config::load(path)?;
    Ok(if as_json {
        review_json(&policy)
    } else {
        review_table(&policy)
    })
}

/// The review table: one row per classified field, one column per consumer.
pub fn review_table(policy: &Policy) -> String {
    let consumers: Vec<&str> = policy.consumers.keys().map(String::as_str).collect();
    let mut rows: Vec<Vec<String>> = vec![
        ["field", "grade", "category"]
            .into_iter()
            .map(str::to_owned)
            .chain(consumers.iter().map(|c| {
                let scenario = policy.consumers[*c].scenario;
                format!("{c} ({scenario})")
            }))
            .collect(),
    ];
    for field in policy.dictionary.values().flat_map(|t| t.values()) {
        let mut row = vec![field.source.clone()];
        let grade = policy.categories[&field.category].grade;
        row.push(grade.to_string());
        row.push(field.category.clone());
        for consumer in &consumers {
            row.push(cell(policy, consumer, &field.source));
        }
        rows.push(row);
    }
    let mut out = crate::report::render::aligned(&rows, "");
    let _ = writeln!(
        out,
        "\nunclassified columns: {}{}",
        policy.unclassified.as_str(),
        policy
            .unclassified_pass_reason
            .as_deref()
            .map(|r| format!(" (reason recorded: {r})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "policy version {} · master key {}",
        &policy.version[..12],
        policy.key_id()
    );
    for (name, consumer) in &policy.consumers {
        if !consumer.enabled {
            let _ = writeln!(out, "consumer {name} is DISABLED: it receives nothing");
        }
        if let Some(reference) = &consumer.approved_transfer {
            let _ = writeln!(out, "consumer {name}: approved transfer {reference}");
        }
    }
    out
}

fn cell(policy: &Policy, consumer: &str, source: &str) -> String {
    let Some(rule) = policy.field_rule(consumer, source) else {
        return "?".to_owned();
    };
    let mut text = match &rule.decision {
        Decision::Refuse(_) => "REFUSE".to_owned(),
        _ => rule.action.describe(),
    };
    if rule.acknowledgement.is_some() {
        text.push_str(" [acknowledged]");
    }
    text
}

/// The same review as JSON: fields, each with its grade, category and per-consumer
/// action, rule origin and acknowledgement.
pub fn review_json(policy: &Policy) -> String {
    let fields: Vec<serde_json::Value> = policy
        .dictionary
        .values()
        .flat_map(|t| t.values())
        .map(|field| {
            let consumers: serde_json::Map<String, serde_json::Value> = policy
                .consumers
                .keys()
                .filter_map(|c| {
                    let rule = policy.field_rule(c, &field.source)?;
                    Some((
                        c.clone(),
                        json!({
                            "action": rule.decision.action_name(),
                            "transform": rule.action.describe(),
                            "rule": rule.decision.origin().to_string(),
                            "acknowledgement": rule.acknowledgement,
                        }),
                    ))
                })
                .collect();
            json!({
                "field": field.source,
                "grade": policy.categories[&field.category].grade.as_str(),
                "category": field.category,
                "domain": field.domain,
                "consumers": consumers,
            })
        })
        .collect();
    let consumers: serde_json::Map<String, serde_json::Value> = policy
        .consumers
        .iter()
        .map(|(name, c)| {
            (
                name.clone(),
                json!({"scenario": c.scenario.as_str(), "enabled": c.enabled, "key_scope": c.key_scope}),
            )
        })
        .collect();
    let doc = json!({
        "policy_version": policy.version,
        "unclassified": policy.unclassified.as_str(),
        "consumers": consumers,
        "fields": fields,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
