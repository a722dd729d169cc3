//! A catalog built from the policy's dictionary, completed by DDL (the demo schema,
//! views, partitions): what the gate knows without asking the upstream server. Column
//! order comes from the DDL where there is one, else from the dictionary (alphabetical).

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast::{CreateTable, CreateView, ObjectName, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::system::SystemCatalog;
use super::{Catalog, FunctionKind, Relation, RelationKind};
use crate::policy::Policy;
use crate::sql::names::{QualifiedName, fold, parts};

/// Relations from the dictionary and DDL; functions declared by hand.
#[derive(Clone, Debug, Default)]
pub struct DictionaryCatalog {
    relations: HashMap<(String, String), Arc<Relation>>,
    functions: HashMap<(String, String), FunctionKind>,
}

/// Why DDL could not be read into the catalog.
#[derive(Debug, thiserror::Error)]
pub enum DdlError {
    #[error("the DDL does not parse: {0}")]
    Parse(String),
    #[error("the DDL names a relation the gate cannot place: {0}")]
    Name(String),
}

impl DictionaryCatalog {
    /// Every table of the policy's dictionary (except JSON keys).
    pub fn from_policy(policy: &Policy) -> Self {
        let mut catalog = DictionaryCatalog::default();
        for (table, columns) in &policy.dictionary {
            let Some((schema, name)) = table.split_once('.') else {
                continue;
            };
            catalog.insert(Relation {
                name: QualifiedName::new(schema, name),
                kind: RelationKind::Table,
                columns: columns.keys().cloned().collect(),
                definition: None,
                parents: Vec::new(),
            });
        }
        catalog
    }

    /// The dictionary completed with the demo bank's schema.
    pub fn demo(policy: &Policy) -> Result<Self, DdlError> {
        let mut catalog = Self::from_policy(policy);
        catalog.add_ddl(crate::demo::SCHEMA_SQL)?;
        Ok(catalog)
    }

    /// Adds or replaces a relation.
    pub fn insert(&mut self, relation: Relation) {
        let key = (relation.name.schema.clone(), relation.name.name.clone());
        self.relations.insert(key, Arc::new(relation));
    }

    /// Declares a user-defined function.
    pub fn add_function(&mut self, schema: &str, name: &str, kind: FunctionKind) {
        self.functions
            .insert((schema.to_owned(), name.to_owned()), kind);
    }

    /// Reads `CREATE TABLE` (with `INHERITS` / `PARTITION OF`) and `CREATE [MATERIALIZED]
    /// VIEW` statements; unqualified names are in `public`. Other statements are ignored.
    pub fn add_ddl(&mut self, sql: &str) -> Result<(), DdlError> {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .map_err(|e| DdlError::Parse(e.to_string()))?;
        for statement in statements {
            match statement {
                Statement::CreateTable(table) => self.add_table(&table)?,
                Statement::CreateView(view) => self.add_view(&view)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn add_table(&mut self, table: &CreateTable) -> Result<(), DdlError> {
        let name = qualified(&table.name)?;
        let mut parents = Vec::new();
        for parent in table.inherits.iter().flatten().chain(&table.partition_of) {
            parents.push(qualified(parent)?);
        }
        let mut columns: Vec<String> = table.columns.iter().map(|c| fold(&c.name)).collect();
        if columns.is_empty() {
            // A partition takes its parent's columns.
            if let Some(parent) = parents.first().and_then(|p| self.get(p)) {
                columns = parent.columns.clone();
            }
        }
        self.insert(Relation {
            name,
            kind: RelationKind::Table,
            columns,
            definition: None,
            parents,
        });
        Ok(())
    }

    fn add_view(&mut self, view: &CreateView) -> Result<(), DdlError> {
        let name = qualified(&view.name)?;
        let kind = if view.materialized {
            RelationKind::MaterializedView
        } else {
            RelationKind::View
        };
        let mut columns: Vec<String> = view.columns.iter().map(|c| fold(&c.name)).collect();
        if columns.is_empty() {
            columns = crate::sql::output_names(&view.query);
        }
        self.insert(Relation {
            name,
            kind,
            columns,
            definition: Some(view.query.to_string()),
            parents: Vec::new(),
        });
        Ok(())
    }

    fn get(&self, name: &QualifiedName) -> Option<Arc<Relation>> {
        self.relation(&name.schema, &name.name)
    }
}

fn qualified(name: &ObjectName) -> Result<QualifiedName, DdlError> {
    match parts(name).as_deref() {
        Some([table]) => Ok(QualifiedName::new("public", table.clone())),
        Some([schema, table]) => Ok(QualifiedName::new(schema.clone(), table.clone())),
        _ => Err(DdlError::Name(name.to_string())),
    }
}

impl Catalog for DictionaryCatalog {
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
