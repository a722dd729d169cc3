//! [`CancelRegistry`]: each session gets our own random (process id, secret) in its
//! BackendKeyData; a CancelRequest with a registered pair is forwarded upstream with
//! the upstream's own key. Unknown pairs are ignored, as PostgreSQL does (and logged
//! and counted by the caller: many from one address is someone guessing keys). The key
//! is removed when its [`CancelKey`] (held by the session) is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;

use crate::pg::codec::backend::BackendKeyData;
use crate::pg::upstream::UpstreamTarget;

type Map = HashMap<(i32, [u8; 4]), Option<BackendKeyData>>;

/// The live sessions' keys.
#[derive(Debug, Default)]
pub struct CancelRegistry {
    map: Arc<Mutex<Map>>,
}

/// A session's key; unregisters itself on drop.
#[derive(Debug)]
pub struct CancelKey {
    /// Our process id.
    pub process_id: i32,
    /// Our secret.
    pub secret: Bytes,
    map: Weak<Mutex<Map>>,
}

impl Drop for CancelKey {
    fn drop(&mut self) {
        if let Some(map) = self.map.upgrade() {
            let mut map = match map.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            if let Ok(secret) = <[u8; 4]>::try_from(&self.secret[..]) {
                map.remove(&(self.process_id, secret));
            }
        }
    }
}

impl CancelRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Map> {
        match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    /// A new random key mapped to the upstream's key.
    pub fn register(&self, upstream: Option<BackendKeyData>) -> CancelKey {
        let mut map = self.lock();
        loop {
            let process_id = (rand::random::<u32>() >> 1) as i32;
            let secret: [u8; 4] = rand::random();
            if process_id == 0 || map.contains_key(&(process_id, secret)) {
                continue;
            }
            map.insert((process_id, secret), upstream);
            return CancelKey {
                process_id,
                secret: Bytes::copy_from_slice(&secret),
                map: Arc::downgrade(&self.map),
            };
        }
    }

    /// How many sessions are registered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forwards a cancel for our key (`process_id`, `secret`), if registered; what
    /// came of it (the caller logs and counts it).
    pub async fn cancel(
        &self,
        target: &UpstreamTarget,
        process_id: i32,
        secret: &[u8],
    ) -> CancelOutcome {
        let Ok(secret) = <[u8; 4]>::try_from(secret) else {
            return CancelOutcome::Unknown;
        };
        let upstream = self.lock().get(&(process_id, secret)).cloned().flatten();
        let Some(key) = upstream else {
            return CancelOutcome::Unknown;
        };
        match target.cancel(key.process_id, key.secret_key).await {
            Ok(()) => CancelOutcome::Forwarded,
            Err(e) => CancelOutcome::Failed(e.to_string()),
        }
    }
}

/// What came of a CancelRequest.
#[derive(Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// Its key is a live session's: sent upstream with the upstream's key.
    Forwarded,
    /// No live session has its key (the session ended, or the key was guessed):
    /// ignored, as PostgreSQL does.
    Unknown,
    /// Its key is a live session's, but the upstream could not be told.
    Failed(String),
}

impl CancelOutcome {
    /// Every label [`CancelOutcome::label`] gives (the metrics show each from the start).
    pub const LABELS: [&'static str; 3] = ["forwarded", "unknown", "failed"];

    /// The metrics label.
    pub fn label(&self) -> &'static str {
        match self {
            CancelOutcome::Forwarded => "forwarded",
            CancelOutcome::Unknown => "unknown",
            CancelOutcome::Failed(_) => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_label_is_one_the_metrics_show_from_the_start() {
        let outcomes = [
            CancelOutcome::Forwarded,
            CancelOutcome::Unknown,
            CancelOutcome::Failed("x".into()),
        ];
        let labels: Vec<_> = outcomes.iter().map(CancelOutcome::label).collect();
        assert_eq!(labels, CancelOutcome::LABELS);
    }

    #[test]
    fn keys_are_random_distinct_and_removed_on_drop() {
        let r = CancelRegistry::default();
        let a = r.register(None);
        let b = r.register(None);
        assert_ne!((a.process_id, &a.secret), (b.process_id, &b.secret));
        assert_eq!(r.len(), 2);
        drop(a);
        assert_eq!(r.len(), 1);
    }
}
