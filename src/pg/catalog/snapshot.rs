//! [`Snapshot`]: one database's relations and columns, and what is sensitive to name.

use std::sync::Arc;
use std::time::Instant;

// foldhash: looked up on every result description (by OID, by attnum); the keys come
// from the upstream's own catalog.
use foldhash::{HashMap, HashMapExt, HashSet};

use crate::pg::error::PgError;
use crate::pg::upstream::simple::TextRows;
use crate::sql::UpstreamCatalog;
use crate::sql::catalog::upstream::{FunctionRow, RelationRow};

/// The catalog query: relations with their columns, then user-defined function names.
pub const CATALOG_QUERY: &str = "\
SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, a.attnum, a.attname \
FROM pg_catalog.pg_class c \
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
WHERE c.relkind IN ('r','v','m','p','f'); \
SELECT DISTINCT p.proname FROM pg_catalog.pg_proc p \
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
WHERE n.nspname NOT IN ('pg_catalog','information_schema')";

/// The SQL gate's catalog, read in the same upstream session after [`CATALOG_QUERY`]
/// (view definitions with `search_path` empty, so fully qualified).
pub fn gate_catalog_query() -> String {
    use crate::sql::catalog::upstream::{FUNCTIONS_QUERY, PREPARE_SESSION, RELATIONS_QUERY};
    format!("{PREPARE_SESSION}; {RELATIONS_QUERY}; {FUNCTIONS_QUERY}")
}

/// `pg_class.relkind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelKind {
    /// `r`
    Table,
    /// `p`
    PartitionedTable,
    /// `v`
    View,
    /// `m`
    MaterializedView,
    /// `f`
    ForeignTable,
}

impl RelKind {
    fn from_code(code: &str) -> Option<RelKind> {
        Some(match code {
            "r" => RelKind::Table,
            "p" => RelKind::PartitionedTable,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            "f" => RelKind::ForeignTable,
            _ => return None,
        })
    }

    /// Views and foreign tables hold no data of their own: their columns are
    /// attributed only when the dictionary classifies the object itself.
    pub fn is_derived(self) -> bool {
        matches!(
            self,
            RelKind::View | RelKind::MaterializedView | RelKind::ForeignTable
        )
    }
}

/// One relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    /// `pg_namespace.nspname`.
    pub schema: String,
    /// `pg_class.relname`.
    pub name: String,
    /// Its kind.
    pub kind: RelKind,
    /// attnum → column name.
    pub columns: HashMap<i16, String>,
}

/// Statistics relations: their values are samples of every column.
const STATISTICS: &[&str] = &[
    "pg_statistic",
    "pg_stats",
    "pg_stats_ext",
    "pg_stats_ext_exprs",
    "pg_statistic_ext_data",
];

impl Relation {
    /// `schema.table`, as the dictionary names it.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// In `pg_catalog` or `information_schema`.
    pub fn is_system(&self) -> bool {
        is_system_schema(&self.schema)
    }

    /// A statistics table or view (sampled values of every column).
    pub fn is_statistics(&self) -> bool {
        self.is_system() && STATISTICS.contains(&self.name.as_str())
    }
}

fn is_system_schema(schema: &str) -> bool {
    matches!(schema, "pg_catalog" | "information_schema") || schema.starts_with("pg_toast")
}

/// One database's catalog at one moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    relations: HashMap<u32, Relation>,
    /// Lower-cased names of non-system relations → their OIDs.
    user_relations: HashMap<String, Vec<u32>>,
    /// Names of user-defined functions.
    user_functions: HashSet<String>,
    /// When it was read.
    pub loaded: Instant,
    /// The SQL gate's view of the same database.
    pub gate_catalog: Arc<UpstreamCatalog>,
}

