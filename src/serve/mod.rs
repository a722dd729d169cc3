//! `tuomin serve`: the running gateway. One policy, held in an `ArcSwap`, and the
//! listeners it configures (`[http]` and `[postgres]`; either may be absent, not
//! both), plus the admin listener of `[admin]`. The PostgreSQL sessions read the live
//! policy on every statement; the HTTP listener swaps its prepared snapshot on reload.
//!
//! - [`registry`]: open connections (HTTP and PostgreSQL) by consumer, for cut-off.
//! - [`threads`]: the connection threads both listeners run their connections on.
//! - [`stop`]: a connection's stop signal (shutdown or cut-off).
//! - [`panics`]: the panic hook that never prints a panic's message (it may quote data).
//! - [`live`]: the running policy and reload (validated first, refused when invalid,
//!   then cut-off); one code path for SIGHUP and `POST /reload`.
//! - [`start`] / [`run`]: the process: listeners, metrics, readiness, the admin
//!   listener, SIGHUP → reload, SIGINT/SIGTERM → not ready, drain, stop.

mod live;
pub mod panics;
mod registry;
pub mod stop;
pub mod threads;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use live::{Listener, Live, ReloadError, Reloaded};
pub use registry::{CloseSignal, Registry};

use crate::admin::probe::Probe;
use crate::admin::{AdminServer, AdminState, Metrics, Readiness};
use crate::audit::AuditLog;
use crate::policy::Policy;

/// Options of `tuomin serve` (addresses override the policy, for tests and demos).
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    pub http_listen: Option<SocketAddr>,
    /// Listen here instead of `[admin] listen` (only when `[admin]` is present).
    pub admin_listen: Option<SocketAddr>,
    pub grace: Option<Duration>,
}

/// A started gateway: addresses, the live policy, and the stop switches.
pub struct Running {
    pub http_addr: Option<SocketAddr>,
    pub postgres_addr: Option<SocketAddr>,
    pub admin_addr: Option<SocketAddr>,
    pub live: Arc<Live>,
    pub readiness: Arc<Readiness>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    admin_stop: watch::Sender<bool>,
    admin_tasks: Vec<JoinHandle<()>>,
    audit: Option<AuditLog>,
}

impl Running {
    /// Turns not ready, stops accepting, drains, and waits for the listeners; the
    /// admin listener answers (503 on `/readyz`) until the gateways have stopped.
    pub async fn shutdown(self) {
        self.readiness.draining();
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(log) = self.audit {
            log.flush();
        }
        let _ = self.admin_stop.send(true);
        for task in self.admin_tasks {
            let _ = task.await;
        }
    }
}

