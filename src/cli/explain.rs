//! `tuomin explain`: what the SQL gate decides for a statement and a consumer, without
//! running anything: each output column's source and treatment, each refused use and
//! why, the masked-value lookups (that a value would be substituted, never the value).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::sql::{
    Analysis, DictionaryCatalog, Gate, LookupInput, SearchPath, SessionEffect, SessionState,
    Treatment,
};

/// What `tuomin explain` was asked.
pub struct ExplainArgs<'a> {
    pub config: &'a Path,
    pub consumer: &'a str,
    pub search_path: Option<&'a str>,
    /// DDL files completing the dictionary (column order, views, inheritance).
    pub schema: &'a [PathBuf],
    /// Read the demo bank's schema too.
    pub demo_schema: bool,
    pub sql: &'a str,
}

/// The explanation as text.
pub fn run(args: &ExplainArgs<'_>) -> Result<String> {
    let policy = crate::config::load(args.config)?;
    if policy.consumer(args.consumer).is_none() {
        anyhow::bail!("consumer {} is not in the policy", args.consumer);
    }
    let mut catalog = DictionaryCatalog::from_policy(&policy);
    if args.demo_schema {
        catalog.add_ddl(crate::demo::SCHEMA_SQL)?;
    }
    for file in args.schema {
        let ddl = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        catalog.add_ddl(&ddl)?;
    }
    let mut session = SessionState::default();
    if let Some(path) = args.search_path {
        session.set_search_path(SearchPath::parse(path)?);
    }
    let gate = Gate::new(Arc::new(policy), Arc::new(catalog));
    let analysis = gate.analyse(args.consumer, args.sql, &session);
    Ok(render(&analysis, args.consumer))
}

/// The human-readable explanation of an analysis.
pub fn render(analysis: &Analysis, consumer: &str) -> String {
    let mut out = String::new();
    let verdict = match analysis.verdict() {
        Ok(()) => "ALLOWED".to_owned(),
        Err(r) => format!("REFUSED (SQLSTATE {})", r.sqlstate),
    };
    let _ = writeln!(out, "consumer {consumer}: {verdict}");
    for (i, s) in analysis.statements.iter().enumerate() {
        let _ = writeln!(out, "\nstatement {} ({:?})", i + 1, s.kind);
        for (n, c) in s.columns.iter().enumerate() {
            let source = c
                .source
                .as_ref()
                .map_or("(computed)".to_owned(), |s| s.to_string());
            let treatment = match &c.treatment {
                Treatment::Clear => "clear".to_owned(),
                Treatment::Masked { transform } => format!("masked by {transform}"),
                Treatment::Refused => "refused".to_owned(),
            };
            let _ = writeln!(
                out,
                "  column {} {:<20} from {source}: {treatment}",
                n + 1,
                c.name
            );
        }
        for r in &s.refused {
            let column = r
                .column
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            let _ = writeln!(out, "  refused ({:?}){column}: {}", r.kind, r.reason);
        }
        for l in &s.lookups {
            let how = match l.input {
                LookupInput::Literal => format!(
                    "{} pseudonym(s) in the text would be replaced by their real value(s)",
                    l.pseudonyms
                ),
                LookupInput::Parameter => {
                    "a bound parameter would be reversed at Bind / EXECUTE".to_owned()
                }
            };
            let _ = writeln!(out, "  lookup on {}: {how}", l.column);
        }
        for p in &s.param_lookups {
            let _ = writeln!(
                out,
                "  parameter ${} holds a pseudonym of {} (extra slots {:?})",
                p.param, p.column, p.extra
            );
        }
        for p in &s.param_settings {
            let _ = writeln!(
                out,
                "  parameter ${p} names the run-time parameter current_setting() reads: \
                 checked when bound (secrets and unknown application settings refused)"
            );
        }
        for n in &s.notices {
            let _ = writeln!(out, "  notice: {n}");
        }
        for e in &s.effects {
            let _ = writeln!(out, "  session: {}", effect(e));
        }
    }
    if analysis.rewritten.is_some() {
        let _ = writeln!(
            out,
            "\nthe statement would be rewritten before it is sent (text not shown: it holds real values)"
        );
    }
    if let Err(r) = analysis.verdict() {
        let _ = writeln!(out, "\nmessage to the client: {}", r.message);
    }
    out
}

fn effect(e: &SessionEffect) -> String {
    match e {
        SessionEffect::SetSearchPath(p) => {
            format!("search_path becomes {}", p.entries().join(", "))
        }
        SessionEffect::ResetSearchPath => "search_path reset".into(),
        SessionEffect::Prepare { name, .. } => format!("prepared statement {name} remembered"),
        SessionEffect::Deallocate { name } => format!("prepared statement {name} forgotten"),
        SessionEffect::DeallocateAll => "all prepared statements forgotten".into(),
        SessionEffect::Discard { .. } => "session state discarded".into(),
    }
}
