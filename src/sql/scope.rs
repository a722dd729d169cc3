//! Name resolution inside one query level: the FROM items (range entries) with their
//! columns' lineage, the CTEs defined here, and the enclosing level for correlated
//! references and LATERAL.

use super::lineage::Lineage;
use super::names::QualifiedName;

/// One item of a FROM clause, as the rest of the query names it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The alias, or the relation's name.
    pub name: String,
    /// The relation read, for `schema.table.column` references.
    pub relation: Option<QualifiedName>,
    /// Columns in order with their lineage.
    pub columns: Vec<(String, Lineage)>,
    /// Columns `*` does not expand (merged by `USING` / `NATURAL`).
    pub star_hidden: Vec<String>,
    /// Whether system columns (`ctid`, `xmin`, `tableoid` …) exist (base relations).
    pub system_columns: bool,
}

impl Entry {
    pub fn new(name: String, columns: Vec<(String, Lineage)>) -> Self {
        Entry {
            name,
            relation: None,
            columns,
            star_hidden: Vec::new(),
            system_columns: false,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Lineage> {
        if let Some((_, l)) = self.columns.iter().find(|(n, _)| n == name) {
            return Some(l);
        }
        (self.system_columns && SYSTEM_COLUMNS.contains(&name)).then_some(&CLEAR)
    }
}

static CLEAR: Lineage = Lineage::Computed(Vec::new());

/// System columns every table has.
const SYSTEM_COLUMNS: &[&str] = &["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"];

/// A CTE visible at some level: its name and output columns.
#[derive(Clone, Debug)]
pub struct CteDef {
    pub name: String,
    pub columns: Vec<(String, Lineage)>,
}

/// What a column name resolves to.
#[derive(Debug)]
pub enum Resolved<'s> {
    Column(&'s Lineage),
    /// The name of a FROM item: a whole-row reference.
    WholeRow(&'s Entry),
    Ambiguous,
    NotFound,
}

/// One level of names.
#[derive(Debug, Default)]
pub struct Scope<'p> {
    pub entries: Vec<Entry>,
    /// Columns merged by `USING` / `NATURAL`: unqualified names find these first.
    pub merged: Vec<(String, Lineage)>,
    pub ctes: Vec<CteDef>,
    pub parent: Option<&'p Scope<'p>>,
}

impl<'p> Scope<'p> {
    pub fn child(parent: Option<&'p Scope<'p>>) -> Self {
        Scope {
            parent,
            ..Scope::default()
        }
    }

    /// An unqualified column name (or a FROM item's name, as a whole row).
    pub fn column(&self, name: &str) -> Resolved<'_> {
        if let Some((_, l)) = self.merged.iter().find(|(n, _)| n == name) {
            return Resolved::Column(l);
        }
        let mut found = self.entries.iter().filter_map(|e| e.column(name));
        match (found.next(), found.next()) {
            (Some(l), None) => return Resolved::Column(l),
            (Some(_), Some(_)) => return Resolved::Ambiguous,
            _ => {}
        }
        if let Some(e) = self.entries.iter().find(|e| e.name == name) {
            return Resolved::WholeRow(e);
        }
        match self.parent {
            Some(p) => p.column(name),
            None => Resolved::NotFound,
        }
    }

    /// The FROM item named `qualifier` (an alias, a table name, or `schema.table`).
    pub fn entry(&self, qualifier: &[String]) -> Option<&Entry> {
        let here = self.entries.iter().find(|e| match qualifier {
            [name] => &e.name == name,
            [schema, name] => e
                .relation
                .as_ref()
                .is_some_and(|r| &r.schema == schema && &r.name == name && &e.name == name),
            _ => false,
        });
        here.or_else(|| self.parent.and_then(|p| p.entry(qualifier)))
    }

    /// The CTE named `name`, visible from here.
    pub fn cte(&self, name: &str) -> Option<&CteDef> {
        self.ctes
            .iter()
            .rev()
            .find(|c| c.name == name)
            .or_else(|| self.parent.and_then(|p| p.cte(name)))
    }
}
