//! The PostgreSQL listener: [`run`] accepts connections and runs each session in its
//! own task until shutdown, on one of the listener's connection threads
//! ([`crate::serve::threads`]).
//!
//! - [`cancel`]: our own random BackendKeyData per session, mapped to the upstream's.
//! - Shutdown: when `shutdown` turns true the listener stops accepting; sessions get
//!   `shutdown_grace` to finish, then are told `57P01 admin_shutdown` and closed.
//! - Limits: a client has `login_timeout_secs` for TLS, its startup packet and the
//!   password exchange, or it is closed; past `max_sessions` connections at once, a
//!   new one is told `53300 too_many_connections` (a cancel request is still carried
//!   out); the upstream's connection and login have `connect_timeout_secs`
//!   ([`UpstreamTarget`]).

pub mod cancel;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use cancel::{CancelKey, CancelRegistry};

use crate::admin::Metrics;
use crate::audit::{AuditLog, Channel};
use crate::config::postgres::PostgresSettings;
use crate::pg::auth::LoginFailures;
use crate::pg::catalog::CatalogCache;
use crate::pg::error::{Fault, LOGIN_TIMED_OUT, PgError};
use crate::pg::net::Stream;
use crate::pg::net::tls::{self, TlsConfigError};
use crate::pg::session::{self, GateCache, PolicySource, SessionCtx};
use crate::pg::startup::{Accepted, Negotiation, refuse as negotiate_refuse};
use crate::pg::upstream::UpstreamTarget;
use crate::policy::Policy;
use crate::serve::Registry;
use crate::serve::panics::NamedOnPanic;

/// Everything the listener's sessions share.
pub struct ServerCtx {
    /// The `[postgres]` settings the listener was started with.
    pub settings: Arc<PostgresSettings>,
    /// The listener's TLS, if configured, with its certificate's channel-binding data.
    pub tls: Option<tls::ListenerTlsConfig>,
    /// Failed logins per client address and user name.
    pub login_failures: LoginFailures,
    /// The upstream.
    pub target: UpstreamTarget,
    /// Cancel keys.
    pub cancels: Arc<CancelRegistry>,
    /// The running policy.
    pub policy: Arc<dyn PolicySource>,
    /// The catalog cache.
    pub catalog: Arc<CatalogCache>,
    /// The audit trail.
    pub audit: Option<AuditLog>,
    /// The SQL gates, per database.
    pub gates: Arc<GateCache>,
    /// The cut-off registry of `tuomin serve`, if any: a disabled consumer's
    /// sessions are closed.
    pub registry: Option<Arc<Registry>>,
    /// Where sessions and statements are counted (`tuomin serve` shares its own).
    pub metrics: Arc<Metrics>,
}

impl std::fmt::Debug for ServerCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCtx")
            .field("listen", &self.settings.listen)
            .finish_non_exhaustive()
    }
}

/// Follows policy reloads for the PostgreSQL listener: a new policy marks every
/// database's catalog snapshot stale, so the next statement of every session is
/// judged on the catalog as it is now — schema changes made outside the gateway
/// included (besides DDL seen in a session, a table OID missing, and the periodic
/// `catalog_refresh_secs`).
pub struct PgReloader {
    catalog: Arc<CatalogCache>,
}

impl crate::serve::Listener for PgReloader {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn prepare(&self, _policy: Arc<Policy>) -> Result<Box<dyn FnOnce() + Send>, String> {
        let catalog = Arc::clone(&self.catalog);
        Ok(Box::new(move || catalog.mark_all_stale()))
    }
}

impl ServerCtx {
    /// What follows policy reloads for this listener ([`PgReloader`]).
    pub fn reloader(&self) -> PgReloader {
        PgReloader {
            catalog: Arc::clone(&self.catalog),
        }
    }

    /// Builds TLS configurations and the catalog cache from `settings`.
    pub fn new(
        settings: Arc<PostgresSettings>,
        policy: Arc<dyn PolicySource>,
        audit: Option<AuditLog>,
    ) -> Result<Self, TlsConfigError> {
        let tls = settings.tls.as_ref().map(tls::server_config).transpose()?;
        let target = UpstreamTarget::new(settings.upstream.clone())?;
        let catalog = Arc::new(CatalogCache::new(
            target.clone(),
            settings.catalog_refresh,
            settings.catalog_timeout,
        ));
        Ok(ServerCtx {
            login_failures: LoginFailures::new(
                settings.login_failure_limit,
                settings.login_failure_address_limit,
                settings.login_failure_window,
            ),
            tls,
            target,
            cancels: Arc::new(CancelRegistry::default()),
            policy,
            catalog,
            metrics: Arc::new(Metrics::new(audit.clone())),
            audit,
            gates: Arc::new(GateCache::default()),
            registry: None,
            settings,
        })
    }

