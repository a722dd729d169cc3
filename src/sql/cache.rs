//! A bounded cache of analyses keyed by everything an analysis depends on: the
//! statement text, the consumer, the policy version, the search path, the upstream
//! login and whether a transaction block is open. Oldest entries leave first. The
//! same cache keeps the gate's shape entries (a shared analysis, or `None` for a
//! shape known not to be shareable).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::analysis::Analysis;

/// What an analysis depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub text: String,
    pub consumer: String,
    pub policy_version: String,
    pub search_path: String,
    pub upstream_user: String,
    pub in_transaction: bool,
}

/// Analyses (or other values) by key, at most `capacity` of them.
pub struct AnalysisCache<V = Arc<Analysis>> {
    capacity: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    /// foldhash: one lookup per statement hashes its whole text; the map is bounded
    /// (`capacity`), so keys made to collide cost at most a scan of it.
    map: foldhash::HashMap<Arc<CacheKey>, V>,
    order: VecDeque<Arc<CacheKey>>,
}

impl<V> Default for Inner<V> {
    fn default() -> Self {
        Inner {
            map: foldhash::HashMap::default(),
            order: VecDeque::new(),
        }
    }
}

impl<V: Clone> AnalysisCache<V> {
    pub fn new(capacity: usize) -> Self {
        AnalysisCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn get(&self, key: &CacheKey) -> Option<V> {
        let inner = self.inner.lock().ok()?;
        inner.map.get(key).cloned()
    }

    pub fn insert(&self, key: CacheKey, analysis: V) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let key = Arc::new(key);
        if inner.map.insert(key.clone(), analysis).is_none() {
            inner.order.push_back(key);
        }
        while inner.map.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.map.remove(&old);
                }
                None => break,
            }
        }
    }

    /// Forgets everything (the catalog changed).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.map.clear();
            inner.order.clear();
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.map.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
