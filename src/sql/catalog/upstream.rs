//! A catalog filled from the upstream server: the gateway runs [`RELATIONS_QUERY`] and
//! [`FUNCTIONS_QUERY`] with its own credentials (at connect and after DDL it hears of)
//! and hands the rows to [`UpstreamCatalog::from_rows`]. View definitions are read with
//! `search_path` empty, so every name in them is schema-qualified.

use std::collections::HashMap;
use std::sync::Arc;

use super::system::SystemCatalog;
use super::{Catalog, FunctionKind, Relation, RelationKind, SecurityDefiner};
use crate::sql::names::QualifiedName;

/// Run first, in the same session: view definitions come out fully qualified.
pub const PREPARE_SESSION: &str = "SET search_path = ''";

/// One row per relation outside the system schemas: schema, name, relkind, columns
/// (JSON array in attribute order), view definition, parents (JSON array of
/// `[schema, name]`, nearest first).
pub const RELATIONS_QUERY: &str = "\
SELECT n.nspname, c.relname, c.relkind::text,
       coalesce((SELECT json_agg(a.attname ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                '[]'::json)::text,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
       coalesce((SELECT json_agg(json_build_array(pn.nspname, p.relname) ORDER BY i.inhseqno)
                 FROM pg_catalog.pg_inherits i
                 JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                 JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
                 WHERE i.inhrelid = c.oid),
                '[]'::json)::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
ORDER BY 1, 2";

/// One row per user-defined function: schema, name, `prosecdef` as `t`/`f`.
pub const FUNCTIONS_QUERY: &str = "\
SELECT DISTINCT n.nspname, p.proname, p.prosecdef::text
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2";

/// A row of [`RELATIONS_QUERY`], as text.
#[derive(Clone, Debug)]
pub struct RelationRow {
    pub schema: String,
    pub name: String,
    pub relkind: String,
    pub columns_json: String,
    pub definition: Option<String>,
    pub parents_json: String,
}

/// A row of [`FUNCTIONS_QUERY`], as text.
#[derive(Clone, Debug)]
pub struct FunctionRow {
    pub schema: String,
    pub name: String,
    pub security_definer: String,
}

/// Why the rows could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogRowError {
    #[error("relation {relation}: column list is not a JSON array of names")]
    Columns { relation: String },
    #[error("relation {relation}: parent list is not a JSON array of [schema, name]")]
    Parents { relation: String },
}

/// The upstream server's relations and user functions.
#[derive(Clone, Debug, Default)]
pub struct UpstreamCatalog {
    relations: HashMap<(String, String), Arc<Relation>>,
    functions: HashMap<(String, String), FunctionKind>,
}

impl UpstreamCatalog {
    /// Builds the catalog from the two queries' rows. Relation kinds that hold no rows
    /// (indexes, sequences, types) are skipped.
    pub fn from_rows(
        relations: &[RelationRow],
        functions: &[FunctionRow],
    ) -> Result<Self, CatalogRowError> {
        let mut catalog = UpstreamCatalog::default();
        for row in relations {
            let Some(kind) = RelationKind::from_relkind(&row.relkind) else {
                continue;
            };
            let relation = format!("{}.{}", row.schema, row.name);
            let columns: Vec<String> =
                serde_json::from_str(&row.columns_json).map_err(|_| CatalogRowError::Columns {
                    relation: relation.clone(),
                })?;
            let parents: Vec<(String, String)> = serde_json::from_str(&row.parents_json)
                .map_err(|_| CatalogRowError::Parents { relation })?;
            let relation = Relation {
                name: QualifiedName::new(&row.schema, &row.name),
                kind,
                columns,
                definition: row.definition.clone().filter(|_| kind.has_definition()),
                parents: parents
                    .into_iter()
                    .map(|(s, n)| QualifiedName::new(s, n))
                    .collect(),
            };
            catalog
                .relations
                .insert((row.schema.clone(), row.name.clone()), Arc::new(relation));
        }
        for row in functions {
            let security_definer = match row.security_definer.as_str() {
                "t" | "true" => SecurityDefiner::Definer,
                _ => SecurityDefiner::Invoker,
            };
            catalog.functions.insert(
                (row.schema.clone(), row.name.clone()),
                FunctionKind::User { security_definer },
            );
        }
        Ok(catalog)
    }
}

impl Catalog for UpstreamCatalog {
    fn relation(&self, schema: &str, name: &str) -> Option<Arc<Relation>> {
        if SystemCatalog::owns(schema) {
            return SystemCatalog::get().relation(schema, name);
        }
        self.relations
            .get(&(schema.to_owned(), name.to_owned()))
            .cloned()
    }

    fn function(&self, schema: &str, name: &str) -> Option<FunctionKind> {
        if SystemCatalog::owns(schema) {
            return SystemCatalog::get().function(schema, name);
        }
        self.functions
            .get(&(schema.to_owned(), name.to_owned()))
            .copied()
    }
}
