//! One statement: which kinds a (read-only) consumer may run, and each kind's analysis.
//! Reads, EXPLAIN without ANALYZE of what touches nothing sensitive, SHOW, SET of
//! harmless parameters, transactions, cursors, SQL-level PREPARE / EXECUTE /
//! DEALLOCATE, DISCARD. Everything else is refused.

use std::sync::Arc;

use sqlparser::ast::{
    CloseCursor, ContextModifier, DiscardObject, Expr, Reset, ResetStatement, Set, Statement,
    UtilityOption,
};

use super::analyser::Analyser;
use super::analysis::{Analysis, OutputColumn, StatementKind, Treatment};
use super::error::RefusalKind;
use super::functions::literal_text;
use super::lineage::{Lineage, Sensitivity};
use super::names::{fold, parts};
use super::query::{Outputs, Rows};
use super::session::SessionEffect;
use super::settings::{SettingVerdict, may_read, verdict_for_set};

/// The kind a statement is analysed as.
pub fn kind_of(s: &Statement) -> StatementKind {
    match s {
        Statement::Query(_) => StatementKind::Query,
        Statement::Explain { .. } => StatementKind::Explain,
        Statement::ShowVariable { .. } => StatementKind::Show,
        Statement::Set(_) | Statement::Reset(_) => StatementKind::Set,
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. } => StatementKind::Transaction,
        Statement::Prepare { .. } => StatementKind::Prepare,
        Statement::Execute { .. } => StatementKind::Execute,
        Statement::Deallocate { .. } => StatementKind::Deallocate,
        Statement::Declare { .. } | Statement::Fetch { .. } | Statement::Close { .. } => {
            StatementKind::Cursor
        }
        Statement::Discard { .. } => StatementKind::Discard,
        _ => StatementKind::Other,
    }
}

