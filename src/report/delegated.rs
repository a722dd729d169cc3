//! The delegated-processing report: the audit trail summed up per consumer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::audit::AuditDecision;
use crate::audit::chain::unseal;
use crate::audit::record::AuditRecord;

/// Which records to count.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub consumer: Option<String>,
    /// Records before this time are left out.
    pub since: Option<SystemTime>,
}

/// One form in which a consumer received a category.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Received {
    pub category: String,
    pub grade: String,
    /// `pass` or the transform's name.
    pub form: String,
    /// The fields it came from.
    pub fields: BTreeSet<String>,
    /// Rows or records that carried it.
    pub records: u64,
}

/// What one consumer received and was refused.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ConsumerReport {
    pub consumer: String,
    pub scenario: String,
    pub channels: BTreeSet<String>,
    /// Statements, requests or file runs.
    pub operations: u64,
    pub records: u64,
    pub refused: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub received: Vec<Received>,
    /// Refusal reasons with how often each occurred.
    pub refusals: BTreeMap<String, u64>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DelegatedReport {
    pub generated: String,
    pub files: Vec<String>,
    pub since: Option<String>,
    /// Result of verifying the chain, when a key was given.
    pub integrity: Option<String>,
    /// Lines that were not audit records (reported, never silently skipped).
    pub unreadable_lines: u64,
    pub consumers: Vec<ConsumerReport>,
}

/// Reads `files` (oldest first) and sums up the records that pass `filter`.
pub fn build(files: &[PathBuf], filter: &ReportFilter) -> std::io::Result<DelegatedReport> {
    let mut by_consumer: BTreeMap<String, ConsumerReport> = BTreeMap::new();
    let mut unreadable = 0;
    for file in files {
        for line in std::fs::read_to_string(file)?.lines() {
            match parse(line) {
                Some(record) if keep(&record, filter) => add(&mut by_consumer, &record),
                Some(_) => {}
                None => unreadable += 1,
            }
        }
    }
    Ok(DelegatedReport {
        generated: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        files: files.iter().map(|f| display(f)).collect(),
        since: filter
            .since
            .map(|t| humantime::format_rfc3339_seconds(t).to_string()),
        integrity: None,
        unreadable_lines: unreadable,
        consumers: by_consumer
            .into_values()
            .map(|mut c| {
                c.received.sort_by(|a, b| {
                    b.grade
                        .cmp(&a.grade)
                        .then_with(|| a.category.cmp(&b.category))
                        .then_with(|| a.form.cmp(&b.form))
                });
                c
            })
            .collect(),
    })
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn parse(line: &str) -> Option<AuditRecord> {
    let (body, _) = unseal(line)?;
    serde_json::from_str(&body).ok()
}

fn keep(record: &AuditRecord, filter: &ReportFilter) -> bool {
    if filter
        .consumer
        .as_ref()
        .is_some_and(|c| c != &record.event.consumer)
    {
        return false;
    }
    match filter.since {
        Some(since) => humantime::parse_rfc3339_weak(&record.event.time)
            .map(|t| t >= since)
            .unwrap_or(false),
        None => true,
    }
}

fn add(by_consumer: &mut BTreeMap<String, ConsumerReport>, record: &AuditRecord) {
    let e = &record.event;
    let report = by_consumer
        .entry(e.consumer.clone())
        .or_insert_with(|| ConsumerReport {
            consumer: e.consumer.clone(),
            scenario: e.scenario.clone(),
            channels: BTreeSet::new(),
            operations: 0,
            records: 0,
            refused: 0,
            first_seen: e.time.clone(),
            last_seen: e.time.clone(),
            received: Vec::new(),
            refusals: BTreeMap::new(),
        });
    report.operations += 1;
    report
        .channels
        .insert(format!("{:?}", e.channel).to_lowercase());
    report.last_seen = e.time.clone();
    if e.decision == AuditDecision::Refused {
        report.refused += 1;
        let reason = e
            .reason
            .clone()
            .unwrap_or_else(|| "(no reason recorded)".into());
        *report.refusals.entry(reason).or_default() += 1;
        return;
    }
    report.records += e.rows;
    for field in e.fields.iter().filter(|f| f.transform != "refuse") {
        let category = field
            .category
            .clone()
            .unwrap_or_else(|| "unclassified".into());
        let found = report.received.iter_mut().find(|r| {
            r.category == category && r.grade == field.grade && r.form == field.transform
        });
        match found {
            Some(received) => {
                received.fields.insert(field.field.clone());
                received.records += e.rows;
            }
            None => report.received.push(Received {
                category,
                grade: field.grade.clone(),
                form: field.transform.clone(),
                fields: BTreeSet::from([field.field.clone()]),
                records: e.rows,
            }),
        }
    }
}

/// Parses `--since`: an RFC 3339 time or a date (`2026-11-01`, midnight UTC).
pub fn parse_since(text: &str) -> Result<SystemTime, String> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    humantime::parse_rfc3339_weak(&full)
        .map_err(|e| format!("--since {text}: expected 2026-11-01 or 2026-11-01T08:00:00Z ({e})"))
}
