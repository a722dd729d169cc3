//! The SQL gate as the sessions use it: one [`Gate`] per database, rebuilt when the
//! running policy or the database's catalog snapshot changes (policy reload, DDL,
//! periodic refresh), and what the server pump needs to cross-check a RowDescription.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::pg::catalog::Snapshot;
use crate::pg::codec::backend::FieldDescription;
use crate::policy::Policy;
use crate::sql::{ColumnName, Gate, QualifiedName};

struct Built {
    policy: Arc<Policy>,
    snapshot: Arc<Snapshot>,
    gate: Arc<Gate>,
}

/// The gates of every database, shared by the listener's sessions.
#[derive(Default)]
pub struct GateCache {
    databases: Mutex<HashMap<String, Built>>,
}

impl std::fmt::Debug for GateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateCache").finish_non_exhaustive()
    }
}

impl GateCache {
    /// The gate of `database` for this policy and catalog snapshot.
    pub fn gate(
        &self,
        database: &str,
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
    ) -> Arc<Gate> {
        let mut map = match self.databases.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if let Some(b) = map.get(database)
            && Arc::ptr_eq(&b.policy, policy)
            && Arc::ptr_eq(&b.snapshot, snapshot)
        {
            return Arc::clone(&b.gate);
        }
        let catalog: Arc<dyn crate::sql::Catalog> = snapshot.gate_catalog.clone();
        let gate = Arc::new(Gate::new(Arc::clone(policy), catalog));
        map.insert(
            database.to_owned(),
            Built {
                policy: Arc::clone(policy),
                snapshot: Arc::clone(snapshot),
                gate: Arc::clone(&gate),
            },
        );
        gate
    }
}

/// Each RowDescription field's source column as the catalog names it (`None` for a
/// computed column, a system column or a whole-row reference).
pub fn described_sources(
    snapshot: &Snapshot,
    fields: &[FieldDescription],
) -> Vec<Option<ColumnName>> {
    fields
        .iter()
        .map(|f| {
            if f.table_oid == 0 || f.column_attnum <= 0 {
                return None;
            }
            let rel = snapshot.relation(f.table_oid)?;
            let column = rel.columns.get(&f.column_attnum)?;
            Some(ColumnName {
                relation: QualifiedName::new(&rel.schema, &rel.name),
                column: column.clone(),
            })
        })
        .collect()
}

/// Whether the dictionary classifies `column` and the consumer does not get it as is.
pub fn is_sensitive(policy: &Policy, consumer: &str, column: &ColumnName) -> bool {
    let table = column.relation.to_string();
    policy
        .dictionary
        .get(&table)
        .is_some_and(|fields| fields.contains_key(&column.column))
        && !policy.passes(consumer, &table, &column.column)
}
