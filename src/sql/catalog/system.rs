//! The relations and functions of `pg_catalog` and `information_schema` (PostgreSQL 15),
//! embedded as data: the client-side introspection of psql, pgjdbc, psycopg, asyncpg,
//! SQLAlchemy and DBeaver reads them, so the gate must resolve their columns. Also
//! which of their columns hold data values or other sessions' statement text, and so
//! are refused.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use super::{FunctionKind, Relation, RelationKind};
use crate::sql::names::QualifiedName;

const RELATIONS: &str = include_str!("system_relations.txt");
const FUNCTIONS: &str = include_str!("system_functions.txt");

/// Catalog columns that hold data values (statistics), other sessions' statement text
/// (which holds the real values of rewritten lookups) or credentials.
const REFUSED_COLUMNS: &[(&str, &str)] = &[
    ("pg_stats", "most_common_vals"),
    ("pg_stats", "most_common_elems"),
    ("pg_stats", "histogram_bounds"),
    ("pg_stats", "most_common_freqs"),
    ("pg_stats", "most_common_elem_freqs"),
    ("pg_stats", "elem_count_histogram"),
    ("pg_stats_ext", "most_common_vals"),
    ("pg_stats_ext", "most_common_val_nulls"),
    ("pg_stats_ext", "most_common_freqs"),
    ("pg_stats_ext", "most_common_base_freqs"),
    ("pg_stats_ext_exprs", "most_common_vals"),
    ("pg_stats_ext_exprs", "most_common_elems"),
    ("pg_stats_ext_exprs", "histogram_bounds"),
    ("pg_stats_ext_exprs", "most_common_freqs"),
    ("pg_stats_ext_exprs", "most_common_elem_freqs"),
    ("pg_stats_ext_exprs", "elem_count_histogram"),
    ("pg_stat_activity", "query"),
    ("pg_prepared_statements", "statement"),
    ("pg_cursors", "statement"),
    ("pg_authid", "rolpassword"),
    ("pg_shadow", "passwd"),
    ("pg_user_mapping", "umoptions"),
    ("pg_user_mappings", "umoptions"),
    ("pg_largeobject", "data"),
];

/// Catalog relations refused whole: every column is a data value.
const REFUSED_RELATIONS: &[&str] = &["pg_statistic", "pg_statistic_ext_data"];

/// Why a catalog column is refused, if it is.
pub fn refused_column(relation: &str, column: &str) -> Option<String> {
    if REFUSED_RELATIONS.contains(&relation) {
        return Some(format!(
            "pg_catalog.{relation} holds sampled data values of every column; it is not \
             readable through the gateway"
        ));
    }
    REFUSED_COLUMNS
        .iter()
        .any(|(r, c)| *r == relation && *c == column)
        .then(|| {
            format!(
                "{relation}.{column} holds data values or statement text (statistics, other \
                 sessions' queries, credentials); leave it out"
            )
        })
}

/// The embedded system catalog.
pub struct SystemCatalog {
    relations: HashMap<(String, String), Arc<Relation>>,
    functions: HashSet<String>,
}

impl SystemCatalog {
    /// The catalog, parsed once.
    pub fn get() -> &'static SystemCatalog {
        static CATALOG: OnceLock<SystemCatalog> = OnceLock::new();
        CATALOG.get_or_init(SystemCatalog::parse)
    }

    fn parse() -> SystemCatalog {
        let mut relations = HashMap::new();
        for line in RELATIONS.lines() {
            let mut fields = line.split(' ');
            let (Some(schema), Some(name), Some(_kind), Some(columns)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let relation = Relation {
                name: QualifiedName::new(schema, name),
                kind: RelationKind::Catalog,
                columns: columns.split(',').map(str::to_owned).collect(),
                definition: None,
                parents: Vec::new(),
            };
            relations.insert((schema.to_owned(), name.to_owned()), Arc::new(relation));
        }
        let functions = FUNCTIONS
            .lines()
            .map(|l| match l.split_once(' ') {
                Some((schema, name)) => format!("{schema}.{name}"),
                None => format!("pg_catalog.{l}"),
            })
            .collect();
        SystemCatalog {
            relations,
            functions,
        }
    }

    /// Whether `schema` is one this catalog answers for.
    pub fn owns(schema: &str) -> bool {
        schema == "pg_catalog" || schema == "information_schema"
    }

    pub fn relation(&self, schema: &str, name: &str) -> Option<Arc<Relation>> {
        self.relations
            .get(&(schema.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn function(&self, schema: &str, name: &str) -> Option<FunctionKind> {
        self.functions
            .contains(&format!("{schema}.{name}"))
            .then_some(FunctionKind::Builtin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_knows_pg_class_columns_in_order() {
        let class = SystemCatalog::get().relation("pg_catalog", "pg_class");
        let class = class.as_deref().map(|r| r.columns[..2].to_vec());
        assert_eq!(class, Some(vec!["oid".to_owned(), "relname".to_owned()]));
        assert!(
            SystemCatalog::get()
                .function("pg_catalog", "format_type")
                .is_some()
        );
    }

    #[test]
    fn statistics_values_are_refused_and_their_shape_is_not() {
        assert!(refused_column("pg_stats", "most_common_vals").is_some());
        assert!(refused_column("pg_stats", "null_frac").is_none());
        assert!(refused_column("pg_statistic", "starelid").is_some());
    }
}
