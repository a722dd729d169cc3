//! Comparisons: equality is the one use of a masked column besides returning it. A
//! masked column equal to a literal or a parameter is a masked-value lookup (the
//! pseudonym is reversed and the real value substituted: deterministic, reversible
//! transforms only); equal to another masked column, a join within one pseudonym
//! domain. Every other operator on a masked column is refused.

use sqlparser::ast::{BinaryOperator, Expr, Query, Value};

use super::analyser::{Analyser, Origin};
use super::analysis::{LookupInput, LookupNote, ParamLookup};
use super::error::RefusalKind;
use super::lineage::{ColumnRef, Determinism, Lineage, Masking, Reversibility};
use super::query::Rows;
use super::scope::Scope;

/// What a pseudonym in the text is.
enum Pseudonym {
    Text(String),
    Param(usize),
}

impl Analyser<'_> {
    pub fn binary(&mut self, e: &mut Expr, scope: &Scope<'_>) -> Lineage {
        let Expr::BinaryOp { left, op, right } = e else {
            return Lineage::clear();
        };
        if *op != BinaryOperator::Eq {
            let what = format!("with the operator {op}");
            return self.operands(vec![left, right], scope, &what);
        }
        let l = self.expr(left, scope);
        let r = self.expr(right, scope);
        let replacement = match (l.bare_masked(), r.bare_masked()) {
            (Some(_), Some(_)) => {
                self.equal_columns(&l, &r, "compared with =");
                None
            }
            (Some((c, m)), None) if pseudonym(right).is_some() => self
                .lookup(c, m, right)
                .map(|values| (left.as_ref().clone(), values)),
            (None, Some((c, m))) if pseudonym(left).is_some() => self
                .lookup(c, m, left)
                .map(|values| (right.as_ref().clone(), values)),
            _ => {
                for side in [&l, &r] {
                    self.consume(side, "compared with = to something that is neither a pseudonym nor a column of its domain");
                }
                None
            }
        };
        if let Some((column, values)) = replacement {
            *e = Expr::InList {
                expr: Box::new(column),
                list: values,
                negated: false,
            };
        }
        Lineage::clear()
    }

    /// `col IN (…)`: with a masked column, every item must be a pseudonym.
    pub fn in_list(&mut self, e: &mut Expr, scope: &Scope<'_>) -> Lineage {
        let Expr::InList { expr, list, .. } = e else {
            return Lineage::clear();
        };
        let l = self.expr(expr, scope);
        let Some((c, m)) = l.bare_masked() else {
            self.consume(&l, "in IN (…)");
            let items: Vec<&mut Expr> = list.iter_mut().collect();
            self.operands(items, scope, "in IN (…)");
            return Lineage::clear();
        };
        let mut new_list = Vec::with_capacity(list.len());
        for item in list.iter_mut() {
            if pseudonym(item).is_none() {
                self.consume(&l, "in IN (…) with an item that is not a pseudonym");
                return Lineage::clear();
            }
            match self.lookup(c, m, item) {
                Some(values) => new_list.extend(values),
                None => new_list.push(item.clone()),
            }
        }
        if new_list.len() != list.len() {
            *list = new_list;
        }
        Lineage::clear()
    }

    /// `col IN (SELECT …)`: a semi-join, judged like an equality join.
    pub fn in_subquery(&mut self, expr: &mut Expr, q: &mut Query, scope: &Scope<'_>) -> Lineage {
        let l = self.expr(expr, scope);
        let outputs = self.query(q, Some(scope), Rows::Used);
        match outputs.as_slice() {
            [(_, r)] if l.bare_masked().is_some() || r.bare_masked().is_some() => {
                self.equal_columns(&l, r, "in IN (SELECT …)");
            }
            _ => {
                self.consume(&l, "in IN (SELECT …)");
                for (_, r) in &outputs {
                    self.consume(r, "as the result of a subquery in IN (SELECT …)");
                }
            }
        }
        Lineage::clear()
    }

    /// Two columns compared for equality (joins, USING, IN (SELECT)): allowed when
    /// neither is masked, or both are bare masked columns of one deterministic domain.
    pub fn equal_columns(&mut self, l: &Lineage, r: &Lineage, what: &str) {
        match (l.bare_masked(), r.bare_masked()) {
            (None, None) => {
                self.consume(l, what);
                self.consume(r, what);
            }
            (Some((a, ma)), Some((b, mb))) if same_domain(ma, mb) => {
                let _ = (a, b);
            }
            (Some((a, ma)), Some((b, mb))) => {
                let reason = format!(
                    "{} and {} are compared {what}, but their pseudonyms are not of one \
                     deterministic domain ({} / {}); only columns sharing a domain can be joined",
                    a.source, b.source, ma.domain, mb.domain
                );
                let source = a.source.clone();
                self.refuse(RefusalKind::MaskedUse, Some(&source), reason);
            }
            _ => {
                let what = format!("{what} with a column that is not of its pseudonym domain");
                self.consume(l, &what);
                self.consume(r, &what);
            }
        }
    }

    /// A masked-value lookup of the pseudonym in `slot`: the replacement values (real
    /// values, or parameters) — `None` when refused or nothing is to change.
    fn lookup(&mut self, c: &ColumnRef, m: &Masking, slot: &mut Expr) -> Option<Vec<Expr>> {
        if self.origin == Origin::ViewDefinition {
            return None;
        }
        if m.deterministic != Determinism::Deterministic
            || m.reversible != Reversibility::Reversible
        {
            let reason = format!(
                "{} is masked with {} for consumer {}, which cannot be reversed, so a value \
                 compared with it cannot be looked up as a pseudonym; equality on it is refused",
                c.source, m.transform, self.consumer
            );
            self.refuse(RefusalKind::MaskedUse, Some(&c.source), reason);
            return None;
        }
        match pseudonym(slot)? {
            Pseudonym::Text(text) => self.lookup_text(c, &text, slot),
            Pseudonym::Param(n) => self.lookup_param(c, n, slot),
        }
    }

    fn lookup_text(&mut self, c: &ColumnRef, text: &str, slot: &Expr) -> Option<Vec<Expr>> {
        let table = c.source.relation.to_string();
        match self
            .policy
            .lookup(self.consumer, &table, &c.source.column, text)
        {
            Ok(candidates) => {
                self.rewritten = true;
                self.note(c, LookupInput::Literal);
                Some(
                    candidates
                        .into_iter()
                        .map(|cand| with_value(slot, Value::SingleQuotedString(cand.value)))
                        .collect(),
                )
            }
            Err(e) => {
                self.refuse(RefusalKind::Lookup, Some(&c.source), e.to_string());
                None
            }
        }
    }

    fn lookup_param(&mut self, c: &ColumnRef, n: usize, slot: &Expr) -> Option<Vec<Expr>> {
        let versions = self
            .policy
            .field_rule(self.consumer, &c.source.to_string())
            .map_or(1, |r| r.previous.len() + 1);
        let extra: Vec<usize> = (1..versions)
            .map(|_| {
                let p = self.next_param;
                self.next_param += 1;
                p
            })
            .collect();
        self.note(c, LookupInput::Parameter);
        self.out.param_lookups.push(ParamLookup {
            param: n,
            extra: extra.clone(),
            column: c.source.clone(),
        });
        if extra.is_empty() {
            return None;
        }
        self.rewritten = true;
        let mut values = vec![slot.clone()];
        values.extend(
            extra
                .iter()
                .map(|p| with_value(slot, Value::Placeholder(format!("${p}")))),
        );
        Some(values)
    }

    fn note(&mut self, c: &ColumnRef, input: LookupInput) {
        self.touched_sensitive = true;
        if let Some(n) = self
            .out
            .lookups
            .iter_mut()
            .find(|n| n.column == c.source && n.input == input)
        {
            n.pseudonyms += 1;
            return;
        }
        self.out.lookups.push(LookupNote {
            column: c.source.clone(),
            input,
            pseudonyms: 1,
        });
    }
}

