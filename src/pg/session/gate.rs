//! The SQL gate as the sessions use it: one [`Gate`] per database, rebuilt when the
//! running policy or the database's catalog snapshot changes (policy reload, DDL,
//! periodic refresh), and what the server pump needs to cross-check a RowDescription.
//!
//! [`SessionGate`] is one client pump's way to it: the policy, the snapshot and the
//! gate are held between statements and fetched again only when one of them changed,
//! and the analysis of the last statement text is kept for a driver that sends one
//! text over and over (every Parse of `pgbench -M extended`, every `execute` of an
//! ORM), as is the analysis of the last shape for one that sends the same statement
//! with new literals each time (simple-protocol clients, ORMs inlining values) — with
//! no shared lock, map or reference count taken per statement.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{HeldPolicy, PolicySource, SharedSession, lock};
use crate::pg::catalog::{DatabaseCatalog, Snapshot};
use crate::pg::codec::backend::FieldDescription;
use crate::pg::error::PgError;
use crate::policy::Policy;
use crate::sql::shape::{Shape, shape_of};
use crate::sql::{
    Analysis, ColumnName, Gate, Keep, QualifiedName, SearchPath, SessionState, TransactionStatus,
};

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

/// The SQL gate as one session's client pump reaches it (see the module docs).
pub struct SessionGate {
    source: Arc<dyn PolicySource>,
    policy: HeldPolicy,
    catalog: DatabaseCatalog,
    /// The database's name, the gates' key.
    database: String,
    gates: Arc<GateCache>,
    held: Option<Built>,
    last: Option<LastAnalysis>,
}

/// What the last analysis on the held gate is kept for: its exact text, or every
/// text of its shape.
enum KeptFor {
    Text(Arc<str>),
    Shape(Shape),
}

/// The analysis of the last text analysed on the held gate, and what else it was
/// analysed for (the gate's cache key, but for the consumer: one per pump).
struct LastAnalysis {
    kept_for: KeptFor,
    search_path: SearchPath,
    upstream_user: String,
    in_transaction: bool,
    analysis: Arc<Analysis>,
    /// Whether `analysis` is this session's own copy (see [`SessionGate::analyse`]).
    own: bool,
}

impl LastAnalysis {
    /// Whether it is the analysis of `text` (whose shape, taken when it was needed,
    /// is in `shape`) in `session`.
    fn is_for(
        &self,
        text: &str,
        shape: &mut Option<Option<Shape>>,
        session: &SessionState,
    ) -> bool {
        let same = match &self.kept_for {
            KeptFor::Text(kept) => **kept == *text,
            KeptFor::Shape(kept) => {
                shape.get_or_insert_with(|| shape_of(text)).as_ref() == Some(kept)
            }
        };
        same && self.in_transaction == (session.transaction() != TransactionStatus::Idle)
            && self.search_path == *session.search_path()
            && self.upstream_user == session.upstream_user()
    }
}

impl SessionGate {
    pub fn new(
        source: Arc<dyn PolicySource>,
        catalog: DatabaseCatalog,
        gates: Arc<GateCache>,
    ) -> Self {
        SessionGate {
            policy: HeldPolicy::new(&*source),
            source,
            database: catalog.name().to_owned(),
            catalog,
            gates,
            held: None,
            last: None,
        }
    }

    /// The gate for the running policy and the database's current catalog.
    pub async fn gate(&mut self) -> Result<&Arc<Gate>, PgError> {
        Ok(self.refresh().await?.0)
    }

    /// The held gate, rebuilt (and the last analysis forgotten) when the policy or
    /// the snapshot changed; and the last analysis.
    async fn refresh(&mut self) -> Result<(&Arc<Gate>, &mut Option<LastAnalysis>), PgError> {
        let policy = self.policy.current(&*self.source);
        let snapshot = self.catalog.snapshot().await?;
        let held = match self.held.take() {
            Some(b) if Arc::ptr_eq(&b.policy, policy) && Arc::ptr_eq(&b.snapshot, snapshot) => b,
            _ => {
                self.last = None;
                Built {
                    gate: self.gates.gate(&self.database, policy, snapshot),
                    policy: Arc::clone(policy),
                    snapshot: Arc::clone(snapshot),
                }
            }
        };
        Ok((&self.held.insert(held).gate, &mut self.last))
    }