impl Analyser<'_> {
    pub fn statement(&mut self, s: &mut Statement) {
        match s {
            Statement::Query(q) => {
                let outputs = self.query(q, None, Rows::Used);
                self.out.columns = output_columns(outputs);
            }
            Statement::Explain {
                analyze,
                statement,
                options,
                ..
            } => self.explain(*analyze, statement, options.as_deref()),
            Statement::ShowVariable { variable } => {
                let name: Vec<String> = variable.iter().map(fold).collect();
                if let Err(reason) = may_read(&name.join(" ")) {
                    self.refuse(RefusalKind::Forbidden, None, reason);
                }
                self.out.columns = vec![clear_column(&name.join(" "))];
            }
            Statement::Set(set) => self.set(set),
            Statement::Reset(ResetStatement { reset }) => self.reset(reset),
            Statement::StartTransaction { statements, .. } if statements.is_empty() => {}
            Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. } => {}
            Statement::Discard { object_type } => {
                if *object_type == DiscardObject::ALL {
                    self.out
                        .effects
                        .push(SessionEffect::Discard { prepared_too: true });
                }
            }
            Statement::Deallocate { name, .. } => {
                let name = fold(name);
                self.out.effects.push(if name == "all" {
                    SessionEffect::DeallocateAll
                } else {
                    SessionEffect::Deallocate { name }
                });
            }
            Statement::Declare { stmts } => {
                for d in stmts {
                    match d.for_query.as_mut() {
                        Some(q) => {
                            let outputs = self.query(q, None, Rows::Used);
                            self.out.columns = output_columns(outputs);
                        }
                        None => self.unanalysable("DECLARE without a query is not PostgreSQL"),
                    }
                }
            }
            Statement::Fetch { into: None, .. } | Statement::UNLISTEN { .. } => {}
            Statement::Close {
                cursor: CloseCursor::All | CloseCursor::Specific { .. },
            } => {}
            Statement::Prepare {
                name, statement, ..
            } => self.prepare(fold(name), statement),
            Statement::Execute { .. } => self.execute(s),
            other => self.refuse_statement(other),
        }
    }

    fn refuse_statement(&mut self, s: &Statement) {
        let what = match s {
            Statement::Copy { .. } => {
                "COPY is refused: its rows would bypass masking; use SELECT, whose rows are masked"
            }
            Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
            | Statement::Truncate(_) => "writes are refused: consumers are read-only",
            Statement::Call(_) => "CALL runs code the gate cannot see and is refused",
            Statement::CreateTable(_) | Statement::CreateView(_) => {
                "DDL is refused: consumers are read-only (CREATE TABLE AS / CREATE VIEW copy data out of reach of masking)"
            }
            _ => {
                "this kind of statement is refused: consumers may read (SELECT, SHOW, EXPLAIN), \
                  set harmless parameters, use transactions, cursors and prepared statements"
            }
        };
        let first = s.to_string();
        let keyword: String = first
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let keyword = if keyword.len() > 30 {
            "statement".to_owned()
        } else {
            keyword
        };
        self.refuse(RefusalKind::Statement, None, format!("{keyword}: {what}"));
    }

    fn explain(&mut self, analyze: bool, inner: &mut Statement, options: Option<&[UtilityOption]>) {
        let analyze_option = options.into_iter().flatten().any(|o| {
            fold(&o.name) == "analyze"
                && o.arg
                    .as_ref()
                    .and_then(literal_text)
                    .is_none_or(|v| !matches!(v.to_lowercase().as_str(), "false" | "off" | "0"))
        });
        if analyze || analyze_option {
            self.refuse(
                RefusalKind::Statement,
                None,
                "EXPLAIN ANALYZE runs the statement and reports from its real data; use EXPLAIN \
                 without ANALYZE"
                    .into(),
            );
        }
        let Statement::Query(q) = inner else {
            self.refuse_statement(inner);
            return;
        };
        self.query(q, None, Rows::Used);
        if self.touched_sensitive {
            self.refuse(
                RefusalKind::Statement,
                None,
                "EXPLAIN of a statement reading sensitive columns is refused: plans show \
                 their values (filters) and estimates from their statistics"
                    .into(),
            );
        }
        self.out.columns = vec![clear_column("QUERY PLAN")];
    }

    fn set(&mut self, set: &Set) {
        match set {
            Set::SingleAssignment {
                scope,
                variable,
                values,
                ..
            } => {
                let name = parts(variable).map(|p| p.join(".")).unwrap_or_default();
                let local = matches!(scope, Some(ContextModifier::Local));
                self.set_parameter(&name, values, local);
            }
            Set::SetTimeZone { .. } | Set::SetNamesDefault {} | Set::SetTransaction { .. } => {}
            Set::SetNames { charset_name, .. } => {
                let value = charset_name.value.clone();
                if let SettingVerdict::Refused(reason) =
                    verdict_for_set("client_encoding", Some(&value))
                {
                    self.refuse(RefusalKind::SessionState, None, reason);
                }
            }
            Set::SetRole { .. } | Set::SetSessionAuthorization(_) => self.refuse(
                RefusalKind::SessionState,
                None,
                "SET ROLE / SET SESSION AUTHORIZATION change whose privileges apply, which the \
                 gate does not follow"
                    .into(),
            ),
            _ => self.unanalysable("this form of SET is not PostgreSQL"),
        }
    }

    fn set_parameter(&mut self, name: &str, values: &[Expr], local: bool) {
        let is_default = matches!(values, [Expr::Identifier(i)] if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"));
        let texts: Vec<String> = values
            .iter()
            .filter_map(|v| match v {
                Expr::Identifier(i) if i.quote_style.is_some() => {
                    Some(format!("\"{}\"", i.value.replace('"', "\"\"")))
                }
                Expr::Identifier(i) => Some(i.value.clone()),
                other => literal_text(other),
            })
            .collect();
        if texts.len() != values.len() {
            self.unanalysable("SET takes literal values only");
            return;
        }
        let value = (!is_default).then(|| texts.join(", "));
        match verdict_for_set(name, value.as_deref()) {
            SettingVerdict::Harmless => {}
            SettingVerdict::Refused(reason) => self.refuse(RefusalKind::SessionState, None, reason),
            SettingVerdict::SearchPath if local => self.refuse(
                RefusalKind::SessionState,
                None,
                "SET LOCAL search_path ends with the transaction, which the gate cannot follow; \
                 use SET search_path outside a transaction block"
                    .into(),
            ),
            SettingVerdict::SearchPath => match value {
                Some(v) => self.follow_search_path(&v),
                None => self.out.effects.push(SessionEffect::ResetSearchPath),
            },
        }
    }

    fn reset(&mut self, reset: &Reset) {
        match reset {
            Reset::ALL => self.out.effects.push(SessionEffect::Discard {
                prepared_too: false,
            }),
            Reset::SessionAuthorization => {}
            Reset::ConfigurationParameter(name) => {
                let name = parts(name).map(|p| p.join(".")).unwrap_or_default();
                match verdict_for_set(&name, None) {
                    SettingVerdict::SearchPath => {
                        self.out.effects.push(SessionEffect::ResetSearchPath);
                    }
                    SettingVerdict::Refused(_)
                        if name == "role" || name == "session_authorization" => {}
                    SettingVerdict::Refused(reason) => {
                        self.refuse(RefusalKind::SessionState, None, reason);
                    }
                    SettingVerdict::Harmless => {}
                }
            }
        }
    }

    fn prepare(&mut self, name: String, inner: &mut Statement) {
        if !matches!(*inner, Statement::Query(_)) {
            self.refuse_statement(inner);
            return;
        }
        self.statement(inner);
        if self.out.refused.is_empty() {
            let mut stored = self.out.clone();
            stored.kind = StatementKind::Query;
            stored.effects.clear();
            let analysis = Arc::new(Analysis::new(vec![stored], None));
            self.out
                .effects
                .push(SessionEffect::Prepare { name, analysis });
        }
        self.out.columns.clear();
        self.out.param_lookups.clear();
        self.out.param_settings.clear();
    }
}

/// Output columns with their predicted sources and treatment.
pub fn output_columns(outputs: Outputs) -> Vec<OutputColumn> {
    outputs
        .into_iter()
        .map(|(name, l)| match l {
            Lineage::Bare(c) => OutputColumn {
                name,
                treatment: match &c.sensitivity {
                    Sensitivity::Clear => Treatment::Clear,
                    Sensitivity::Masked(m) => Treatment::Masked {
                        transform: m.transform,
                    },
                    Sensitivity::Refused(_) => Treatment::Refused,
                },
                source: Some(c.source),
                described: c.described,
            },
            Lineage::Computed(sources) => OutputColumn {
                name,
                source: None,
                described: None,
                treatment: if sources.is_empty() {
                    Treatment::Clear
                } else {
                    Treatment::Refused
                },
            },
        })
        .collect()
}

fn clear_column(name: &str) -> OutputColumn {
    OutputColumn {
        name: name.to_owned(),
        source: None,
        described: None,
        treatment: Treatment::Clear,
    }
}
