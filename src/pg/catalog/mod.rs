//! The catalog cache: for each upstream database, its relations (schema, name, kind)
//! and their columns by attribute number, and the names of user-defined functions —
//! what a RowDescription's (table OID, attnum) needs to become `schema.table.column`.
//!
//! - [`snapshot`]: [`Snapshot`], [`Relation`], and the catalog query that fills them.
//! - [`CatalogCache`]: one snapshot per database, loaded on first use over a separate
//!   upstream session with tuomin's credentials; reloaded when stale (DDL seen, a
//!   table OID missing, a policy reload) or older than `catalog_refresh_secs`. A read
//!   has `catalog_timeout_secs` for its query (the connection has the upstream's
//!   `connect_timeout_secs`); a read made for a staleness mark that fails leaves the
//!   mark, so the next statement tries again rather than trusting the snapshot it
//!   meant to replace.
//! - [`DatabaseCatalog`]: one session's handle on its database's snapshots. It keeps
//!   the snapshot it was last given and hands it out again while the database's
//!   generation (bumped at every new snapshot and every staleness mark) has not moved
//!   and it is not too old: no shared lock, map lookup or reference count per statement.

pub mod snapshot;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// How long the catalog query of one read may take.
    timeout: Duration,
    databases: std::sync::Mutex<HashMap<String, Arc<Entry>>>,
}

#[derive(Debug, Default)]
struct Entry {
    current: std::sync::RwLock<Option<Arc<Snapshot>>>,
    stale: AtomicBool,
    /// Bumped after every new snapshot and every staleness mark: a
    /// [`DatabaseCatalog`] that saw the same generation holds what `current` and
    /// `stale` would tell it.
    generation: AtomicU64,
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
        self.generation.fetch_add(1, Ordering::Release);
    }

    fn mark_stale(&self) {
        self.stale.store(true, Ordering::Release);
        self.generation.fetch_add(1, Ordering::Release);
    }
}

impl CatalogCache {
    /// A cache reading through `target`, refreshing every `refresh`, giving each read's
    /// query `timeout`.
    pub fn new(target: UpstreamTarget, refresh: Duration, timeout: Duration) -> Self {
        CatalogCache {
            target,
            refresh,
            timeout,
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

    /// A handle on `db`'s snapshots for one session.
    pub fn database(self: &Arc<Self>, db: &str) -> DatabaseCatalog {
        DatabaseCatalog {
            entry: self.entry(db),
            cache: Arc::clone(self),
            db: db.to_owned(),
            held: None,
        }
    }

    /// The current snapshot of `db` (whose entry is `entry`), (re)loaded when missing,
    /// stale or old.
    async fn snapshot_of(&self, db: &str, entry: &Entry) -> Result<Arc<Snapshot>, PgError> {
        if let Some(s) = entry.get()
            && !entry.stale.load(Ordering::Acquire)
            && s.loaded.elapsed() < self.refresh
        {
            return Ok(s);
        }
        // Boxed, as below: a reload's state (a whole upstream session) would otherwise
        // be part of the future of every caller, built and moved per message.
        Box::pin(self.reload(db, entry, None)).await
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
        // Cleared before the read, so that a mark made while it runs (the read may
        // have seen the catalog before that change) stays; set again if the read
        // fails, so the mark it was made for is not lost. (A read for a missing OID
        // or for age leaves no mark: the snapshot is not known to be outdated, and
        // an old one is read again at the next use anyway.)
        let was_stale = entry.stale.swap(false, Ordering::AcqRel);
        match self.read(db).await {
            Ok(snapshot) => {
                tracing::debug!(database = db, relations = snapshot.len(), "catalog loaded");
                entry.set(Arc::clone(&snapshot));
                Ok(snapshot)
            }
            Err(e) => {
                if was_stale {
                    entry.mark_stale();
                }
                Err(e)
            }
        }
    }

    /// One read of `db`'s catalog over a new upstream session.
    async fn read(&self, db: &str) -> Result<Arc<Snapshot>, PgError> {
        let session = open(&self.target, db, &[]).await?;
        let sql = format!(
            "{}; {}",
            snapshot::CATALOG_QUERY,
            snapshot::gate_catalog_query()
        );
        let results = match tokio::time::timeout(self.timeout, simple::query(session, &sql)).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(PgError::Upstream(format!(
                    "the catalog of database {db:?} was not read within {} s \
                     (catalog_timeout_secs)",
                    self.timeout.as_secs()
                )));
            }
        };
        Ok(Arc::new(Snapshot::from_rows(&results)?))
    }

    /// Marks every database for reload (policy reload).
    pub fn mark_all_stale(&self) {
        let map = match self.databases.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        for entry in map.values() {
            entry.mark_stale();
        }
    }
}

/// One session's handle on its database's snapshots (see the module docs).
#[derive(Debug, Clone)]
pub struct DatabaseCatalog {
    cache: Arc<CatalogCache>,
    db: String,
    entry: Arc<Entry>,
    /// The snapshot last handed out, and the generation it was current in.
    held: Option<(u64, Arc<Snapshot>)>,
}

