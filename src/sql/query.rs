//! Queries: WITH (recursive too), set operations, VALUES, SELECT with its clauses, and
//! the lineage of every output column.

use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, LimitClause, OrderByExpr, OrderByKind, Query, Select, SelectItem,
    SetExpr, Value,
};

use super::analyser::Analyser;
use super::error::RefusalKind;
use super::lineage::{Determinism, Lineage};
use super::names::fold;
use super::scope::{CteDef, Scope};

/// The output columns of a query: names and lineage.
pub type Outputs = Vec<(String, Lineage)>;

/// Whether a query's rows leave (to the client or an enclosing query) or are only
/// tested for existence (`EXISTS`), where `*` expands to nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    Used,
    ExistenceOnly,
}

impl Analyser<'_> {
    /// Analyses a query; `outer` is the enclosing level (correlated references).
    pub fn query(&mut self, q: &mut Query, outer: Option<&Scope<'_>>, rows: Rows) -> Outputs {
        self.query_clauses_supported(q);
        let mut level = Scope::child(outer);
        if let Some(with) = q.with.as_mut() {
            for cte in &mut with.cte_tables {
                let name = fold(&cte.alias.name);
                let columns = if with.recursive {
                    self.recursive_cte(&mut cte.query, &name, &cte.alias.columns, &level)
                } else {
                    self.query(&mut cte.query, Some(&level), Rows::Used)
                };
                let columns = self.rename(columns, &cte.alias.columns, &name);
                level.ctes.push(CteDef { name, columns });
            }
        }
        let mut order_by = take_order_by(q);
        let outputs = match q.body.as_mut() {
            SetExpr::Select(select) => self.select(select, &level, &mut order_by, rows),
            body => {
                let outputs = self.set_expr(body, &level, rows);
                for o in &mut order_by {
                    let l = output_reference(&o.expr, &outputs)
                        .cloned()
                        .unwrap_or_else(|| self.expr(&mut o.expr, &level));
                    self.consume(&l, "in ORDER BY (it reveals the order of real values)");
                }
                outputs
            }
        };
        put_order_by(q, order_by);
        self.limits(q, &level);
        outputs
    }

    fn query_clauses_supported(&mut self, q: &Query) {
        if !q.locks.is_empty() {
            self.refuse(
                RefusalKind::Statement,
                None,
                "SELECT … FOR UPDATE/SHARE takes row locks, a write; consumers are read-only"
                    .into(),
            );
        }
        if q.for_clause.is_some()
            || q.settings.is_some()
            || q.format_clause.is_some()
            || !q.pipe_operators.is_empty()
        {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                "the query uses a clause PostgreSQL does not have".into(),
            );
        }
    }

    fn limits(&mut self, q: &mut Query, level: &Scope<'_>) {
        let mut exprs: Vec<&mut Expr> = Vec::new();
        match q.limit_clause.as_mut() {
            Some(LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                exprs.extend(limit.as_mut());
                exprs.extend(offset.as_mut().map(|o| &mut o.value));
                exprs.extend(limit_by.iter_mut());
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                exprs.push(offset);
                exprs.push(limit);
            }
            None => {}
        }
        exprs.extend(q.fetch.as_mut().and_then(|f| f.quantity.as_mut()));
        for e in exprs {
            let l = self.expr(e, level);
            self.consume(&l, "in LIMIT/OFFSET");
        }
    }

    /// A recursive CTE: the non-recursive term first, then the whole with itself visible.
    fn recursive_cte(
        &mut self,
        q: &mut Query,
        name: &str,
        aliases: &[sqlparser::ast::TableAliasColumnDef],
        level: &Scope<'_>,
    ) -> Outputs {
        let SetExpr::SetOperation { left, .. } = q.body.as_mut() else {
            return self.query(q, Some(level), Rows::Used);
        };
        let seed = self.set_expr(left, level, Rows::Used);
        let seed = self.rename(seed, aliases, name);
        let provisional: Outputs = seed
            .into_iter()
            .map(|(n, l)| (n, Lineage::combine([&l])))
            .collect();
        let mut inner = Scope::child(Some(level));
        inner.ctes.push(CteDef {
            name: name.to_owned(),
            columns: provisional,
        });
        self.query(q, Some(&inner), Rows::Used)
    }

    /// Applies a column-alias list (`AS x(a, b)`).
    pub fn rename(
        &mut self,
        mut columns: Outputs,
        aliases: &[sqlparser::ast::TableAliasColumnDef],
        what: &str,
    ) -> Outputs {
        if aliases.len() > columns.len() {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                format!("{what} has more column aliases than columns"),
            );
        }
        for (c, a) in columns.iter_mut().zip(aliases) {
            c.0 = fold(&a.name);
        }
        columns
    }

    pub fn set_expr(&mut self, body: &mut SetExpr, level: &Scope<'_>, rows: Rows) -> Outputs {
        match body {
            SetExpr::Select(select) => self.select(select, level, &mut Vec::new(), rows),
            SetExpr::Query(q) => self.query(q, Some(level), rows),
            SetExpr::SetOperation {
                left, op, right, ..
            } => {
                let l = self.set_expr(left, level, rows);
                let r = self.set_expr(right, level, rows);
                self.set_operation(l, r, &op.to_string())
            }
            SetExpr::Values(values) => {
                let mut outputs: Outputs = Vec::new();
                for row in &mut values.rows {
                    for (i, e) in row.content.iter_mut().enumerate() {
                        let l = self.expr(e, level);
                        self.consume(&l, "in VALUES");
                        if outputs.len() <= i {
                            outputs.push((format!("column{}", i + 1), Lineage::clear()));
                        }
                    }
                }
                outputs
            }
            SetExpr::Table(t) => self.table_command(t),
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                self.refuse(
                    RefusalKind::Statement,
                    None,
                    "data-modifying statements are refused: consumers are read-only".into(),
                );
                Vec::new()
            }
        }
    }

    fn table_command(&mut self, t: &sqlparser::ast::Table) -> Outputs {
        let parts: Vec<String> = t
            .schema_name
            .iter()
            .chain(&t.table_name)
            .map(|s| s.to_lowercase())
            .collect();
        let mut level = Scope::child(None);
        match self.relation_entry(&parts, None) {
            Some(entry) => level.entries.push(entry),
            None => return Vec::new(),
        }
        self.expand_star(&level, None, Rows::Used)
            .map(|(outputs, _)| outputs)
            .unwrap_or_default()
    }

    /// UNION / INTERSECT / EXCEPT: the server reports no table for the result, so a
    /// masked column's provenance is lost.
    fn set_operation(&mut self, left: Outputs, right: Outputs, op: &str) -> Outputs {
        if left.len() != right.len() {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                format!("the branches of {op} have different numbers of columns"),
            );
        }
        let mut out = Vec::with_capacity(left.len());
        for ((name, l), (_, r)) in left.iter().zip(&right) {
            for side in [l, r] {
                self.consume(
                    side,
                    &format!("in a branch of {op} (the result loses the column's provenance)"),
                );
            }
            out.push((name.clone(), Lineage::combine([l, r])));
        }
        out
    }

    fn select(
        &mut self,
        s: &mut Select,
        outer: &Scope<'_>,
        order_by: &mut [OrderByExpr],
        rows: Rows,
    ) -> Outputs {
        self.select_clauses_supported(s);
        let mut level = Scope::child(Some(outer));
        self.from(&mut s.from, &mut level);
        if let Some(w) = s.selection.as_mut() {
            let l = self.expr(w, &level);
            self.consume(&l, "as a WHERE condition");
        }
        let outputs = self.projection(&mut s.projection, &level, rows);
        self.group_by(&mut s.group_by, &level, &outputs);
        if let Some(h) = s.having.as_mut() {
            let l = self.expr(h, &level);
            self.consume(&l, "as a HAVING condition");
        }
        match s.distinct.as_mut() {
            Some(Distinct::On(exprs)) => {
                // PostgreSQL reads `DISTINCT ON (2)` and `DISTINCT ON (alias)` as output
                // columns, as in ORDER BY.
                for e in exprs {
                    let l = match output_reference(e, &outputs) {
                        Some(l) => l.clone(),
                        None => self.expr(e, &level),
                    };
                    self.grouping(&l, "in DISTINCT ON");
                }
            }
            Some(Distinct::Distinct) => {
                for (_, l) in &outputs {
                    self.grouping(l, "in SELECT DISTINCT");
                }
            }
            _ => {}
        }
        for o in order_by {
            let l = match output_reference(&o.expr, &outputs) {
                Some(l) => l.clone(),
                None => self.expr(&mut o.expr, &level),
            };
            self.consume(&l, "in ORDER BY (it reveals the order of real values)");
        }
        outputs
    }

    fn select_clauses_supported(&mut self, s: &Select) {
        if s.into.is_some() {
            self.refuse(
                RefusalKind::Statement,
                None,
                "SELECT … INTO creates a table, a write; consumers are read-only".into(),
            );
        }
        if s.top.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
            || !s.connect_by.is_empty()
            || !s.cluster_by.is_empty()
            || !s.distribute_by.is_empty()
            || !s.sort_by.is_empty()
            || !s.named_window.is_empty()
            || s.qualify.is_some()
            || s.exclude.is_some()
        {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                "the SELECT uses a clause the gate does not follow (named windows, or a \
                 clause PostgreSQL does not have)"
                    .into(),
            );
        }
    }

    fn projection(
        &mut self,
        items: &mut Vec<SelectItem>,
        level: &Scope<'_>,
        rows: Rows,
    ) -> Outputs {
        let mut outputs = Vec::new();
        let mut replacements: Vec<(usize, Vec<SelectItem>)> = Vec::new();
        for (i, item) in items.iter_mut().enumerate() {
            let expanded = match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = output_name(e);
                    let l = self.expr(e, level);
                    outputs.push((name, l));
                    None
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let l = self.expr(expr, level);
                    outputs.push((fold(alias), l));
                    None
                }
                SelectItem::Wildcard(_) => self.expand_star(level, None, rows),
                SelectItem::QualifiedWildcard(kind, _) => {
                    self.expand_qualified_star(kind, level, rows)
                }
                SelectItem::ExprWithAliases { .. } => {
                    self.refuse(
                        RefusalKind::Unanalysable,
                        None,
                        "a select item with several aliases is not PostgreSQL".into(),
                    );
                    None
                }
            };
            if let Some((cols, replacement)) = expanded {
                outputs.extend(cols);
                if let Some(replacement) = replacement {
                    replacements.push((i, replacement));
                }
            }
        }
        if !replacements.is_empty() {
            let old = std::mem::take(items);
            for (i, item) in old.into_iter().enumerate() {
                match replacements.iter_mut().find(|(j, _)| *j == i) {
                    Some((_, r)) => items.append(r),
                    None => items.push(item),
                }
            }
            self.rewritten = true;
        }
        outputs
    }

    fn group_by(&mut self, group_by: &mut GroupByExpr, level: &Scope<'_>, outputs: &Outputs) {
        match group_by {
            GroupByExpr::All(_) => self.refuse(
                RefusalKind::Unanalysable,
                None,
                "GROUP BY ALL is not PostgreSQL".into(),
            ),
            GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    self.refuse(
                        RefusalKind::Unanalysable,
                        None,
                        "GROUP BY … WITH modifiers are not PostgreSQL".into(),
                    );
                }
                for e in exprs {
                    let l = match e {
                        Expr::Value(v) if matches!(v.value, Value::Number(..)) => {
                            output_reference(e, outputs).cloned()
                        }
                        _ => None,
                    };
                    let l = l.unwrap_or_else(|| self.expr(e, level));
                    self.grouping(&l, "in GROUP BY");
                }
            }
        }
    }

    /// Grouping or DISTINCT: a bare masked column of a deterministic transform groups
    /// exactly as its pseudonyms would; anything else masked is refused.
    pub fn grouping(&mut self, l: &Lineage, what: &str) {
        match l.bare_masked() {
            Some((_, m)) if m.deterministic == Determinism::Deterministic => {}
            _ => self.consume(l, what),
        }
    }
}

