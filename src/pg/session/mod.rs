//! The steady state of one client session: two pumps over one upstream session.
//!
//! - [`client_pump`]: client → upstream. Frames each message, refuses what a
//!   read-only consumer may not send (and skips to Sync, as PostgreSQL does), keeps
//!   the statement and portal names, injects a hidden Describe before an Execute
//!   whose result columns the gateway has not just seen, and queues an [`Expect`]
//!   for every message before forwarding it.
//! - [`server_pump`]: upstream → client. Pops the queue as replies arrive; builds a
//!   [`RowPlan`](crate::pg::rows::RowPlan) from each RowDescription, masks rows and
//!   COPY lines, scrubs errors and notices, emits the gateway's refusals in order,
//!   writes one audit record per statement.
//! - [`plan_cache`]: the row plans a session reuses while policy and catalog stay;
//!   [`last_described`]: the last result description decided on, and its plan.
//! - [`queue`]: the expected-reply queue; [`handoff`]: how the client pump hands
//!   expectations to the server pump; [`known`]: the statements and portals by name.
//! - [`audit`]: the audit record of one statement.

pub mod audit;
pub mod client_pump;
pub mod gate;
pub mod handoff;
pub mod known;
pub mod last_described;
pub mod plan_cache;
pub mod queue;
pub mod server_pump;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;

pub use gate::GateCache;
pub use queue::{Expect, ReplyQueue};

use crate::admin::{ConsumerCounters, Metrics};
use crate::audit::AuditLog;
use crate::pg::catalog::DatabaseCatalog;
use crate::pg::codec::FrameLimits;
use crate::pg::codec::backend::TransactionStatus;
use crate::pg::error::PgError;
use crate::pg::net::{FramedReader, Stream};
use crate::policy::Policy;
use crate::serve::stop::Stopped;
use crate::sql::SessionState;

/// Where a session reads the running policy (an `ArcSwap` in `tuomin serve`, a fixed
/// policy in tests): read at every statement, so a reload applies to the next one.
pub trait PolicySource: Send + Sync {
    /// The running policy.
    fn current(&self) -> Arc<Policy>;
    /// A number that changes whenever the running policy does (after it changed:
    /// a policy fetched after reading a generation is at least as new as it).
    fn generation(&self) -> u64;
}

impl PolicySource for Arc<Policy> {
    fn current(&self) -> Arc<Policy> {
        Arc::clone(self)
    }

    fn generation(&self) -> u64 {
        0
    }
}

/// The running policy as a pump keeps it between statements: fetched again only when
/// the source's generation moved, so a statement takes no reference on the policy
/// that the sessions on other threads share.
pub struct HeldPolicy {
    generation: u64,
    policy: Arc<Policy>,
}

impl HeldPolicy {
    pub fn new(source: &dyn PolicySource) -> Self {
        let generation = source.generation();
        HeldPolicy {
            generation,
            policy: source.current(),
        }
    }

    /// The running policy.
    pub fn current(&mut self, source: &dyn PolicySource) -> &Arc<Policy> {
        let generation = source.generation();
        if generation != self.generation {
            self.policy = source.current();
            self.generation = generation;
        }
        &self.policy
    }
}

/// What a session knows of itself.
#[derive(Clone)]
pub struct SessionCtx {
    /// The consumer (the PostgreSQL user name).
    pub consumer: String,
    /// The upstream database.
    pub database: String,
    /// The client's address.
    pub client: Option<SocketAddr>,
    /// The running policy.
    pub policy: Arc<dyn PolicySource>,
    /// The upstream database's catalog snapshots.
    pub catalog: DatabaseCatalog,
    /// The audit trail, when the policy has one.
    pub audit: Option<AuditLog>,
    /// The SQL gates, per database.
    pub gates: Arc<GateCache>,
    /// The gate's view of this session (search_path, PREPAREd verdicts, transaction),
    /// as the startup parameters set it.
    pub gate_session: SessionState,
    /// The gateway's metrics.
    pub metrics: Arc<Metrics>,
    /// This consumer's statement counters, resolved once per session.
    pub counters: ConsumerCounters,
}

impl std::fmt::Debug for SessionCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCtx")
            .field("consumer", &self.consumer)
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

