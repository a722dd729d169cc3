//! [`LastDescribed`]: the last result description a session decided on, and what
//! it decided — the row plan, or the refusal. Deciding means the cross-check of the
//! server's RowDescription against the gate's analysis ([`crate::sql::crosscheck`])
//! and the row plan built from the catalog ([`crate::pg::rows`]); both are functions
//! of the analysis, the description's bytes, the policy, the catalog snapshot and the
//! consumer, all immutable behind their `Arc`s (and the consumer fixed for the
//! session). When the same statement's result is described again by the same bytes
//! under the same policy and snapshot (an application running its statements again),
//! the decision is taken again without being redone: no decoding of the description,
//! no check, no plan lookup. Only decisions taken on that very snapshot are kept (none
//! that needed a catalog reload, whose outcome depends on when it ran). Holding the
//! `Arc`s keeps their addresses from being reused by other values while they are
//! compared by address.

use std::sync::Arc;

use bytes::Bytes;

use super::plan_cache::CachedPlan;
use crate::pg::catalog::Snapshot;
use crate::policy::Policy;
use crate::sql::analysis::Analysis;

/// One decision and what it was taken on.
struct Decided {
    analysis: Arc<Analysis>,
    statement: usize,
    description: Bytes,
    policy: Arc<Policy>,
    snapshot: Arc<Snapshot>,
    plan: CachedPlan,
}

/// The last decision of a session on a described result.
#[derive(Default)]
pub struct LastDescribed(Option<Decided>);

impl LastDescribed {
    /// The plan (or refusal) decided last time for statement `statement` of
    /// `analysis` described by the RowDescription message `description` (its bytes),
    /// if it was decided under these policy and snapshot.
    pub fn recall(
        &self,
        analysis: &Arc<Analysis>,
        statement: usize,
        description: &[u8],
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
    ) -> Option<CachedPlan> {
        self.0
            .as_ref()
            .filter(|d| {
                Arc::ptr_eq(&d.analysis, analysis)
                    && d.statement == statement
                    && Arc::ptr_eq(&d.policy, policy)
                    && Arc::ptr_eq(&d.snapshot, snapshot)
                    && d.description == description
            })
            .map(|d| d.plan.clone())
    }

    /// Keeps this decision as the last one.
    pub fn remember(
        &mut self,
        analysis: &Arc<Analysis>,
        statement: usize,
        description: Bytes,
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
        plan: CachedPlan,
    ) {
        self.0 = Some(Decided {
            analysis: Arc::clone(analysis),
            statement,
            description,
            policy: Arc::clone(policy),
            snapshot: Arc::clone(snapshot),
            plan,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};

    fn policy() -> Arc<Policy> {
        let dir = tempfile::tempdir().unwrap();
        MasterKey::from_bytes(KeyId(1), [7; 32])
            .write_new_file(&dir.path().join("k.key"))
            .unwrap();
        let path = dir.path().join("p.toml");
        let text = "version = 1\n[keys]\nmaster_key_file = \"k.key\"\n";
        std::fs::write(&path, text).unwrap();
        Arc::new(crate::config::load(&path).unwrap())
    }

    fn snapshot() -> Arc<Snapshot> {
        Arc::new(Snapshot::new(Default::default(), Default::default()))
    }

    fn refused(d: &Option<CachedPlan>) -> Option<&str> {
        d.as_ref()
            .map(|p| p.as_ref().err().map_or("a plan", String::as_str))
    }

    #[test]
    fn a_decision_is_recalled_only_for_the_same_statement_bytes_policy_and_snapshot() {
        let analysis = Arc::new(Analysis::new(vec![], None));
        let (policy, snapshot) = (policy(), snapshot());
        let description = Bytes::from_static(b"T\x00\x00\x00\x06\x00\x00");
        let mut last = LastDescribed::default();
        assert!(
            last.recall(&analysis, 0, &description, &policy, &snapshot)
                .is_none()
        );
        last.remember(
            &analysis,
            0,
            description.clone(),
            &policy,
            &snapshot,
            Err("refused: customers.id_number".into()),
        );
        let again = last.recall(&analysis, 0, &description, &policy, &snapshot);
        assert_eq!(refused(&again), Some("refused: customers.id_number"));
        // Equal bytes in another buffer are the same description.
        let copy = description.to_vec();
        let again = last.recall(&analysis, 0, copy.as_slice(), &policy, &snapshot);
        assert_eq!(refused(&again), Some("refused: customers.id_number"));
        // Anything else is decided again: another statement of the text, another
        // description, and an equal but other analysis, policy (a reload) or snapshot.
        let other_analysis = Arc::new(Analysis::new(vec![], None));
        let other_bytes = b"T\x00\x00\x00\x06\x00\x01";
        let other_policy = self::policy();
        let other_snapshot = self::snapshot();
        for (a, i, d, p, s) in [
            (&analysis, 1, &description[..], &policy, &snapshot),
            (&analysis, 0, &other_bytes[..], &policy, &snapshot),
            (&other_analysis, 0, &description[..], &policy, &snapshot),
            (&analysis, 0, &description[..], &other_policy, &snapshot),
            (&analysis, 0, &description[..], &policy, &other_snapshot),
        ] {
            assert!(last.recall(a, i, d, p, s).is_none());
        }
        // A new decision replaces the last one.
        last.remember(
            &analysis,
            1,
            description.clone(),
            &policy,
            &snapshot,
            Err("the second".into()),
        );
        assert!(
            last.recall(&analysis, 0, &description, &policy, &snapshot)
                .is_none()
        );
        let again = last.recall(&analysis, 1, &description, &policy, &snapshot);
        assert_eq!(refused(&again), Some("the second"));
    }
}
