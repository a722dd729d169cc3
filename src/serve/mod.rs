//! `tuomin serve`: the running gateway. One policy, held in an `ArcSwap`, and the
//! listeners it configures (`[http]` and `[postgres]`; either may be absent). The
//! PostgreSQL sessions read the live policy on every statement; the HTTP listener
//! swaps its prepared snapshot on reload.
//!
//! - [`registry`]: open connections (HTTP and PostgreSQL) by consumer, for cut-off.
//! - [`Live`]: the running policy, and reload: the new policy is loaded and validated,
//!   every listener prepares its snapshot from it, and only when all succeed is it
//!   swapped in; then the connections of consumers disabled or removed are closed.
//!   An invalid policy is refused, logged, and the running one kept.
//! - [`run`]: the process: listeners, SIGHUP → reload, SIGINT/SIGTERM → graceful stop.

mod registry;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::watch;

pub use registry::{CloseSignal, Registry};

use crate::audit::AuditLog;
use crate::policy::Policy;

/// A listener that follows policy reloads.
pub trait Listener: Send + Sync {
    fn name(&self) -> &'static str;
    /// Builds what the listener needs from `policy`; the returned closure swaps it in.
    fn prepare(&self, policy: Arc<Policy>) -> Result<Box<dyn FnOnce() + Send>, String>;
}

/// The running policy, its listeners and the connection registry.
pub struct Live {
    path: PathBuf,
    pub policy: ArcSwap<Policy>,
    pub registry: Arc<Registry>,
    listeners: std::sync::Mutex<Vec<Box<dyn Listener>>>,
}

impl Live {
    pub fn new(path: &Path, policy: Arc<Policy>) -> Live {
        Live {
            path: path.to_owned(),
            policy: ArcSwap::new(policy),
            registry: Arc::new(Registry::default()),
            listeners: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn add_listener(&self, listener: Box<dyn Listener>) {
        self.lock().push(listener);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Box<dyn Listener>>> {
        match self.listeners.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Reloads the policy file. On error the running policy stays and the error says why.
    /// On success returns the number of connections cut off.
    pub fn reload(&self) -> Result<usize, String> {
        let policy = crate::config::load(&self.path).map_err(|e| e.to_string())?;
        let policy = Arc::new(policy);
        let listeners = self.lock();
        let mut commits = Vec::new();
        for l in listeners.iter() {
            commits.push(
                l.prepare(policy.clone())
                    .map_err(|e| format!("{} listener: {e}", l.name()))?,
            );
        }
        for commit in commits {
            commit();
        }
        self.policy.store(policy.clone());
        let cut = self
            .registry
            .cut_off(|c| !policy.consumer(c).is_some_and(|c| c.enabled));
        Ok(cut)
    }
}

impl crate::pg::session::PolicySource for Live {
    fn current(&self) -> Arc<Policy> {
        self.policy.load_full()
    }
}

/// Options of `tuomin serve` (addresses override the policy, for tests and demos).
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    pub http_listen: Option<SocketAddr>,
    pub grace: Option<Duration>,
}

/// A started gateway: addresses, the live policy, and the stop switch.
pub struct Running {
    pub http_addr: Option<SocketAddr>,
    pub postgres_addr: Option<SocketAddr>,
    pub live: Arc<Live>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    audit: Option<AuditLog>,
}

impl Running {
    /// Stops accepting, drains, and waits for the listeners.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(log) = self.audit {
            log.flush();
        }
    }
}

/// Loads the policy and starts its listeners (on the current tokio runtime).
pub async fn start(config: &Path, options: ServeOptions) -> Result<Running, String> {
    let policy = Arc::new(crate::config::load(config).map_err(|e| e.to_string())?);
    if policy.http.is_none() && policy.postgres.is_none() {
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
    let live = Arc::new(Live::new(config, policy.clone()));
    let (stop, stop_rx) = watch::channel(false);
    let grace = options.grace.unwrap_or(Duration::from_secs(10));
    let mut tasks = Vec::new();
    let mut http_addr = None;
    if policy.http.is_some() {
        let server = crate::http::HttpServer::bind(
            policy.clone(),
            live.registry.clone(),
            audit.clone(),
            options.http_listen,
        )
        .await?;
        http_addr = Some(server.local_addr().map_err(|e| e.to_string())?);
        live.add_listener(Box::new(server.reloader()));
        tasks.push(tokio::spawn(server.run(stop_rx.clone(), grace)));
    }
    let mut postgres_addr = None;
    if let Some(settings) = policy.postgres.clone() {
        let source: Arc<dyn crate::pg::session::PolicySource> = live.clone();
        let mut ctx = crate::pg::server::ServerCtx::new(settings.clone(), source, audit.clone())
            .map_err(|e| e.to_string())?;
        ctx.registry = Some(live.registry.clone());
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
        postgres_addr = Some(listener.local_addr().map_err(|e| e.to_string())?);
        let run = crate::pg::server::run(listener, Arc::new(ctx), stop_rx.clone());
        tasks.push(tokio::spawn(run));
    }
    Ok(Running {
        http_addr,
        postgres_addr,
        live,
        stop,
        tasks,
        audit,
    })
}

/// `tuomin serve`: runs until SIGINT or SIGTERM; SIGHUP reloads the policy.
pub async fn run(config: &Path, options: ServeOptions) -> Result<(), String> {
    let running = start(config, options).await?;
    if let Some(addr) = running.http_addr {
        tracing::info!(%addr, "HTTP gateway listening");
        eprintln!("tuomin: HTTP gateway listening on {addr}");
    }
    if let Some(addr) = running.postgres_addr {
        tracing::info!(%addr, "postgres gateway listening");
        eprintln!("tuomin: PostgreSQL gateway listening on {addr}");
    }
    signals(&running.live).await.map_err(|e| e.to_string())?;
    tracing::info!("stopping: draining connections");
    running.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn signals(live: &Live) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            _ = hup.recv() => match live.reload() {
                Ok(cut) => tracing::info!(cut_off = cut, "policy reloaded"),
                Err(e) => tracing::error!(error = %e, "policy reload refused; the running policy stays"),
            },
            _ = term.recv() => return Ok(()),
            _ = int.recv() => return Ok(()),
        }
    }
}

#[cfg(not(unix))]
async fn signals(_live: &Live) -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