    /// Whether clients must use TLS.
    pub fn tls_required(&self) -> bool {
        self.settings.tls.as_ref().is_some_and(|t| t.required)
    }
}

/// Connections the listener serves at once (in login or in session), counted from
/// accept to the end of their task.
#[derive(Clone, Default)]
struct Served(Arc<AtomicUsize>);

/// One served connection; uncounted when dropped.
struct ServedOne(Arc<AtomicUsize>);

impl Served {
    /// Counts a new connection; `true` with it when the listener was already full.
    fn admit(&self, max: usize) -> (ServedOne, bool) {
        let before = self.0.fetch_add(1, Ordering::AcqRel);
        (ServedOne(Arc::clone(&self.0)), before >= max)
    }
}

impl Drop for ServedOne {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A spawned task aborted when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Accepts connections on `listener` until `shutdown` turns true, then drains.
pub async fn run(listener: TcpListener, ctx: Arc<ServerCtx>, mut shutdown: watch::Receiver<bool>) {
    let (terminate_tx, terminate) = watch::channel(false);
    let mut sessions = JoinSet::new();
    let served = Served::default();
    let Some(mut threads) = crate::serve::threads::ConnectionThreads::for_listener("pg") else {
        return;
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, addr)) => {
                    let admitted = served.admit(ctx.settings.max_sessions);
                    // Re-registered with the session thread's own reactor.
                    let (ctx, terminate) = (Arc::clone(&ctx), terminate.clone());
                    match tcp.into_std() {
                        Ok(std_tcp) => threads.spawn_into(&mut sessions, async move {
                            let (_served, full) = admitted;
                            match TcpStream::from_std(std_tcp) {
                                Ok(tcp) => connection(tcp, addr, ctx, terminate, full).await,
                                Err(e) => tracing::warn!(error = %e, "postgres: cannot register a connection"),
                            }
                        }),
                        Err(e) => tracing::warn!(error = %e, "postgres: cannot hand a connection over"),
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            // A dropped sender means the owner is gone: stop as well.
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    drop(listener);
    tracing::info!(
        sessions = sessions.len(),
        "postgres listener stopped accepting; draining"
    );
    let grace = tokio::time::sleep(ctx.settings.shutdown_grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            next = sessions.join_next() => if next.is_none() { return },
            _ = &mut grace => break,
        }
    }
    let _ = terminate_tx.send(true);
    let last = tokio::time::sleep(std::time::Duration::from_secs(2));
    tokio::pin!(last);
    loop {
        tokio::select! {
            next = sessions.join_next() => if next.is_none() { return },
            _ = &mut last => {
                sessions.abort_all();
                return;
            }
        }
    }
}

/// A refused startup step: logged, counted when the upstream is at fault, and told
/// to the client when its stream can still carry a message.
async fn refused(e: PgError, stream: Option<Stream>, addr: SocketAddr, ctx: &ServerCtx) {
    match e {
        PgError::TooManySessions(_) => {
            tracing::warn!(client = %addr, error = %e, "postgres connection refused");
        }
        _ => {
            tracing::info!(client = %addr, fault = ?e.fault(), error = %e, "postgres startup refused");
        }
    }
    if e.fault() == Fault::Upstream {
        ctx.metrics.upstream_error(Channel::Postgres, "connect");
    }
    ctx.metrics.login_refused(e.login_refusal());
    negotiate_refuse(e, stream).await;
}

/// Writes a refused login (its startup refused, or its authentication failed) to the
/// audit trail, when there is one. The login is refused
/// whatever the trail says: a failing trail is only logged here.
fn audit_refused_login(ctx: &ServerCtx, addr: SocketAddr, user: &str, database: &str, e: &PgError) {
    let Some(log) = &ctx.audit else {
        return;
    };
    let policy = ctx.policy.current();
    let event = crate::pg::session::audit::login_refused(
        &policy,
        user,
        database,
        Some(addr),
        &e.to_string(),
    );
    if let Err(error) = log.record(event) {
        tracing::error!(client = %addr, error = %error, "a refused login could not be audited");
    }
}

/// One client connection, from accept to the end of its session. `full`: the
/// listener already served `max_sessions` connections when this one came: it is
/// refused (53300) once its startup packet is read — a CancelRequest is still
/// carried out, as PostgreSQL does.
async fn connection(
    tcp: TcpStream,
    addr: SocketAddr,
    ctx: Arc<ServerCtx>,
    terminate: watch::Receiver<bool>,
    full: bool,
) {
    let accepted = Accepted::new(tcp, Some(addr));
    // The client's part of the login (TLS, startup packet, password exchange) within
    // `login_timeout_secs`: a connection that stalls there is closed.
    let login = async {
        let negotiated = match accepted.negotiate(&ctx).await? {
            Negotiation::Startup(n) => n,
            Negotiation::Cancelled => return Ok(None),
            Negotiation::Closed => {
                tracing::debug!(client = %addr, "postgres client closed before its startup packet");
                return Ok(None);
            }
        };
        // A login refused by the gateway's rules (TLS required, replication, fixed
        // settings), at authentication or for want of room (`max_sessions`) is
        // audited, under the name it gave.
        let identity = negotiated.identity();
        if full {
            let e = PgError::TooManySessions(ctx.settings.max_sessions);
            if let Some((user, database)) = &identity {
                audit_refused_login(&ctx, addr, user, database, &e);
            }
            return Err((e, Some(negotiated.into_stream())));
        }
        let outcome = async {
            negotiated
                .check(&ctx)
                .await?
                .authenticate(&ctx, addr.ip())
                .await
        };
        match outcome.await {
            Ok(authenticated) => Ok(Some(authenticated)),
            Err((e, stream)) => {
                if let (PgError::StartupRefused(_) | PgError::Auth(_), Some((user, database))) =
                    (&e, &identity)
                {
                    audit_refused_login(&ctx, addr, user, database, &e);
                }
                Err((e, stream))
            }
        }
    };
    let authenticated = match tokio::time::timeout(ctx.settings.login_timeout, login).await {
        Ok(Ok(Some(a))) => a,
        Ok(Ok(None)) => return,
        Ok(Err((e, stream))) => return refused(e, stream, addr, &ctx).await,
        Err(_) => {
            tracing::info!(
                client = %addr,
                seconds = ctx.settings.login_timeout.as_secs(),
                "postgres login timed out (login_timeout_secs): connection closed"
            );
            ctx.metrics.login_refused(LOGIN_TIMED_OUT);
            return;
        }
    };
    let consumer = authenticated.consumer.clone();
    let database = authenticated.database.clone();
    let gate_session = authenticated.gate_session.clone();
    let (connected, key) = match authenticated.connect(&ctx).await {
        Ok(c) => c,
        Err((e, stream)) => return refused(e, stream, addr, &ctx).await,
    };
    tracing::info!(client = %addr, consumer = %consumer, database = %database, "postgres session started");
    let _active = ctx.metrics.session_opened(&consumer);
    let _named = NamedOnPanic::new("postgres", addr, Some(consumer.clone()));
    let session_ctx = SessionCtx {
        counters: ctx.metrics.statement_counters(&consumer),
        metrics: Arc::clone(&ctx.metrics),
        catalog: ctx.catalog.database(&database),
        consumer,
        database,
        client: Some(addr),
        policy: Arc::clone(&ctx.policy),
        audit: ctx.audit.clone(),
        gates: Arc::clone(&ctx.gates),
        gate_session,
    };
    // The session waits on a stop signal of its own, raised by a task that waits for
    // the process-wide shutdown and for the consumer's cut-off (57P01 when it is
    // disabled): at each wake-up the session's loops look at that signal only, which
    // no other session touches, instead of the shared ones (src/serve/stop.rs).
    let (registration, close) = ctx
        .registry
        .as_ref()
        .map(|registry| {
            let (registration, close) = registry.open();
            registry.served(registration.id(), &session_ctx.consumer);
            (registration, close)
        })
        .unzip();
    let (stop, stopped) = crate::serve::stop::signal();
    let mut shutdown = terminate;
    // Aborted when the session ends, however it ends (a panic included), as the
    // registration above is dropped.
    let relay = AbortOnDrop(tokio::spawn(async move {
        let cut = async move {
            match close {
                Some(mut close) => close.closed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = cut => {}
            _ = shutdown.wait_for(|t| *t) => {}
        }
        stop.raise();
    }));
    let result = session::run(connected, session_ctx, stopped).await;
    drop(relay);
    drop(registration);
    if let Err(e) = result {
        tracing::info!(client = %addr, fault = ?e.fault(), error = %e, "postgres session ended");
        if e.fault() == Fault::Upstream {
            ctx.metrics.upstream_error(Channel::Postgres, "session");
        }
    }
    drop(key);
}
