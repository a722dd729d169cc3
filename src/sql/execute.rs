//! `EXECUTE name(args)`: the verdict remembered at `PREPARE name` applies; arguments
//! that fill a masked-value lookup are reversed and substituted here.

use sqlparser::ast::{Expr, Statement, Value};

use super::analyser::Analyser;
use super::error::RefusalKind;
use super::functions::literal_text;
use super::names::parts;
use super::scope::Scope;
use super::settings::may_read;

impl Analyser<'_> {
    pub fn execute(&mut self, s: &mut Statement) {
        let Statement::Execute {
            name: Some(name),
            parameters,
            immediate: false,
            into,
            using,
            ..
        } = s
        else {
            self.unanalysable("this form of EXECUTE is not PostgreSQL");
            return;
        };
        if !into.is_empty() || !using.is_empty() {
            self.unanalysable("EXECUTE … INTO / USING is not PostgreSQL");
            return;
        }
        let name = parts(name).map(|p| p.join(".")).unwrap_or_default();
        let Some(stored) = self.session.prepared(&name).cloned() else {
            self.refuse(
                RefusalKind::Unanalysable,
                None,
                format!(
                    "the prepared statement {name} was not prepared through the gate in this \
                     session; PREPARE it first"
                ),
            );
            return;
        };
        let scope = Scope::default();
        for p in parameters.iter_mut() {
            let l = self.expr(p, &scope);
            self.consume(&l, "as an EXECUTE argument");
        }
        if let Some(first) = stored.statements.first() {
            self.out.columns = first.columns.clone();
            self.out.notices = first.notices.clone();
            self.out.lookups = first.lookups.clone();
        }
        for lookup in stored.param_lookups() {
            self.execute_lookup(lookup, parameters);
        }
        for param in stored.param_settings() {
            let name = parameters.get(param - 1).and_then(literal_text);
            match name.map(|n| may_read(&n.to_lowercase())) {
                Some(Ok(())) => {}
                Some(Err(reason)) => self.refuse(RefusalKind::Forbidden, None, reason),
                None => self.refuse(
                    RefusalKind::SessionState,
                    None,
                    format!(
                        "EXECUTE argument {param} names the parameter current_setting() reads \
                         and must be a literal"
                    ),
                ),
            }
        }
    }

    fn execute_lookup(
        &mut self,
        lookup: &super::analysis::ParamLookup,
        parameters: &mut Vec<Expr>,
    ) {
        let text = parameters.get(lookup.param - 1).and_then(literal_text);
        let Some(text) = text else {
            self.refuse(
                RefusalKind::Lookup,
                Some(&lookup.column),
                format!(
                    "EXECUTE argument {} fills a lookup on {} and must be a literal pseudonym",
                    lookup.param, lookup.column
                ),
            );
            return;
        };
        let table = lookup.column.relation.to_string();
        let candidates =
            match self
                .policy
                .lookup(self.consumer, &table, &lookup.column.column, &text)
            {
                Ok(c) => c,
                Err(e) => {
                    self.refuse(RefusalKind::Lookup, Some(&lookup.column), e.to_string());
                    return;
                }
            };
        let value = |i: usize| {
            let v = candidates
                .get(i)
                .or(candidates.first())
                .map(|c| c.value.clone());
            Expr::Value(Value::SingleQuotedString(v.unwrap_or_default()).with_empty_span())
        };
        parameters[lookup.param - 1] = value(0);
        for (i, extra) in lookup.extra.iter().enumerate() {
            while parameters.len() < *extra {
                parameters.push(Expr::Value(Value::Null.with_empty_span()));
            }
            parameters[*extra - 1] = value(i + 1);
        }
        self.rewritten = true;
    }
}
