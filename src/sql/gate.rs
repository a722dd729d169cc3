//! The gate: what the gateway calls. `analyse` parses a statement text (one simple
//! Query, or one Parse), analyses each statement for the consumer and the session,
//! and returns the verdict with everything the gateway needs to execute it; results
//! are cached, by exact text and — for texts whose literals cannot change the verdict
//! — by shape ([`super::shape`]). `reverse_parameter` serves lookups bound later (Bind).

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::{Expr, Statement, Value, visit_expressions};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::analyser::Analyser;
use super::analysis::{Analysis, ParamLookup, RewrittenSql, StatementKind};
use super::cache::{AnalysisCache, CacheKey};
use super::catalog::Catalog;
use super::error::{GateRefusal, RefusalKind};
use super::session::{SessionState, TransactionStatus};
use super::shape::{Shape, shape_of};
use super::statement::kind_of;
use crate::policy::Policy;

/// Statement texts longer than this are refused unread.
pub const MAX_STATEMENT_BYTES: usize = 1 << 20;

/// Analyses kept by default.
pub const DEFAULT_CACHE_CAPACITY: usize = 4096;

/// For what a [`Gate::analyse_shaped`] analysis may be kept by its caller (the gate's
/// own cache keeps it the same way).
#[derive(Debug)]
pub enum Keep {
    /// Not at all: it depends on more than the text (`EXECUTE` of a `PREPARE`d
    /// statement reads the session's verdicts).
    No,
    /// For this exact text.
    Text,
    /// For every text of this shape: the analysis the shape's texts share.
    Shape(Shape),
}

/// The SQL gate for one policy and one catalog.
pub struct Gate {
    policy: Arc<Policy>,
    catalog: Arc<dyn Catalog>,
    cache: AnalysisCache,
    /// By shape: the analysis every text of that shape shares, or `None` when the
    /// shape is known not to be shareable (its texts are analysed exactly).
    shapes: AnalysisCache<Option<Arc<Analysis>>>,
}

impl Gate {
    pub fn new(policy: Arc<Policy>, catalog: Arc<dyn Catalog>) -> Self {
        Self::with_cache_capacity(policy, catalog, DEFAULT_CACHE_CAPACITY)
    }

    pub fn with_cache_capacity(
        policy: Arc<Policy>,
        catalog: Arc<dyn Catalog>,
        capacity: usize,
    ) -> Self {
        Gate {
            policy,
            catalog,
            cache: AnalysisCache::new(capacity),
            shapes: AnalysisCache::new(capacity),
        }
    }

    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// Forgets cached analyses (call after the catalog changed).
    pub fn clear_cache(&self) {
        self.cache.clear();
        self.shapes.clear();
    }

    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// The analysis of `sql` for `consumer` in `session`, from the cache when it can:
    /// the exact text's, else the one its shape shares.
    pub fn analyse(&self, consumer: &str, sql: &str, session: &SessionState) -> Arc<Analysis> {
        self.analyse_shaped(consumer, sql, session, shape_of(sql)).0
    }

    /// [`Gate::analyse`] with `shape`, `shape_of(sql)`, already taken; and for what the
    /// analysis may be kept on this gate (with the same consumer, search path, upstream
    /// user and transaction state — what the cache keys on).
    pub fn analyse_shaped(
        &self,
        consumer: &str,
        sql: &str,
        session: &SessionState,
        shape: Option<Shape>,
    ) -> (Arc<Analysis>, Keep) {
        let key = CacheKey {
            text: sql.to_owned(),
            consumer: consumer.to_owned(),
            policy_version: self.policy.version.clone(),
            search_path: session.search_path().key(),
            upstream_user: session.upstream_user().to_owned(),
            in_transaction: session.transaction() != TransactionStatus::Idle,
        };
        if let Some(hit) = self.cache.get(&key) {
            return (hit, Keep::Text);
        }
        let shape = shape.map(|shape| {
            let key = CacheKey {
                text: format!("{}\0{}", shape.kinds, shape.text),
                ..key.clone()
            };
            let known = self.shapes.get(&key);
            (shape, key, known)
        });
        if let Some((shape, _, Some(Some(shared)))) = shape {
            return (shared, Keep::Shape(shape));
        }
        let (analysis, cacheable) = self.analyse_text(consumer, sql, session);
        let analysis = Arc::new(analysis);
        if !cacheable {
            return (analysis, Keep::No);
        }
        if let Some((shape, shape_key, None)) = shape {
            let shared = self.shared_analysis(consumer, &shape, session, &analysis);
            self.shapes.insert(shape_key, shared.clone());
            if let Some(shared) = shared {
                // The first text of a shape is also kept by its exact text (a text
                // repeated as it is skips the lexer); later texts of the shape are not,
                // so texts with ever-new literals do not push other entries out.
                self.cache.insert(key, shared.clone());
                return (shared, Keep::Shape(shape));
            }
        }
        self.cache.insert(key, analysis.clone());
        (analysis, Keep::Text)
    }

