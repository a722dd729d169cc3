//! [`PlanCache`]: the row plans one session has built, reused for the next result
//! with the same description. A plan depends only on the RowDescription, the policy,
//! the catalog snapshot, the gate's attribution of the columns and — for computed
//! columns the gate did not check — the statement text; the key holds the first and
//! the last two, and the cache empties itself whenever the running policy or the
//! database's snapshot is another one (reload, DDL, refresh, catalog miss).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use crate::pg::catalog::Snapshot;
use crate::pg::codec::backend::RowDescription;
use crate::pg::rows::RowPlan;
use crate::policy::Policy;

/// Plans kept per session (the cache empties when full: sessions that run more
/// distinct result shapes than this rebuild them, as without a cache).
const CAPACITY: usize = 256;

/// A plan, or the refusal message of the statement.
pub type CachedPlan = Result<Arc<RowPlan>, String>;

/// Everything a plan depends on besides the policy and the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlanKey {
    /// The RowDescription message as received.
    description: Bytes,
    /// The gate's (relation, column) per output column, when it checked them.
    gate_sources: Option<Vec<Option<(String, String)>>>,
    /// The statement, when the plan reads it (computed columns the gate did not check).
    statement: Option<Arc<str>>,
}

impl PlanKey {
    /// The key of the plan for `description` (`raw`: its message bytes).
    pub fn new(
        raw: Bytes,
        description: &RowDescription,
        gate_sources: Option<Vec<Option<(String, String)>>>,
        statement: &Arc<str>,
    ) -> Self {
        let reads_statement =
            gate_sources.is_none() && description.fields.iter().any(|f| f.table_oid == 0);
        PlanKey {
            description: raw,
            gate_sources,
            statement: reads_statement.then(|| Arc::clone(statement)),
        }
    }

    /// The gate's (relation, column) per output column; empty when it did not check
    /// them.
    pub fn gate_sources(&self) -> &[Option<(String, String)>] {
        self.gate_sources.as_deref().unwrap_or_default()
    }
}

/// The plans of one session for one policy and one catalog snapshot.
#[derive(Default)]
pub struct PlanCache {
    built_from: Option<(Arc<Policy>, Arc<Snapshot>)>,
    /// foldhash: the key is a description of ~100 bytes and a few names, hashed once
    /// per result; the map holds at most [`CAPACITY`] plans, so colliding keys cost
    /// little more than a rebuilt plan.
    plans: HashMap<PlanKey, CachedPlan, foldhash::fast::RandomState>,
}

impl PlanCache {
    /// The plan built for `key` under this policy and snapshot, if any.
    pub fn get(
        &mut self,
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
        key: &PlanKey,
    ) -> Option<CachedPlan> {
        self.follow(policy, snapshot);
        self.plans.get(key).cloned()
    }

    /// Keeps the plan built for `key` under this policy and snapshot.
    pub fn insert(
        &mut self,
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
        key: PlanKey,
        plan: CachedPlan,
    ) {
        self.follow(policy, snapshot);
        if self.plans.len() >= CAPACITY {
            self.plans.clear();
        }
        self.plans.insert(key, plan);
    }

    /// Forgets every plan when the policy or the snapshot is not the one they were
    /// built from.
    fn follow(&mut self, policy: &Arc<Policy>, snapshot: &Arc<Snapshot>) {
        let same = self
            .built_from
            .as_ref()
            .is_some_and(|(p, s)| Arc::ptr_eq(p, policy) && Arc::ptr_eq(s, snapshot));
        if !same {
            self.plans.clear();
            self.built_from = Some((Arc::clone(policy), Arc::clone(snapshot)));
        }
    }
}

impl std::fmt::Debug for PlanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlanCache({} plans)", self.plans.len())
    }
}
