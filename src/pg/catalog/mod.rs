//! The catalog cache: for each upstream database, its relations (schema, name, kind)
//! and their columns by attribute number, and the names of user-defined functions —
//! what a RowDescription's (table OID, attnum) needs to become `schema.table.column`.
//!
//! - [`snapshot`]: [`Snapshot`], [`Relation`], and the catalog query that fills them.
//! - [`CatalogCache`]: one snapshot per database, loaded on first use over a separate
//!   upstream session with tuomin's credentials; reloaded when stale (DDL seen, a
//!   table OID missing, a policy reload) or older than `catalog_refresh_secs`.

pub mod snapshot;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use snapshot::{RelKind, Relation, Snapshot};

use crate::pg::error::PgError;
use crate::pg::upstream::{UpstreamTarget, open, simple};

/// A miss reloads at most this often per database.
const MISS_RELOAD_INTERVAL: Duration = Duration::from_millis(500);

/// Snapshots per database.
#[derive(Debug)]
pub struct CatalogCache {
    target: UpstreamTarget,
    refresh: Duration,
    databases: std::sync::Mutex<HashMap<String, Arc<Entry>>>,
}

#[derive(Debug, Default)]
struct Entry {
    current: std::sync::RwLock<Option<Arc<Snapshot>>>,
    stale: AtomicBool,
    loading: tokio::sync::Mutex<()>,
}

impl Entry {
    fn get(&self) -> Option<Arc<Snapshot>> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set(&self, snapshot: Arc<Snapshot>) {
        match self.current.write() {
            Ok(mut g) => *g = Some(snapshot),
            Err(p) => *p.into_inner() = Some(snapshot),
        }
    }
}

impl CatalogCache {
    /// A cache reading through `target`, refreshing every `refresh`.
    pub fn new(target: UpstreamTarget, refresh: Duration) -> Self {
        CatalogCache {
            target,
            refresh,
            databases: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, db: &str) -> Arc<Entry> {
        let mut map = match self.databases.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        // The name is copied only the first time (this runs at every RowDescription).
        if let Some(entry) = map.get(db) {
            return Arc::clone(entry);
        }
        Arc::clone(map.entry(db.to_owned()).or_default())
    }

    /// The current snapshot of `db`, (re)loaded when missing, stale or old.
    pub async fn snapshot(&self, db: &str) -> Result<Arc<Snapshot>, PgError> {
        let entry = self.entry(db);
        if let Some(s) = entry.get()
            && !entry.stale.load(Ordering::Acquire)
            && s.loaded.elapsed() < self.refresh
        {
            return Ok(s);
        }
        // Boxed, as below: a reload's state (a whole upstream session) would otherwise
        // be part of the future of every caller, built and moved per message.
        Box::pin(self.reload(db, &entry, None)).await
    }

    /// A snapshot newer than `older`, for a table OID `older` did not know (reloaded
    /// at most every half second).
    pub async fn after_miss(&self, db: &str, older: &Snapshot) -> Result<Arc<Snapshot>, PgError> {
        let entry = self.entry(db);
        Box::pin(self.reload(db, &entry, Some(older.loaded))).await
    }

    async fn reload(
        &self,
        db: &str,
        entry: &Entry,
        older: Option<Instant>,
    ) -> Result<Arc<Snapshot>, PgError> {
        let _guard = entry.loading.lock().await;
        if let Some(s) = entry.get() {
            let fresh = !entry.stale.load(Ordering::Acquire) && s.loaded.elapsed() < self.refresh;
            let newer =
                older.is_some_and(|o| s.loaded > o || s.loaded.elapsed() < MISS_RELOAD_INTERVAL);
            if (older.is_none() && fresh) || newer {
                return Ok(s);
            }
        }
        entry.stale.store(false, Ordering::Release);
        let session = open(&self.target, db, &[]).await?;
        let sql = format!(
            "{}; {}",
            snapshot::CATALOG_QUERY,
            snapshot::gate_catalog_query()
        );
        let results = simple::query(session, &sql).await?;
        let snapshot = Arc::new(Snapshot::from_rows(&results)?);
        tracing::debug!(database = db, relations = snapshot.len(), "catalog loaded");
        entry.set(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// Marks `db` for reload at its next use (DDL seen).
    pub fn mark_stale(&self, db: &str) {
        self.entry(db).stale.store(true, Ordering::Release);
    }

    /// Marks every database for reload (policy reload).
    pub fn mark_all_stale(&self) {
        let map = match self.databases.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        for entry in map.values() {
            entry.stale.store(true, Ordering::Release);
        }
    }
}

/// Whether a command tag says the schema may have changed.
pub fn is_ddl_tag(tag: &str) -> bool {
    let first = tag.split(' ').next().unwrap_or("");
    matches!(
        first,
        "CREATE" | "ALTER" | "DROP" | "COMMENT" | "SECURITY" | "IMPORT"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_tags_mark_the_catalog_stale_and_reads_do_not() {
        assert!(is_ddl_tag("CREATE TABLE"));
        assert!(is_ddl_tag("ALTER TABLE"));
        assert!(is_ddl_tag("DROP VIEW"));
        assert!(!is_ddl_tag("SELECT 3"));
        assert!(!is_ddl_tag("FETCH 10"));
    }
}