impl Snapshot {
    /// Builds a snapshot from the two result sets of [`CATALOG_QUERY`].
    pub fn from_rows(results: &[TextRows]) -> Result<Self, PgError> {
        let bad = || PgError::UpstreamProtocol("unexpected catalog query result".into());
        let (rels, funcs, gate) = match results {
            [rels, funcs] => (rels, funcs, None),
            [rels, funcs, gate_rels, gate_funcs] => (rels, funcs, Some((gate_rels, gate_funcs))),
            _ => return Err(bad()),
        };
        let mut relations: HashMap<u32, Relation> = HashMap::new();
        for row in rels {
            let [
                Some(oid),
                Some(schema),
                Some(name),
                Some(kind),
                attnum,
                attname,
            ] = row.as_slice()
            else {
                return Err(bad());
            };
            let oid: u32 = oid.parse().map_err(|_| bad())?;
            let Some(kind) = RelKind::from_code(kind) else {
                continue;
            };
            let rel = relations.entry(oid).or_insert_with(|| Relation {
                schema: schema.clone(),
                name: name.clone(),
                kind,
                columns: HashMap::new(),
            });
            if let (Some(n), Some(col)) = (attnum, attname) {
                rel.columns
                    .insert(n.parse().map_err(|_| bad())?, col.clone());
            }
        }
        let user_functions = funcs
            .iter()
            .filter_map(|r| r.first().cloned().flatten())
            .collect();
        let mut snapshot = Self::new(relations, user_functions);
        if let Some((gate_rels, gate_funcs)) = gate {
            snapshot.gate_catalog = Arc::new(gate_catalog(gate_rels, gate_funcs)?);
        }
        Ok(snapshot)
    }

    /// A snapshot of these relations and functions.
    pub fn new(relations: HashMap<u32, Relation>, user_functions: HashSet<String>) -> Self {
        let mut user_relations: HashMap<String, Vec<u32>> = HashMap::new();
        for (oid, rel) in &relations {
            if !rel.is_system() {
                user_relations
                    .entry(rel.name.to_lowercase())
                    .or_default()
                    .push(*oid);
            }
        }
        Snapshot {
            relations,
            user_relations,
            user_functions,
            loaded: Instant::now(),
            gate_catalog: Arc::new(UpstreamCatalog::default()),
        }
    }

    /// The relation with this OID.
    pub fn relation(&self, oid: u32) -> Option<&Relation> {
        self.relations.get(&oid)
    }

    /// Non-system relations of this (lower-cased or quoted) name.
    pub fn user_relations_named(&self, name: &str) -> impl Iterator<Item = &Relation> {
        self.user_relations
            .get(name)
            .or_else(|| self.user_relations.get(&name.to_lowercase()))
            .into_iter()
            .flatten()
            .filter_map(|oid| self.relations.get(oid))
    }

    /// System relations of this name (statistics views named in a statement).
    pub fn system_relation_named(&self, name: &str) -> Option<&Relation> {
        self.relations
            .values()
            .find(|r| r.is_system() && r.name == name)
    }

    /// Whether `name` is a user-defined function.
    pub fn is_user_function(&self, name: &str) -> bool {
        self.user_functions.contains(name)
    }

    /// How many relations it knows.
    pub fn len(&self) -> usize {
        self.relations.len()
    }

    /// Whether it knows none.
    pub fn is_empty(&self) -> bool {
        self.relations.is_empty()
    }
}

/// The gate's catalog from the rows of [`gate_catalog_query`].
fn gate_catalog(rels: &TextRows, funcs: &TextRows) -> Result<UpstreamCatalog, PgError> {
    let bad = |what: &str| PgError::UpstreamProtocol(format!("unexpected gate catalog {what}"));
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut relations = Vec::with_capacity(rels.len());
    for row in rels {
        let [schema, name, relkind, columns, definition, parents] = row.as_slice() else {
            return Err(bad("relation row"));
        };
        relations.push(RelationRow {
            schema: text(schema),
            name: text(name),
            relkind: text(relkind),
            columns_json: text(columns),
            definition: definition.clone(),
            parents_json: text(parents),
        });
    }
    let mut functions = Vec::with_capacity(funcs.len());
    for row in funcs {
        let [schema, name, secdef] = row.as_slice() else {
            return Err(bad("function row"));
        };
        functions.push(FunctionRow {
            schema: text(schema),
            name: text(name),
            security_definer: text(secdef),
        });
    }
    UpstreamCatalog::from_rows(&relations, &functions).map_err(|e| bad(&e.to_string()))
}
