//! `*` and `t.*` in a select list: expanded to the columns they stand for. Columns the
//! consumer may never receive make the statement refused, naming the columns to leave
//! out — or, where the policy says `star = "omit_refused"`, the `*` is rewritten to
//! the other columns and the client is told by a notice.

use sqlparser::ast::{Expr, Ident, SelectItem, SelectItemQualifiedWildcardKind};

use super::analyser::{Analyser, Origin};
use super::error::RefusalKind;
use super::lineage::{Lineage, Sensitivity};
use super::names::parts;
use super::query::{Outputs, Rows};
use super::scope::{Entry, Scope};
use crate::config::StarPolicy;

/// A column a `*` stands for: its qualifier (`None` for a merged USING column).
struct Expanded {
    qualifier: Option<String>,
    name: String,
    lineage: Lineage,
}

/// The expansion, and the select items replacing the `*` when it was trimmed.
pub type Expansion = Option<(Outputs, Option<Vec<SelectItem>>)>;

impl Analyser<'_> {
    /// `*`: every column of every FROM item (merged USING columns once, first).
    pub fn expand_star(&mut self, level: &Scope<'_>, _q: Option<&Entry>, rows: Rows) -> Expansion {
        if rows == Rows::ExistenceOnly {
            return Some((Vec::new(), None));
        }
        let mut cols: Vec<Expanded> = level
            .merged
            .iter()
            .map(|(n, l)| Expanded {
                qualifier: None,
                name: n.clone(),
                lineage: l.clone(),
            })
            .collect();
        for e in &level.entries {
            cols.extend(entry_columns(e, true));
        }
        if cols.is_empty() {
            self.unanalysable("SELECT * with no FROM item names no column");
        }
        Some(self.judge_star(cols))
    }

    /// `t.*`.
    pub fn expand_qualified_star(
        &mut self,
        kind: &SelectItemQualifiedWildcardKind,
        level: &Scope<'_>,
        rows: Rows,
    ) -> Expansion {
        if rows == Rows::ExistenceOnly {
            return Some((Vec::new(), None));
        }
        let entry = match kind {
            SelectItemQualifiedWildcardKind::ObjectName(name) => {
                parts(name).and_then(|p| level.entry(&p))
            }
            SelectItemQualifiedWildcardKind::Expr(_) => None,
        };
        let Some(entry) = entry else {
            self.unanalysable("the qualifier of a .* names no FROM item");
            return None;
        };
        let cols = entry_columns(entry, false);
        Some(self.judge_star(cols))
    }

    fn judge_star(&mut self, cols: Vec<Expanded>) -> (Outputs, Option<Vec<SelectItem>>) {
        let refused: Vec<(String, String)> = cols
            .iter()
            .filter_map(|c| match &c.lineage {
                Lineage::Bare(r) => match &r.sensitivity {
                    Sensitivity::Refused(reason) => Some((r.source.to_string(), reason.clone())),
                    _ => None,
                },
                Lineage::Computed(_) => None,
            })
            .collect();
        if refused.is_empty() || self.origin == Origin::ViewDefinition {
            let outputs = cols
                .into_iter()
                .map(|c| (c.name, self.touch(c.lineage)))
                .collect();
            return (outputs, None);
        }
        let names: Vec<&str> = refused.iter().map(|(n, _)| n.as_str()).collect();
        if self.policy.sql.star == StarPolicy::OmitRefused {
            return self.trim_star(cols, &names);
        }
        self.refuse(
            RefusalKind::RefusedColumn,
            None,
            format!(
                "SELECT * includes {}, which consumer {} may never receive ({}); list the \
                 columns you need and leave out {}",
                names.join(", "),
                self.consumer,
                refused[0].1,
                names.join(", ")
            ),
        );
        let outputs = cols.into_iter().map(|c| (c.name, c.lineage)).collect();
        (outputs, None)
    }

    fn trim_star(
        &mut self,
        cols: Vec<Expanded>,
        refused: &[&str],
    ) -> (Outputs, Option<Vec<SelectItem>>) {
        let kept: Vec<Expanded> = cols
            .into_iter()
            .filter(|c| !matches!(&c.lineage, Lineage::Bare(r) if matches!(r.sensitivity, Sensitivity::Refused(_))))
            .collect();
        if kept.is_empty() {
            self.refuse(
                RefusalKind::RefusedColumn,
                None,
                format!(
                    "SELECT * over columns all refused for consumer {}",
                    self.consumer
                ),
            );
            return (Vec::new(), None);
        }
        self.out.notices.push(format!(
            "tuomin left out of SELECT * the columns {}, which consumer {} may never receive",
            refused.join(", "),
            self.consumer
        ));
        let items = kept
            .iter()
            .map(|c| {
                let col = Ident::with_quote('"', c.name.clone());
                SelectItem::UnnamedExpr(match &c.qualifier {
                    Some(q) => {
                        Expr::CompoundIdentifier(vec![Ident::with_quote('"', q.clone()), col])
                    }
                    None => Expr::Identifier(col),
                })
            })
            .collect();
        let outputs = kept
            .into_iter()
            .map(|c| (c.name, self.touch(c.lineage)))
            .collect();
        (outputs, Some(items))
    }
}

fn entry_columns(e: &Entry, skip_hidden: bool) -> Vec<Expanded> {
    e.columns
        .iter()
        .filter(|(n, _)| !(skip_hidden && e.star_hidden.contains(n)))
        .map(|(n, l)| Expanded {
            qualifier: Some(e.name.clone()),
            name: n.clone(),
            lineage: l.clone(),
        })
        .collect()
}