/// Both connections after startup, with bytes already read from each.
#[derive(Debug)]
pub struct Connected {
    /// The client.
    pub client: Stream,
    /// Client bytes read but not yet framed.
    pub client_buf: BytesMut,
    /// The upstream.
    pub upstream: Stream,
    /// Upstream bytes read but not yet framed.
    pub upstream_buf: BytesMut,
    /// The upstream's transaction status.
    pub status: TransactionStatus,
}

/// The gate's session state, shared by both pumps: the client pump analyses with it,
/// the server pump applies effects and transaction status as the server confirms them.
pub type SharedSession = Arc<std::sync::Mutex<SessionState>>;

/// Locks state the pumps share (the gate's session state, the hand-off queue); a
/// poisoned lock is still the state.
pub fn lock<T>(s: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match s.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Runs the session until either side leaves, or `stopped` is raised (shutdown, cut-off).
pub async fn run(conn: Connected, ctx: SessionCtx, stopped: Stopped) -> Result<(), PgError> {
    let (client_read, client_write) = tokio::io::split(conn.client);
    let (upstream_read, upstream_write) = tokio::io::split(conn.upstream);
    let client = FramedReader::new(client_read, conn.client_buf, FrameLimits::FRONTEND);
    let upstream = FramedReader::new(upstream_read, conn.upstream_buf, FrameLimits::BACKEND);
    let (tx, rx) = handoff::handoff();
    let shared = Arc::new(std::sync::Mutex::new(ctx.gate_session.clone()));
    let mut to_upstream = client_pump::ClientPump::new(tx, &ctx, shared.clone());
    let mut to_client = server_pump::ServerPump::new(rx, ctx, conn.status, shared);
    let a = to_upstream.run(client, upstream_write, &stopped);
    let b = to_client.run(upstream, client_write, &stopped);
    tokio::pin!(a);
    tokio::pin!(b);
    // The server pump owns the client's write half: when it ends, the session ends.
    // When the client pump ends first (client left), the server pump ends as its
    // queue closes.
    tokio::select! {
        r = &mut b => r,
        r = &mut a => match r {
            // The client has said goodbye: the upstream closing after it is the end.
            Ok(()) => match b.await {
                Err(PgError::UpstreamClosed) => Ok(()),
                other => other,
            },
            Err(e) => {
                let _ = b.await;
                Err(e)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// A policy source that counts its fetches.
    struct Counting {
        policy: Mutex<Arc<Policy>>,
        generation: AtomicU64,
        fetched: AtomicUsize,
    }

    impl PolicySource for Counting {
        fn current(&self) -> Arc<Policy> {
            self.fetched.fetch_add(1, Ordering::Relaxed);
            Arc::clone(&lock(&self.policy))
        }

        fn generation(&self) -> u64 {
            self.generation.load(Ordering::Acquire)
        }
    }

    fn policy() -> Arc<Policy> {
        let dir = tempfile::tempdir().unwrap();
        crate::keys::MasterKey::from_bytes(crate::keys::KeyId(1), [7; 32])
            .write_new_file(&dir.path().join("k.key"))
            .unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "version = 1\n[keys]\nmaster_key_file = \"k.key\"\n").unwrap();
        Arc::new(crate::config::load(&path).unwrap())
    }

    #[test]
    fn a_held_policy_is_fetched_again_only_when_the_generation_moved() {
        let first = policy();
        let source = Counting {
            policy: Mutex::new(Arc::clone(&first)),
            generation: AtomicU64::new(0),
            fetched: AtomicUsize::new(0),
        };
        let mut held = HeldPolicy::new(&source);
        for _ in 0..3 {
            assert!(Arc::ptr_eq(held.current(&source), &first));
        }
        assert_eq!(source.fetched.load(Ordering::Relaxed), 1, "fetched once");
        let second = policy();
        *lock(&source.policy) = Arc::clone(&second);
        source.generation.fetch_add(1, Ordering::Release);
        assert!(Arc::ptr_eq(held.current(&source), &second), "the new one");
        assert!(Arc::ptr_eq(held.current(&source), &second));
        assert_eq!(source.fetched.load(Ordering::Relaxed), 2);
    }
}