fn take_order_by(q: &mut Query) -> Vec<OrderByExpr> {
    match q.order_by.as_mut().map(|o| &mut o.kind) {
        Some(OrderByKind::Expressions(exprs)) => std::mem::take(exprs),
        _ => Vec::new(),
    }
}

fn put_order_by(q: &mut Query, exprs: Vec<OrderByExpr>) {
    if let Some(OrderByKind::Expressions(slot)) = q.order_by.as_mut().map(|o| &mut o.kind) {
        *slot = exprs;
    }
}

/// `ORDER BY 2` or `ORDER BY alias`: the output column it names.
fn output_reference<'o>(e: &Expr, outputs: &'o Outputs) -> Option<&'o Lineage> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| outputs.get(i))
                .map(|(_, l)| l),
            _ => None,
        },
        Expr::Identifier(ident) => {
            let name = fold(ident);
            outputs.iter().find(|(n, _)| *n == name).map(|(_, l)| l)
        }
        _ => None,
    }
}

/// The name PostgreSQL gives an unaliased output column.
pub fn output_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => fold(i),
        Expr::CompoundIdentifier(parts) => parts.last().map_or_else(|| "?column?".into(), fold),
        Expr::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map_or_else(|| "?column?".into(), fold),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => output_name(expr),
        Expr::Case { .. } => "case".into(),
        _ => "?column?".into(),
    }
}

/// The output column names of a query written without `*` (views in DDL).
pub fn output_names(q: &Query) -> Vec<String> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::Select(s) => {
                return s
                    .projection
                    .iter()
                    .filter_map(|item| match item {
                        SelectItem::UnnamedExpr(e) => Some(output_name(e)),
                        SelectItem::ExprWithAlias { alias, .. } => Some(fold(alias)),
                        _ => None,
                    })
                    .collect();
            }
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(q) => body = q.body.as_ref(),
            _ => return Vec::new(),
        }
    }
}
