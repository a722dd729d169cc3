//! [`LastCrossCheck`]: the last result description a session's cross-check passed
//! (the server's RowDescription against the gate's analysis, see
//! [`crate::sql::crosscheck`]). The check is a function of the analysis, the
//! description, the policy, the catalog snapshot and the consumer, all immutable
//! behind their `Arc`s (and the consumer fixed for the session): when the same
//! statement's result is described again by the same bytes under the same policy and
//! snapshot, it passes again without being redone. Holding the `Arc`s keeps their
//! addresses from being reused by other values while they are compared by address.

use std::sync::Arc;

use bytes::Bytes;

use crate::pg::catalog::Snapshot;
use crate::policy::Policy;
use crate::sql::analysis::Analysis;

/// What one passed cross-check was of.
struct Passed {
    analysis: Arc<Analysis>,
    statement: usize,
    description: Bytes,
    policy: Arc<Policy>,
    snapshot: Arc<Snapshot>,
}

/// The last passed cross-check of a session.
#[derive(Default)]
pub struct LastCrossCheck(Option<Passed>);

impl LastCrossCheck {
    /// Whether the check of statement `statement` of `analysis` against the
    /// RowDescription message `description` (its bytes) passed last time, under
    /// these policy and snapshot.
    pub fn passed(
        &self,
        analysis: &Arc<Analysis>,
        statement: usize,
        description: &[u8],
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
    ) -> bool {
        self.0.as_ref().is_some_and(|p| {
            Arc::ptr_eq(&p.analysis, analysis)
                && p.statement == statement
                && Arc::ptr_eq(&p.policy, policy)
                && Arc::ptr_eq(&p.snapshot, snapshot)
                && p.description == description
        })
    }

    /// Keeps this check as the last one passed.
    pub fn remember(
        &mut self,
        analysis: &Arc<Analysis>,
        statement: usize,
        description: Bytes,
        policy: &Arc<Policy>,
        snapshot: &Arc<Snapshot>,
    ) {
        self.0 = Some(Passed {
            analysis: Arc::clone(analysis),
            statement,
            description,
            policy: Arc::clone(policy),
            snapshot: Arc::clone(snapshot),
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

    #[test]
    fn a_check_passes_again_only_for_the_same_statement_bytes_policy_and_snapshot() {
        let analysis = Arc::new(Analysis::new(vec![], None));
        let (policy, snapshot) = (policy(), snapshot());
        let description = Bytes::from_static(b"T\x00\x00\x00\x06\x00\x00");
        let mut last = LastCrossCheck::default();
        assert!(!last.passed(&analysis, 0, &description, &policy, &snapshot));
        last.remember(&analysis, 0, description.clone(), &policy, &snapshot);
        assert!(last.passed(&analysis, 0, &description, &policy, &snapshot));
        // Equal bytes in another buffer are the same description.
        let copy = description.to_vec();
        assert!(last.passed(&analysis, 0, copy.as_slice(), &policy, &snapshot));
        // Anything else is checked again: another statement of the text, another
        // description, and an equal but other analysis, policy (a reload) or snapshot.
        let other_analysis = Arc::new(Analysis::new(vec![], None));
        assert!(!last.passed(&analysis, 1, &description, &policy, &snapshot));
        assert!(!last.passed(
            &analysis,
            0,
            b"T\x00\x00\x00\x06\x00\x01",
            &policy,
            &snapshot
        ));
        assert!(!last.passed(&other_analysis, 0, &description, &policy, &snapshot));
        assert!(!last.passed(&analysis, 0, &description, &self::policy(), &snapshot));
        assert!(!last.passed(&analysis, 0, &description, &policy, &self::snapshot()));
    }
}