impl DatabaseCatalog {
    /// The database's name.
    pub fn name(&self) -> &str {
        &self.db
    }

    /// The current snapshot, (re)loaded when missing, stale or older than the refresh
    /// period: the one held while the generation stands and it is younger than that.
    pub async fn snapshot(&mut self) -> Result<&Arc<Snapshot>, PgError> {
        let generation = self.entry.generation.load(Ordering::Acquire);
        let held = match self.held.take() {
            Some((g, s)) if g == generation && s.loaded.elapsed() < self.cache.refresh => (g, s),
            // The generation read before the snapshot: a change in between makes the
            // next call look again.
            _ => (
                generation,
                self.cache.snapshot_of(&self.db, &self.entry).await?,
            ),
        };
        Ok(&self.held.insert(held).1)
    }

    /// A snapshot newer than `older`, for a table OID `older` did not know (reloaded
    /// at most every half second; a new snapshot moves the generation, so the held
    /// one is not handed out again).
    pub async fn after_miss(&self, older: &Snapshot) -> Result<Arc<Snapshot>, PgError> {
        Box::pin(self.cache.reload(&self.db, &self.entry, Some(older.loaded))).await
    }

    /// Marks the database for reload at its next use (DDL seen).
    pub fn mark_stale(&self) {
        self.entry.mark_stale();
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
    use crate::config::postgres::{Upstream, UpstreamTlsMode};

    /// A cache whose upstream refuses connections (a port nothing listens on): a
    /// reload fails, so a test sees whether a snapshot was handed out or reloaded.
    fn unreachable_cache() -> Arc<CatalogCache> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let target = UpstreamTarget::new(Upstream {
            host: "127.0.0.1".into(),
            port,
            user: "postgres".into(),
            password: None,
            tls: UpstreamTlsMode::Disable,
            ca_file: None,
            server_name: "127.0.0.1".into(),
            connect_timeout: Duration::from_secs(10),
            channel_binding: Default::default(),
        })
        .unwrap();
        Arc::new(CatalogCache::new(
            target,
            Duration::from_secs(3600),
            Duration::from_secs(30),
        ))
    }

    fn snapshot() -> Arc<Snapshot> {
        Arc::new(Snapshot::new(Default::default(), Default::default()))
    }

    /// What a successful reload does to `entry`: not stale, then the new snapshot.
    fn loaded(entry: &Entry, snapshot: &Arc<Snapshot>) {
        entry.stale.store(false, Ordering::Release);
        entry.set(Arc::clone(snapshot));
    }

    #[tokio::test]
    async fn a_session_holds_its_snapshot_until_the_generation_moves() {
        let cache = unreachable_cache();
        let mut db = cache.database("bank");
        assert!(db.snapshot().await.is_err(), "nothing loaded: a reload");
        let first = snapshot();
        loaded(&db.entry, &first);
        let got = Arc::clone(db.snapshot().await.unwrap());
        assert!(Arc::ptr_eq(&got, &first));
        assert!(Arc::ptr_eq(db.snapshot().await.unwrap(), &first), "held");
        // Another session's handle sees the same entry.
        let second = snapshot();
        loaded(&cache.database("bank").entry, &second);
        assert!(
            Arc::ptr_eq(db.snapshot().await.unwrap(), &second),
            "a new snapshot moves the generation"
        );
        // A staleness mark (DDL seen, a policy reload) is not answered from what is held.
        cache.mark_all_stale();
        assert!(db.snapshot().await.is_err(), "stale: a reload");
        // The reload failed: the snapshot it meant to replace is not trusted again.
        assert!(
            db.snapshot().await.is_err(),
            "still stale after a failed reload"
        );
        assert!(cache.database("bank").snapshot().await.is_err());
        // A snapshot read after the failure is handed out again.
        let third = snapshot();
        loaded(&db.entry, &third);
        assert!(Arc::ptr_eq(db.snapshot().await.unwrap(), &third));
        // A read for a table OID it does not know that fails (past the half-second
        // spacing of such reads) marks nothing: the snapshot is not known to be
        // outdated, and the statements that do not need that OID go on with it.
        tokio::time::sleep(MISS_RELOAD_INTERVAL + Duration::from_millis(100)).await;
        assert!(db.after_miss(&third).await.is_err(), "a read was tried");
        assert!(Arc::ptr_eq(db.snapshot().await.unwrap(), &third));
        assert!(cache.database("other").snapshot().await.is_err());
    }

    #[test]
    fn ddl_tags_mark_the_catalog_stale_and_reads_do_not() {
        assert!(is_ddl_tag("CREATE TABLE"));
        assert!(is_ddl_tag("ALTER TABLE"));
        assert!(is_ddl_tag("DROP VIEW"));
        assert!(!is_ddl_tag("SELECT 3"));
        assert!(!is_ddl_tag("FETCH 10"));
    }
}