    /// The analysis of `shape`, if every text of that shape may share it: `exact` (the
    /// analysis of the text that brought the shape) and the shape's own analysis both
    /// pass, read no literal (no lookups, no parameter-named settings, no session
    /// effects, plain queries only, nothing rewritten), and agree column by column.
    fn shared_analysis(
        &self,
        consumer: &str,
        shape: &Shape,
        session: &SessionState,
        exact: &Analysis,
    ) -> Option<Arc<Analysis>> {
        if !reads_no_literal(exact) {
            return None;
        }
        let (shared, cacheable) = self.analyse_text(consumer, &shape.text, session);
        let agrees = shared.statements.len() == exact.statements.len()
            && shared
                .statements
                .iter()
                .zip(&exact.statements)
                .all(|(s, e)| s.kind == e.kind && s.columns == e.columns && s.notices == e.notices);
        (cacheable && agrees && reads_no_literal(&shared)).then(|| Arc::new(shared))
    }

    /// The analysis without the cache; whether it may be cached (`EXECUTE` depends on
    /// the session's prepared statements, so it may not).
    pub fn analyse_text(
        &self,
        consumer: &str,
        sql: &str,
        session: &SessionState,
    ) -> (Analysis, bool) {
        if sql.len() > MAX_STATEMENT_BYTES {
            let refusal = GateRefusal::one(
                RefusalKind::Unanalysable,
                None,
                format!("the statement text is longer than {MAX_STATEMENT_BYTES} bytes"),
            );
            return (Analysis::refused(refusal), true);
        }
        let mut statements = match Parser::parse_sql(&PostgreSqlDialect {}, sql) {
            Ok(s) => s,
            Err(e) => return (Analysis::refused(parse_refusal(&e.to_string())), true),
        };
        let cacheable = !statements
            .iter()
            .any(|s| matches!(s, Statement::Execute { .. }));
        let mut next_param = max_param(&statements) + 1;
        let mut results = Vec::with_capacity(statements.len());
        let mut rewritten = false;
        for statement in &mut statements {
            let mut a = Analyser::new(
                &self.policy,
                consumer,
                self.catalog.as_ref(),
                session,
                kind_of(statement),
            );
            a.next_param = next_param;
            a.statement(statement);
            next_param = a.next_param;
            rewritten |= a.rewritten;
            results.push(a.out);
        }
        let rewritten = rewritten.then(|| {
            let texts: Vec<String> = statements.iter().map(ToString::to_string).collect();
            RewrittenSql(texts.join(";\n"))
        });
        (Analysis::new(results, rewritten), cacheable)
    }

    /// The values to bind for a parameter that holds a pseudonym: the first for
    /// `lookup.param`, then one for each of `lookup.extra`.
    pub fn reverse_parameter(
        &self,
        consumer: &str,
        lookup: &ParamLookup,
        pseudonym: &str,
    ) -> Result<Vec<String>, GateRefusal> {
        let table = lookup.column.relation.to_string();
        let candidates = self
            .policy
            .lookup(consumer, &table, &lookup.column.column, pseudonym)
            .map_err(|e| {
                GateRefusal::one(
                    RefusalKind::Lookup,
                    Some(lookup.column.to_string()),
                    e.to_string(),
                )
            })?;
        let mut out = Vec::with_capacity(lookup.extra.len() + 1);
        for i in 0..=lookup.extra.len() {
            if let Some(c) = candidates.get(i).or(candidates.first()) {
                out.push(c.value.clone());
            }
        }
        Ok(out)
    }
}

/// Whether `analysis` passed without reading any literal's value: every statement a
/// plain query with no lookup, no parameter-named setting and no session effect, and
/// nothing rewritten. (Positional references are kept out of shapes by the lexer.)
fn reads_no_literal(analysis: &Analysis) -> bool {
    analysis.is_allowed()
        && analysis.rewritten.is_none()
        && !analysis.statements.is_empty()
        && analysis.statements.iter().all(|s| {
            s.kind == StatementKind::Query
                && s.refused.is_empty()
                && s.lookups.is_empty()
                && s.param_lookups.is_empty()
                && s.param_settings.is_empty()
                && s.effects.is_empty()
        })
}

/// A parse failure, placed by line and column; the parser's own text may quote the
/// statement (and so a value), so it is not passed on.
fn parse_refusal(parser_message: &str) -> GateRefusal {
    let place = parser_message
        .find("Line: ")
        .map(|i| format!(" (near {})", &parser_message[i..]))
        .unwrap_or_default();
    GateRefusal::one(
        RefusalKind::Unanalysable,
        None,
        format!(
            "the statement does not parse as PostgreSQL SQL as the gate reads it{place}; \
             the gate refuses what it cannot analyse"
        ),
    )
}

/// The highest `$n` in the statements.
fn max_param(statements: &Vec<Statement>) -> usize {
    let mut max = 0;
    let _ = visit_expressions(statements, |e: &Expr| {
        if let Expr::Value(v) = e
            && let Value::Placeholder(p) = &v.value
            && let Some(n) = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok())
        {
            max = max.max(n);
        }
        ControlFlow::<()>::Continue(())
    });
    max
}
