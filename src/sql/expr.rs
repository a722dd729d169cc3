//! Expressions: column references (qualified, correlated, whole-row), and every
//! operator, cast, CASE, pattern and range predicate, subquery. A masked column may
//! leave an expression only bare; inside anything else it is refused where it stands.

use sqlparser::ast::{AccessExpr, Expr, Ident, Subscript};

use super::analyser::Analyser;
use super::error::RefusalKind;
use super::lineage::{Lineage, Sensitivity};
use super::names::fold;
use super::query::Rows;
use super::scope::{Entry, Resolved, Scope};

/// Names PostgreSQL reads as functions without parentheses.
const NILADIC: &[&str] = &[
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "current_catalog",
    "current_schema",
];

impl Analyser<'_> {
    /// The lineage of `e`; refused uses inside it are recorded.
    pub fn expr(&mut self, e: &mut Expr, scope: &Scope<'_>) -> Lineage {
        match e {
            Expr::Identifier(ident) => self.identifier(ident, scope),
            Expr::CompoundIdentifier(idents) => self.compound(idents, scope),
            Expr::Value(_) | Expr::TypedString(_) => Lineage::clear(),
            Expr::Nested(inner) => self.expr(inner, scope),
            Expr::BinaryOp { .. } => self.binary(e, scope),
            Expr::InList { .. } => self.in_list(e, scope),
            Expr::InSubquery { expr, subquery, .. } => self.in_subquery(expr, subquery, scope),
            Expr::Function(f) => self.function(f, scope),
            Expr::Exists { subquery, .. } => {
                self.query(subquery, Some(scope), Rows::ExistenceOnly);
                Lineage::clear()
            }
            Expr::Subquery(q) => {
                let outputs = self.query(q, Some(scope), Rows::Used);
                let parts: Vec<Lineage> = outputs.into_iter().map(|(_, l)| l).collect();
                for l in &parts {
                    self.consume(l, "as a scalar subquery (its result loses the provenance)");
                }
                Lineage::combine(&parts)
            }
            Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
                let l = self.expr(inner, scope);
                if l.bare_masked().is_none() {
                    self.consume(&l, "in IS NULL");
                }
                Lineage::clear()
            }
            Expr::Cast { expr, .. } => self.operands(vec![expr], scope, "in a cast"),
            Expr::UnaryOp { op, expr } => {
                let what = format!("with the operator {op}");
                self.operands(vec![expr], scope, &what)
            }
            Expr::Like {
                expr,
                pattern,
                escape_char,
                ..
            }
            | Expr::ILike {
                expr,
                pattern,
                escape_char,
                ..
            }
            | Expr::SimilarTo {
                expr,
                pattern,
                escape_char,
                ..
            } => {
                let mut ops: Vec<&mut Expr> = vec![expr, pattern];
                ops.extend(escape_char.as_deref_mut());
                self.operands(
                    ops,
                    scope,
                    "in a pattern predicate (LIKE, ILIKE, SIMILAR TO)",
                )
            }
            Expr::RLike { expr, pattern, .. } => {
                self.operands(vec![expr, pattern], scope, "in a pattern predicate (~)")
            }
            Expr::Between {
                expr, low, high, ..
            } => self.operands(
                vec![expr, low, high],
                scope,
                "in a range predicate (BETWEEN)",
            ),
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let mut ops: Vec<&mut Expr> = Vec::new();
                ops.extend(operand.as_deref_mut());
                for c in conditions {
                    ops.push(&mut c.condition);
                    ops.push(&mut c.result);
                }
                ops.extend(else_result.as_deref_mut());
                self.operands(ops, scope, "inside CASE")
            }
            _ => self.other_expr(e, scope),
        }
    }

    /// The less common forms: each operand refused when masked.
    fn other_expr(&mut self, e: &mut Expr, scope: &Scope<'_>) -> Lineage {
        match e {
            Expr::IsTrue(x)
            | Expr::IsNotTrue(x)
            | Expr::IsFalse(x)
            | Expr::IsNotFalse(x)
            | Expr::IsUnknown(x)
            | Expr::IsNotUnknown(x) => self.operands(vec![x], scope, "in IS TRUE/FALSE/UNKNOWN"),
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                self.operands(vec![a, b], scope, "in IS DISTINCT FROM")
            }
            Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                self.operands(vec![left, right], scope, "in ANY/ALL")
            }
            Expr::Array(a) => self.operands(a.elem.iter_mut().collect(), scope, "in an ARRAY"),
            Expr::Tuple(items) => {
                self.operands(items.iter_mut().collect(), scope, "in a row constructor")
            }
            Expr::Extract { expr, .. } => self.operands(vec![expr], scope, "inside EXTRACT"),
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                self.operands(vec![expr], scope, "inside CEIL/FLOOR")
            }
            Expr::Position { expr, r#in } => {
                self.operands(vec![expr, r#in], scope, "inside POSITION")
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut ops: Vec<&mut Expr> = vec![expr];
                ops.extend(substring_from.as_deref_mut());
                ops.extend(substring_for.as_deref_mut());
                self.operands(ops, scope, "inside SUBSTRING")
            }
            Expr::Trim {
                expr,
                trim_what,
                trim_characters,
                ..
            } => {
                let mut ops: Vec<&mut Expr> = vec![expr];
                ops.extend(trim_what.as_deref_mut());
                ops.extend(trim_characters.iter_mut().flatten());
                self.operands(ops, scope, "inside TRIM")
            }
            Expr::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                let mut ops: Vec<&mut Expr> = vec![expr, overlay_what, overlay_from];
                ops.extend(overlay_for.as_deref_mut());
                self.operands(ops, scope, "inside OVERLAY")
            }
            Expr::Collate { expr, .. } => self.operands(vec![expr], scope, "with COLLATE"),
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => self.operands(vec![timestamp, time_zone], scope, "in AT TIME ZONE"),
            Expr::Interval(i) => self.operands(vec![&mut i.value], scope, "in an INTERVAL"),
            Expr::JsonAccess { value, .. } => self.operands(vec![value], scope, "in a JSON access"),
            Expr::CompoundFieldAccess { root, access_chain } => {
                let mut ops: Vec<&mut Expr> = vec![root];
                for access in access_chain {
                    match access {
                        AccessExpr::Dot(_) => {}
                        AccessExpr::Subscript(Subscript::Index { index }) => ops.push(index),
                        AccessExpr::Subscript(Subscript::Slice {
                            lower_bound,
                            upper_bound,
                            stride,
                        }) => {
                            ops.extend(lower_bound.as_mut());
                            ops.extend(upper_bound.as_mut());
                            ops.extend(stride.as_mut());
                        }
                    }
                }
                self.operands(ops, scope, "in a field or subscript access")
            }
            Expr::QualifiedWildcard(name, _) => match super::names::parts(name) {
                Some(p) => match scope.entry(&p) {
                    Some(entry) => self.whole_row(entry),
                    None => self.not_found(&p.join(".")),
                },
                None => self.not_found("a qualified *"),
            },
            _ => {
                self.unanalysable("the statement uses an expression form the gate does not follow");
                Lineage::clear()
            }
        }
    }

    /// Operands combined into a new value: masked ones are refused (`what` says how).
    pub fn operands(&mut self, ops: Vec<&mut Expr>, scope: &Scope<'_>, what: &str) -> Lineage {
        let mut parts = Vec::with_capacity(ops.len());
        for op in ops {
            let l = self.expr(op, scope);
            self.consume(&l, what);
            parts.push(l);
        }
        Lineage::combine(&parts)
    }

    fn identifier(&mut self, ident: &Ident, scope: &Scope<'_>) -> Lineage {
        let name = fold(ident);
        match scope.column(&name) {
            Resolved::Column(l) => {
                let l = l.clone();
                self.touch(l)
            }
            Resolved::WholeRow(entry) => self.whole_row(entry),
            Resolved::Ambiguous => {
                self.unanalysable(&format!("the column name {name} is ambiguous"));
                Lineage::clear()
            }
            Resolved::NotFound
                if ident.quote_style.is_none() && NILADIC.contains(&name.as_str()) =>
            {
                Lineage::clear()
            }
            Resolved::NotFound => self.not_found(&name),
        }
    }

    fn compound(&mut self, idents: &[Ident], scope: &Scope<'_>) -> Lineage {
        let parts: Vec<String> = idents.iter().map(fold).collect();
        let Some((column, qualifier)) = parts.split_last() else {
            return self.not_found("an empty name");
        };
        let found = scope.entry(qualifier).map(|e| e.column(column).cloned());
        match found {
            Some(Some(l)) => self.touch(l),
            _ => self.not_found(&parts.join(".")),
        }
    }

    fn not_found(&mut self, name: &str) -> Lineage {
        self.refuse(
            RefusalKind::Unanalysable,
            None,
            format!("the gate cannot resolve the name {name} to a column of the query"),
        );
        Lineage::clear()
    }

    /// `t` or `t.*` as a value: a row of every column of `t`.
    pub fn whole_row(&mut self, entry: &Entry) -> Lineage {
        let parts: Vec<Lineage> = entry.columns.iter().map(|(_, l)| l.clone()).collect();
        let mut masked = Vec::new();
        for l in &parts {
            if let Lineage::Bare(c) = l {
                match &c.sensitivity {
                    Sensitivity::Masked(_) => masked.push(c.source.to_string()),
                    Sensitivity::Refused(_) => {
                        self.touch(l.clone());
                    }
                    Sensitivity::Clear => {}
                }
            }
        }
        if !masked.is_empty() {
            self.touched_sensitive = true;
            self.refuse(
                RefusalKind::MaskedUse,
                None,
                format!(
                    "a whole-row reference to {} carries the masked columns {} out of reach of \
                     masking; select the columns by name",
                    entry.name,
                    masked.join(", ")
                ),
            );
        }
        Lineage::combine(&parts)
    }
}