fn same_domain(a: &Masking, b: &Masking) -> bool {
    a.domain == b.domain
        && a.deterministic == Determinism::Deterministic
        && b.deterministic == Determinism::Deterministic
}

/// The pseudonym written at `e`: a string or number literal, or a parameter, possibly
/// under casts and parentheses.
fn pseudonym(e: &Expr) -> Option<Pseudonym> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) | Value::Number(s, _) => {
                Some(Pseudonym::Text(s.clone()))
            }
            Value::DollarQuotedString(d) => Some(Pseudonym::Text(d.value.clone())),
            Value::Placeholder(p) => p
                .strip_prefix('$')
                .and_then(|n| n.parse().ok())
                .map(Pseudonym::Param),
            _ => None,
        },
        Expr::Cast { expr, .. } | Expr::Nested(expr) => pseudonym(expr),
        _ => None,
    }
}

/// A copy of `e` with its literal or parameter replaced by `value`.
fn with_value(e: &Expr, value: Value) -> Expr {
    match e {
        Expr::Cast {
            kind,
            expr,
            data_type,
            format,
        } => Expr::Cast {
            kind: kind.clone(),
            expr: Box::new(with_value(expr, value)),
            data_type: data_type.clone(),
            format: format.clone(),
        },
        Expr::Nested(inner) => Expr::Nested(Box::new(with_value(inner, value))),
        _ => Expr::Value(value.with_empty_span()),
    }
}