    /// The gate's analysis of `sql` for `consumer` in `session`: the last one when
    /// the gate and everything it was analysed for are the same, and `sql` is its text
    /// or a text of its shape (the analysis the gate gives every text of that shape).
    /// An analysis met twice in a row becomes this session's own copy, so that the
    /// references the pumps take to it per message are not on a counter shared with
    /// the sessions of the other connection threads.
    pub async fn analyse(
        &mut self,
        consumer: &str,
        sql: &Arc<str>,
        session: &SharedSession,
    ) -> Result<Arc<Analysis>, PgError> {
        let (gate, last) = self.refresh().await?;
        let session = lock(session);
        // `sql`'s shape, once it is needed (at most once).
        let mut shape = None;
        if let Some(kept) = last
            && kept.is_for(sql, &mut shape, &session)
        {
            if !kept.own {
                kept.analysis = Arc::new(Analysis::clone(&kept.analysis));
                kept.own = true;
            }
            return Ok(Arc::clone(&kept.analysis));
        }
        let shape = shape.unwrap_or_else(|| shape_of(sql));
        let (analysis, keep) = gate.analyse_shaped(consumer, sql, &session, shape);
        let kept_for = match keep {
            Keep::No => None,
            Keep::Text => Some(KeptFor::Text(Arc::clone(sql))),
            Keep::Shape(shape) => Some(KeptFor::Shape(shape)),
        };
        *last = kept_for.map(|kept_for| LastAnalysis {
            kept_for,
            search_path: session.search_path().clone(),
            upstream_user: session.upstream_user().to_owned(),
            in_transaction: session.transaction() != TransactionStatus::Idle,
            analysis: Arc::clone(&analysis),
            own: false,
        });
        Ok(analysis)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(kept_for: KeptFor, session: &SessionState) -> LastAnalysis {
        LastAnalysis {
            kept_for,
            search_path: session.search_path().clone(),
            upstream_user: session.upstream_user().to_owned(),
            in_transaction: session.transaction() != TransactionStatus::Idle,
            analysis: Arc::new(Analysis::new(vec![], None)),
            own: false,
        }
    }

    #[test]
    fn a_kept_analysis_is_for_its_text_or_shape_in_the_same_session_state_only() {
        let session = SessionState::new("postgres");
        let text = kept(KeptFor::Text("select 1".into()), &session);
        let mut shape = None;
        assert!(text.is_for("select 1", &mut shape, &session));
        assert!(shape.is_none(), "no shape taken for an exact text");
        assert!(!text.is_for("select 2", &mut None, &session));

        let by_shape = kept(
            KeptFor::Shape(shape_of("select a from t where id = 1").unwrap()),
            &session,
        );
        assert!(by_shape.is_for("select a from t where id = 42", &mut None, &session));
        assert!(!by_shape.is_for("select b from t where id = 42", &mut None, &session));
        assert!(
            !by_shape.is_for("select a from t where id = 'x'", &mut None, &session),
            "a string is not a number"
        );

        let mut moved = SessionState::new("postgres");
        moved.set_search_path(SearchPath::parse("shadow, public").unwrap());
        assert!(
            !text.is_for("select 1", &mut None, &moved),
            "another search path"
        );
        let mut in_block = SessionState::new("postgres");
        in_block.set_transaction(TransactionStatus::InBlock);
        assert!(
            !text.is_for("select 1", &mut None, &in_block),
            "inside a block"
        );
        let other = SessionState::new("reporting");
        assert!(!text.is_for("select 1", &mut None, &other), "another login");
    }
}
