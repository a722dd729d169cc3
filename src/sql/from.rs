//! FROM clauses: relations (tables, partitions, views expanded from their definition,
//! catalogs), CTE references, derived tables (LATERAL too), table functions, joins
//! with ON, USING and NATURAL.

use sqlparser::ast::{
    JoinConstraint, JoinOperator, Statement, TableAlias, TableFactor, TableWithJoins,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::analyser::{Analyser, MAX_VIEW_DEPTH, Origin};
use super::catalog::Relation;
use super::error::RefusalKind;
use super::lineage::{ColumnRef, Lineage};
use super::names::{ColumnName, fold, parts};
use super::query::{Outputs, Rows};
use super::scope::{Entry, Scope};

impl Analyser<'_> {
    /// Adds the FROM items to `level`.
    pub fn from(&mut self, from: &mut [TableWithJoins], level: &mut Scope<'_>) {
        for twj in from {
            self.table_with_joins(twj, level);
        }
    }

    fn table_with_joins(&mut self, twj: &mut TableWithJoins, level: &mut Scope<'_>) {
        let entries = self.factor(&mut twj.relation, level);
        level.entries.extend(entries);
        for join in &mut twj.joins {
            let before = level.entries.len();
            let right = self.factor(&mut join.relation, level);
            level.entries.extend(right);
            let (constraint, full) = match &mut join.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::CrossJoin(c) => (c, false),
                JoinOperator::FullOuter(c) => (c, true),
                _ => {
                    self.refuse(
                        RefusalKind::Unanalysable,
                        None,
                        "the join form is not PostgreSQL".into(),
                    );
                    continue;
                }
            };
            self.join_constraint(constraint, level, before, full);
        }
    }

    fn join_constraint(
        &mut self,
        constraint: &mut JoinConstraint,
        level: &mut Scope<'_>,
        before: usize,
        full: bool,
    ) {
        let names: Vec<String> = match constraint {
            JoinConstraint::On(e) => {
                let l = self.expr(e, level);
                self.consume(&l, "as a join condition");
                return;
            }
            JoinConstraint::None => return,
            JoinConstraint::Using(cols) => cols
                .iter()
                .filter_map(|c| parts(c).and_then(|p| p.last().cloned()))
                .collect(),
            JoinConstraint::Natural => {
                let right: Vec<&String> = level.entries[before..]
                    .iter()
                    .flat_map(|e| e.columns.iter().map(|(n, _)| n))
                    .collect();
                level.entries[..before]
                    .iter()
                    .flat_map(|e| e.columns.iter().map(|(n, _)| n))
                    .filter(|n| right.contains(n))
                    .cloned()
                    .collect()
            }
        };
        for name in names {
            self.using_column(&name, level, before, full);
        }
    }

    /// One column of `USING` / `NATURAL`: an equality join, then one merged column.
    fn using_column(&mut self, name: &str, level: &mut Scope<'_>, before: usize, full: bool) {
        let find = |entries: &[Entry]| -> Option<Lineage> {
            let mut found = entries.iter().filter_map(|e| e.column(name));
            match (found.next(), found.next()) {
                (Some(l), None) => Some(l.clone()),
                _ => None,
            }
        };
        let left = level
            .merged
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, l)| l.clone())
            .or_else(|| find(&level.entries[..before]));
        let (Some(left), Some(right)) = (left, find(&level.entries[before..])) else {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                format!("the join column {name} is not found exactly once on each side"),
            );
            return;
        };
        let left = self.touch(left);
        let right = self.touch(right);
        self.equal_columns(&left, &right, "in a join");
        let merged = if full {
            for side in [&left, &right] {
                self.consume(side, "in FULL JOIN … USING (the merged column is computed)");
            }
            Lineage::combine([&left, &right])
        } else {
            left
        };
        for e in &mut level.entries {
            if e.column(name).is_some() {
                e.star_hidden.push(name.to_owned());
            }
        }
        level.merged.retain(|(n, _)| n != name);
        level.merged.push((name.to_owned(), merged));
    }

    fn factor(&mut self, factor: &mut TableFactor, level: &Scope<'_>) -> Vec<Entry> {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                partitions,
                json_path,
                index_hints,
                ..
            } => {
                if !with_hints.is_empty()
                    || version.is_some()
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || !index_hints.is_empty()
                {
                    self.unanalysable("a FROM item uses a clause PostgreSQL does not have");
                    return Vec::new();
                }
                let Some(parts) = parts(name) else {
                    self.unanalysable("a FROM item's name is not a plain name");
                    return Vec::new();
                };
                if let Some(args) = args {
                    self.check_function(&parts);
                    let name = parts.join(".");
                    let l = self.function_args(&parts, &mut args.args, level.parent);
                    return vec![self.function_entry(&name, l, alias.as_ref())];
                }
                self.named_entry(&parts, alias.as_ref(), level)
                    .into_iter()
                    .collect()
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                let outer = if *lateral { Some(level) } else { level.parent };
                let outputs = self.query(subquery, outer, Rows::Used);
                let name = alias.as_ref().map_or_else(String::new, |a| fold(&a.name));
                vec![self.entry_from_outputs(name, outputs, alias.as_ref())]
            }
            TableFactor::Function {
                name, args, alias, ..
            } => {
                let Some(parts) = parts(name) else {
                    self.unanalysable("a table function's name is not a plain name");
                    return Vec::new();
                };
                self.check_function(&parts);
                let l = self.function_args(&parts, args, Some(level));
                vec![self.function_entry(&parts.join("."), l, alias.as_ref())]
            }
            TableFactor::UNNEST {
                alias, array_exprs, ..
            } => {
                let mut parts = Vec::new();
                for e in array_exprs {
                    let l = self.expr(e, level);
                    self.consume(&l, "inside unnest()");
                    parts.push(l);
                }
                let l = Lineage::combine(&parts);
                vec![self.function_entry("unnest", l, alias.as_ref())]
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => {
                let mut nested = Scope::child(level.parent);
                self.table_with_joins(table_with_joins, &mut nested);
                if !nested.merged.is_empty() {
                    self.unanalysable(
                        "a parenthesised join with USING or NATURAL is not followed by the gate",
                    );
                }
                nested.entries
            }
            _ => {
                self.unanalysable("the FROM item's form is not followed by the gate");
                Vec::new()
            }
        }
    }

    pub fn unanalysable(&mut self, reason: &str) {
        self.refuse(RefusalKind::Unanalysable, None, reason.to_owned());
    }

    fn entry_from_outputs(
        &mut self,
        name: String,
        outputs: Outputs,
        alias: Option<&TableAlias>,
    ) -> Entry {
        let outputs = match alias {
            Some(a) => self.rename(outputs, &a.columns, "a FROM item"),
            None => outputs,
        };
        Entry::new(name, outputs)
    }

    fn function_entry(&mut self, name: &str, l: Lineage, alias: Option<&TableAlias>) -> Entry {
        let short = name.rsplit('.').next().unwrap_or(name).to_owned();
        let entry_name = alias.map_or_else(|| short.clone(), |a| fold(&a.name));
        let columns: Outputs = match alias {
            Some(a) if !a.columns.is_empty() => a
                .columns
                .iter()
                .map(|c| (fold(&c.name), l.clone()))
                .collect(),
            _ => vec![(entry_name.clone(), l)],
        };
        Entry::new(entry_name, columns)
    }

    /// A named FROM item: a CTE, else a relation along the search path.
    fn named_entry(
        &mut self,
        parts: &[String],
        alias: Option<&TableAlias>,
        level: &Scope<'_>,
    ) -> Option<Entry> {
        if let [name] = parts
            && let Some(cte) = level.cte(name)
        {
            let columns = cte.columns.clone();
            let entry_name = alias.map_or_else(|| name.clone(), |a| fold(&a.name));
            return Some(self.entry_from_outputs(entry_name, columns, alias));
        }
        self.relation_entry(parts, alias)
    }

    /// A relation of the catalog, its columns' lineage resolved.
    pub fn relation_entry(
        &mut self,
        parts: &[String],
        alias: Option<&TableAlias>,
    ) -> Option<Entry> {
        let Some(relation) = self.find_relation(parts) else {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                format!(
                    "the relation {} is not in the gate's catalog (searched {}); the gate \
                     refuses what it cannot classify",
                    parts.join("."),
                    self.schemas.join(", ")
                ),
            );
            return None;
        };
        let classified = self.policy.table(&relation.name.to_string()).is_some();
        let columns = if relation.kind.has_definition() && !classified {
            self.view_columns(&relation)?
        } else {
            let classifying = self.classifying_table(&relation);
            let classifying = (classifying.clone(), classifying.to_string());
            relation
                .columns
                .iter()
                .map(|c| (c.clone(), self.base_column(&relation, &classifying, c)))
                .collect()
        };
        let name = alias.map_or_else(|| relation.name.name.clone(), |a| fold(&a.name));
        let mut entry = self.entry_from_outputs(name, columns, alias);
        entry.relation = Some(relation.name.clone());
        entry.system_columns = !relation.kind.has_definition();
        Some(entry)
    }

    /// A view's columns: its definition analysed, each bare column described as the
    /// view's own column (RowDescription names the view).
    fn view_columns(&mut self, view: &Relation) -> Option<Outputs> {
        if self.views.contains(&view.name) || self.views.len() >= MAX_VIEW_DEPTH {
            self.unanalysable("views nest too deeply (or in a cycle) for the gate to follow");
            return None;
        }
        let mut query = match view.definition.as_deref().map(parse_query) {
            Some(Some(q)) => q,
            _ => {
                self.refuse(
                    RefusalKind::Unanalysable,
                    None,
                    format!(
                        "the definition of view {} cannot be read by the gate; classify the \
                         view in the policy's dictionary",
                        view.name
                    ),
                );
                return None;
            }
        };
        let saved_origin = std::mem::replace(&mut self.origin, Origin::ViewDefinition);
        let view_path = vec![
            "pg_catalog".into(),
            view.name.schema.clone(),
            "public".into(),
        ];
        let saved_schemas = std::mem::replace(&mut self.schemas, view_path);
        let saved_rewritten = self.rewritten;
        let before = self.out.refused.len();
        self.views.push(view.name.clone());
        let outputs = self.query(&mut query, None, Rows::Used);
        self.views.pop();
        self.rewritten = saved_rewritten;
        self.schemas = saved_schemas;
        self.origin = saved_origin;
        let inner: Vec<String> = self.out.refused.drain(before..).map(|r| r.reason).collect();
        if !inner.is_empty() {
            self.refuse(
                RefusalKind::MaskedUse,
                None,
                format!(
                    "view {} computes from sensitive columns in ways the gate refuses ({}); \
                     read the base tables, or classify the view in the policy's dictionary",
                    view.name,
                    inner.join("; ")
                ),
            );
            return None;
        }
        if outputs.len() != view.columns.len() {
            self.unanalysable("a view's definition does not match its columns in the catalog");
            return None;
        }
        Some(
            view.columns
                .iter()
                .zip(outputs)
                .map(|(name, (_, l))| (name.clone(), described_as_view(l, view, name)))
                .collect(),
        )
    }
}

fn described_as_view(l: Lineage, view: &Relation, column: &str) -> Lineage {
    match l {
        Lineage::Bare(c) => Lineage::Bare(ColumnRef {
            described: Some(ColumnName {
                relation: view.name.clone(),
                column: column.to_owned(),
            }),
            ..c
        }),
        computed => computed,
    }
}

fn parse_query(sql: &str) -> Option<sqlparser::ast::Query> {
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    match (statements.pop(), statements.is_empty()) {
        (Some(Statement::Query(q)), true) => Some(*q),
        _ => None,
    }
}
