//! What the gate knows of the database's objects: relations (kind, columns in order,
//! view definitions, parents) and functions. [`Catalog`] is the one question the
//! analysis asks; [`DictionaryCatalog`] answers it from the policy's dictionary (plus
//! DDL such as the demo schema), [`UpstreamCatalog`] from the upstream server's own
//! catalog (loaded with [`upstream::RELATIONS_QUERY`] and [`upstream::FUNCTIONS_QUERY`]).
//! Both answer `pg_catalog` and `information_schema` from [`system`].

mod dictionary;
pub mod system;
pub mod upstream;

use std::sync::Arc;

pub use dictionary::DictionaryCatalog;
pub use upstream::UpstreamCatalog;

use super::names::QualifiedName;

/// The kind of a relation (`pg_class.relkind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
    Partitioned,
    Foreign,
    /// A relation of `pg_catalog` or `information_schema`.
    Catalog,
}

impl RelationKind {
    /// From `pg_class.relkind`; `None` for kinds that hold no rows a query reads.
    pub fn from_relkind(relkind: &str) -> Option<Self> {
        match relkind {
            "r" => Some(RelationKind::Table),
            "v" => Some(RelationKind::View),
            "m" => Some(RelationKind::MaterializedView),
            "p" => Some(RelationKind::Partitioned),
            "f" => Some(RelationKind::Foreign),
            _ => None,
        }
    }

    /// Whether the relation's rows are computed by a stored query.
    pub fn has_definition(self) -> bool {
        matches!(self, RelationKind::View | RelationKind::MaterializedView)
    }
}

/// A relation a query can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    pub name: QualifiedName,
    pub kind: RelationKind,
    /// Column names in attribute order.
    pub columns: Vec<String>,
    /// The view's (or materialized view's) query, schema-qualified.
    pub definition: Option<String>,
    /// Parents by inheritance or partitioning, nearest first.
    pub parents: Vec<QualifiedName>,
}

/// What the catalog knows of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// A function of `pg_catalog` (built into PostgreSQL).
    Builtin,
    /// A user-defined function; the gate cannot see what it reads.
    User { security_definer: SecurityDefiner },
}

/// Whether a function runs with its owner's privileges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityDefiner {
    Invoker,
    Definer,
}

/// The questions the analysis asks about database objects.
pub trait Catalog: Send + Sync {
    /// The relation `schema.name` (both folded), if it exists.
    fn relation(&self, schema: &str, name: &str) -> Option<Arc<Relation>>;

    /// The function `schema.name`, if it exists.
    fn function(&self, schema: &str, name: &str) -> Option<FunctionKind>;
}
