//! The analyser of one statement: what it reads (policy, consumer, catalog, session)
//! and what it accumulates (the statement's analysis). The walk itself is spread over
//! `query`, `from`, `expr`, `compare`, `functions`, `star` and `statement`.

use std::sync::Arc;

use super::analysis::StatementAnalysis;
use super::catalog::system::refused_column;
use super::catalog::{Catalog, Relation, RelationKind};
use super::error::{RefusalKind, RefusedUse};
use super::lineage::{ColumnRef, Determinism, Lineage, Masking, Reversibility, Sensitivity};
use super::names::{ColumnName, QualifiedName};
use super::session::SessionState;
use crate::policy::{Decision, Policy};

/// Whose SQL is walked: the consumer's own, or a view's stored definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Consumer,
    /// Inside a view: references to refused columns are judged where the consumer
    /// uses the view's column; `*` is the view's own business.
    ViewDefinition,
}

/// Deepest nesting of views followed.
pub const MAX_VIEW_DEPTH: usize = 8;

pub struct Analyser<'a> {
    pub policy: &'a Policy,
    pub consumer: &'a str,
    pub catalog: &'a dyn Catalog,
    pub session: &'a SessionState,
    /// Schemas searched for unqualified names, in order.
    pub schemas: Vec<String>,
    pub origin: Origin,
    pub out: StatementAnalysis,
    /// The AST was changed (lookup values substituted, `*` trimmed).
    pub rewritten: bool,
    /// Any sensitive column was referenced (EXPLAIN refuses then).
    pub touched_sensitive: bool,
    /// The next free parameter number, for parameters the rewrite adds.
    pub next_param: usize,
    /// Views being expanded (cycles, depth).
    pub views: Vec<QualifiedName>,
}

impl<'a> Analyser<'a> {
    pub fn new(
        policy: &'a Policy,
        consumer: &'a str,
        catalog: &'a dyn Catalog,
        session: &'a SessionState,
        kind: super::analysis::StatementKind,
    ) -> Self {
        Analyser {
            policy,
            consumer,
            catalog,
            session,
            schemas: session.search_path().effective(session.upstream_user()),
            origin: Origin::Consumer,
            out: StatementAnalysis::new(kind),
            rewritten: false,
            touched_sensitive: false,
            next_param: 1,
            views: Vec::new(),
        }
    }

    /// Records a refused use.
    pub fn refuse(&mut self, kind: RefusalKind, column: Option<&ColumnName>, reason: String) {
        let column = column.map(ToString::to_string);
        let refused = RefusedUse::new(kind, column, reason);
        if !self.out.refused.contains(&refused) {
            self.out.refused.push(refused);
        }
    }

    /// Refuses every masked column that is used bare where a bare use is not allowed:
    /// `what` says where ("inside the function lower()"). A computed value's masked
    /// sources were refused when it was computed.
    pub fn consume(&mut self, lineage: &Lineage, what: &str) {
        if let Some((c, m)) = lineage.bare_masked() {
            let reason = format!(
                "{} is masked ({}) for consumer {} and may only be returned as a bare column, \
                 compared for equality with a pseudonym, or joined/grouped within its domain; \
                 it is used {what}",
                c.source, m.transform, self.consumer
            );
            let source = c.source.clone();
            self.refuse(RefusalKind::MaskedUse, Some(&source), reason);
        } else if let Lineage::Bare(c) = lineage
            && let Sensitivity::Refused(reason) = &c.sensitivity
            && self.origin == Origin::ViewDefinition
        {
            // Only reachable inside view definitions, where bare refused columns travel.
            let (source, reason) = (c.source.clone(), reason.clone());
            self.refuse(RefusalKind::RefusedColumn, Some(&source), reason);
        }
    }

    /// The lineage of `column` of a base relation (table, partition, foreign table, a
    /// view classified in the dictionary, or a system catalog); `classifying` is
    /// [`Analyser::classifying_table`] of the relation with its text, found once for
    /// all its columns.
    pub fn base_column(
        &mut self,
        relation: &Relation,
        classifying: &(QualifiedName, String),
        column: &str,
    ) -> Lineage {
        let described = ColumnName {
            relation: relation.name.clone(),
            column: column.to_owned(),
        };
        if relation.kind == RelationKind::Catalog {
            let sensitivity = match refused_column(&relation.name.name, column) {
                Some(reason) => Sensitivity::Refused(reason),
                None => Sensitivity::Clear,
            };
            return Lineage::Bare(ColumnRef {
                source: described.clone(),
                described: Some(described),
                sensitivity,
            });
        }
        let source = ColumnName {
            relation: classifying.0.clone(),
            column: column.to_owned(),
        };
        let sensitivity = self.sensitivity(&source, &classifying.1);
        Lineage::Bare(ColumnRef {
            source,
            described: Some(described),
            sensitivity,
        })
    }

    /// The query names a column: refused columns are refused here (in the consumer's
    /// SQL; inside a view, where the consumer uses the view's column).
    pub fn touch(&mut self, l: Lineage) -> Lineage {
        if !l.sensitive().is_empty() {
            self.touched_sensitive = true;
        }
        if let Lineage::Bare(c) = &l
            && let (Sensitivity::Refused(reason), Origin::Consumer) = (&c.sensitivity, self.origin)
        {
            let (source, reason) = (c.source.clone(), reason.clone());
            self.refuse(RefusalKind::RefusedColumn, Some(&source), reason);
        }
        l
    }

    /// The table whose dictionary entry classifies `relation`'s columns: itself, or
    /// the nearest parent (inheritance, partitions) the dictionary knows.
    pub fn classifying_table(&self, relation: &Relation) -> QualifiedName {
        let mut pending = vec![relation.name.clone()];
        let mut seen = 0;
        while let Some(name) = pending.pop() {
            if self.policy.table(&name.to_string()).is_some() {
                return name;
            }
            seen += 1;
            if seen > MAX_VIEW_DEPTH * 4 {
                break;
            }
            if let Some(r) = self.catalog.relation(&name.schema, &name.name) {
                pending.extend(r.parents.iter().rev().cloned());
            }
        }
        relation.name.clone()
    }

    /// What the policy makes of `source` for this consumer; `table` is the text of
    /// `source.relation`.
    fn sensitivity(&self, source: &ColumnName, table: &str) -> Sensitivity {
        match self
            .policy
            .decision(self.consumer, table, &source.column)
            .as_ref()
        {
            Decision::Pass { .. } => Sensitivity::Clear,
            Decision::Refuse(refusal) => Sensitivity::Refused(format!(
                "{} is refused for consumer {}: {}",
                source, self.consumer, refusal.message
            )),
            Decision::Transform { transform, .. } => {
                let props = transform.properties();
                let domain = self
                    .policy
                    .table(table)
                    .and_then(|t| t.get(&source.column))
                    .map_or_else(|| source.to_string(), |f| f.domain.clone());
                Sensitivity::Masked(Masking {
                    transform: transform.name(),
                    deterministic: if props.deterministic {
                        Determinism::Deterministic
                    } else {
                        Determinism::Randomised
                    },
                    reversible: if props.reversible {
                        Reversibility::Reversible
                    } else {
                        Reversibility::OneWay
                    },
                    domain,
                })
            }
        }
    }

    /// The relation `parts` names, as PostgreSQL finds it along the search path.
    pub fn find_relation(&self, parts: &[String]) -> Option<Arc<Relation>> {
        match parts {
            [name] => self
                .schemas
                .iter()
                .find_map(|s| self.catalog.relation(s, name)),
            [schema, name] => self.catalog.relation(schema, name),
            _ => None,
        }
    }
}