/// Loads the policy and starts its listeners (on the current tokio runtime).
pub async fn start(config: &Path, options: ServeOptions) -> Result<Running, String> {
    let policy = Arc::new(crate::config::load(config).map_err(|e| e.to_string())?);
    // Bound first: a port in use stops the start before any gateway runs.
    let admin_server = match (&policy.admin, options.admin_listen) {
        (Some(admin), listen) => Some(AdminServer::bind(listen.unwrap_or(admin.listen)).await?),
        (None, Some(_)) => {
            return Err("--admin-listen needs an [admin] section in the policy".into());
        }
        (None, None) => None,
    };
    let mut names = Vec::new();
    if policy.http.is_some() {
        names.push("http");
    }
    if policy.postgres.is_some() {
        names.push("postgres");
    }
    if names.is_empty() {
        return Err("the policy configures no listener; add [http] or [postgres]".into());
    }
    let audit = match &policy.audit {
        Some(c) => {
            Some(AuditLog::start(c.clone(), &policy.audit_key()).map_err(|e| e.to_string())?)
        }
        None => {
            tracing::warn!("the policy has no [audit] section: requests are not recorded");
            None
        }
    };
    let metrics = Arc::new(Metrics::new(audit.clone()));
    let live = Arc::new(Live::new(
        config,
        policy.clone(),
        metrics.clone(),
        audit.clone(),
    ));
    let check_upstream = policy.postgres.is_some() && policy.admin.is_some();
    let readiness = Arc::new(Readiness::new(&names, check_upstream, audit.clone()));
    let (stop, stop_rx) = watch::channel(false);
    let grace = options.grace.unwrap_or(Duration::from_secs(10));
    let mut tasks = Vec::new();
    let mut http_addr = None;
    if policy.http.is_some() {
        let server = crate::http::HttpServer::bind(
            policy.clone(),
            live.registry.clone(),
            audit.clone(),
            metrics.clone(),
            options.http_listen,
        )
        .await?;
        http_addr = Some(server.local_addr().map_err(|e| e.to_string())?);
        live.add_listener(Box::new(server.reloader()));
        tasks.push(tokio::spawn(server.run(stop_rx.clone(), grace)));
        readiness.bound("http");
    }
    let mut postgres_addr = None;
    if let Some(settings) = policy.postgres.clone() {
        let source: Arc<dyn crate::pg::session::PolicySource> = live.clone();
        let mut ctx = crate::pg::server::ServerCtx::new(settings.clone(), source, audit.clone())
            .map_err(|e| e.to_string())?;
        ctx.registry = Some(live.registry.clone());
        ctx.metrics = metrics.clone();
        live.add_listener(Box::new(ctx.reloader()));
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
        postgres_addr = Some(listener.local_addr().map_err(|e| e.to_string())?);
        let run = crate::pg::server::run(listener, Arc::new(ctx), stop_rx.clone());
        tasks.push(tokio::spawn(run));
        readiness.bound("postgres");
    }
    let (admin_stop, admin_stop_rx) = watch::channel(false);
    let mut admin_tasks = Vec::new();
    let mut admin_addr = None;
    if let (Some(admin), Some(server)) = (&policy.admin, admin_server) {
        admin_addr = Some(server.local_addr().map_err(|e| e.to_string())?);
        let state = AdminState {
            live: live.clone(),
            readiness: readiness.clone(),
        };
        admin_tasks.push(tokio::spawn(server.run(state, admin_stop_rx.clone())));
        if let Some(pg) = &policy.postgres {
            let probe = Probe {
                host: pg.upstream.host.clone(),
                port: pg.upstream.port,
                every: admin.upstream_check,
                readiness: readiness.clone(),
                metrics: metrics.clone(),
            };
            admin_tasks.push(tokio::spawn(probe.run(admin_stop_rx)));
        }
    }
    Ok(Running {
        http_addr,
        postgres_addr,
        admin_addr,
        live,
        readiness,
        stop,
        tasks,
        admin_stop,
        admin_tasks,
        audit,
    })
}

/// `tuomin serve`: runs until SIGINT or SIGTERM; SIGHUP reloads the policy.
pub async fn run(config: &Path, options: ServeOptions) -> Result<(), String> {
    let running = start(config, options).await?;
    let policy: Arc<Policy> = running.live.policy();
    tracing::info!(version = %policy.version, "policy loaded");
    if let Some(addr) = running.http_addr {
        tracing::info!(%addr, "HTTP gateway listening");
    }
    if let Some(addr) = running.postgres_addr {
        tracing::info!(%addr, "PostgreSQL gateway listening");
    }
    if let Some(addr) = running.admin_addr {
        tracing::info!(%addr, "admin listener (metrics, health, reload) listening");
    }
    signals(&running.live).await.map_err(|e| e.to_string())?;
    tracing::info!("stopping: not ready any more, draining connections");
    running.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn signals(live: &Arc<Live>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            // The outcome is logged and counted by the reload itself.
            _ = hup.recv() => { let _ = live.reload_blocking().await; }
            _ = term.recv() => return Ok(()),
            _ = int.recv() => return Ok(()),
        }
    }
}

#[cfg(not(unix))]
async fn signals(_live: &Arc<Live>) -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
