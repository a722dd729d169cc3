//! [`Live`]: the running policy and its reload — the one code path behind SIGHUP and
//! `POST /reload`. The new policy is loaded and validated, every listener prepares
//! its snapshot from it, and only when all succeed is it swapped in; then the
//! connections of consumers disabled or removed are closed. An invalid policy is
//! refused, logged, counted, and the running one kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;

use super::registry::Registry;
use crate::admin::Metrics;
use crate::audit::AuditLog;
use crate::config::PolicyErrors;
use crate::policy::Policy;

/// A listener that follows policy reloads.
pub trait Listener: Send + Sync {
    fn name(&self) -> &'static str;
    /// Builds what the listener needs from `policy`; the returned closure swaps it in.
    fn prepare(&self, policy: Arc<Policy>) -> Result<Box<dyn FnOnce() + Send>, String>;
}

/// A reload that took effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reloaded {
    /// The new policy's version (SHA-256 of its file).
    pub version: String,
    /// Connections closed because their consumer was disabled or removed.
    pub cut_off: usize,
}

/// Why a reload was refused; the running policy stays.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ReloadError {
    /// The file cannot be read, parsed or validated.
    #[error("{0}")]
    Policy(PolicyErrors),
    /// A listener cannot use the policy (e.g. an upstream CA file is unreadable).
    #[error("{listener} listener: {message}")]
    Listener {
        listener: &'static str,
        message: String,
    },
    /// The reload task itself failed.
    #[error("the reload did not finish: {0}")]
    Internal(String),
}

impl ReloadError {
    /// Each problem on its own line, as `POST /reload` lists them.
    pub fn problems(&self) -> Vec<String> {
        match self {
            ReloadError::Policy(errors) => errors.0.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// The running policy, its listeners, the connection registry and the metrics.
pub struct Live {
    path: PathBuf,
    /// Swapped only by [`Live::reload`], which bumps `generation` after it.
    policy: ArcSwap<Policy>,
    /// Bumped after every new policy ([`PolicySource::generation`]).
    ///
    /// [`PolicySource::generation`]: crate::pg::session::PolicySource::generation
    generation: AtomicU64,
    pub registry: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    listeners: std::sync::Mutex<Vec<Box<dyn Listener>>>,
    /// The audit trail, told the key version of each policy before it serves.
    audit: Option<AuditLog>,
}

impl Live {
    pub fn new(
        path: &Path,
        policy: Arc<Policy>,
        metrics: Arc<Metrics>,
        audit: Option<AuditLog>,
    ) -> Live {
        metrics.policy_loaded(&policy.version);
        Live {
            path: path.to_owned(),
            policy: ArcSwap::new(policy),
            generation: AtomicU64::new(0),
            registry: Arc::new(Registry::default()),
            metrics,
            listeners: std::sync::Mutex::new(Vec::new()),
            audit,
        }
    }

    /// The running policy.
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.load_full()
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

    /// Reloads the policy file (blocking: it reads, compiles and derives keys). Two
    /// reloads never overlap.
    pub fn reload(&self) -> Result<Reloaded, ReloadError> {
        let result = self.swap();
        self.metrics.reload(result.is_ok());
        match &result {
            Ok(r) => {
                self.metrics.policy_loaded(&r.version);
                self.metrics.cut_off(r.cut_off);
                tracing::info!(version = %r.version, cut_off = r.cut_off, "policy reloaded");
            }
            Err(e) => {
                tracing::error!(error = %e, "policy reload refused; the running policy stays")
            }
        }
        result
    }

    /// [`Live::reload`] off the async runtime's worker threads.
    pub async fn reload_blocking(self: &Arc<Self>) -> Result<Reloaded, ReloadError> {
        let live = Arc::clone(self);
        tokio::task::spawn_blocking(move || live.reload())
            .await
            .map_err(|e| ReloadError::Internal(e.to_string()))?
    }

    fn swap(&self) -> Result<Reloaded, ReloadError> {
        // Held throughout, so that concurrent reloads (SIGHUP and POST) serialise.
        let listeners = self.lock();
        let policy = Arc::new(crate::config::load(&self.path).map_err(ReloadError::Policy)?);
        let mut commits = Vec::new();
        for l in listeners.iter() {
            let commit = l
                .prepare(policy.clone())
                .map_err(|message| ReloadError::Listener {
                    listener: l.name(),
                    message,
                })?;
            commits.push(commit);
        }
        // Before the new policy serves: its records name (and are sealed under) its key.
        if let Some(audit) = &self.audit {
            audit.use_key(&policy.audit_key());
        }
        for commit in commits {
            commit();
        }
        self.policy.store(policy.clone());
        self.generation.fetch_add(1, Ordering::Release);
        let cut_off = self
            .registry
            .cut_off(|c| !policy.consumer(c).is_some_and(|c| c.enabled));
        Ok(Reloaded {
            version: policy.version.clone(),
            cut_off,
        })
    }
}

impl crate::pg::session::PolicySource for Live {
    fn current(&self) -> Arc<Policy> {
        self.policy.load_full()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}
