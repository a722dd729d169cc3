//! [`Readiness`]: what `GET /readyz` answers. Ready means every configured listener is
//! bound and not draining, the PostgreSQL upstream accepted a connection at the last
//! check ([`super::probe`]), and the audit trail is healthy — or, in `best_effort`
//! mode, serving goes on and the failure is only reported.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::audit::{AuditLog, AuditMode};

/// The readiness verdict, with reasons a person can act on (never a value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub ready: bool,
    /// Why not ready, or what is degraded while still ready.
    pub reasons: Vec<String>,
}

/// The last result of the upstream check.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Upstream {
    /// No check has finished yet.
    Unchecked,
    Reachable,
    Unreachable(String),
}

/// Everything `/readyz` looks at, updated by the listeners and the probe.
pub struct Readiness {
    /// Listener name → bound (and not draining).
    listeners: Mutex<Vec<(&'static str, bool)>>,
    /// `None` when there is no PostgreSQL upstream to check.
    upstream: Option<Mutex<Upstream>>,
    audit: Option<AuditLog>,
    draining: AtomicBool,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Readiness {
    /// Readiness of the listeners named in `listeners` (none bound yet), checking the
    /// PostgreSQL upstream when `check_upstream`, and the audit trail when there is one.
    pub fn new(listeners: &[&'static str], check_upstream: bool, audit: Option<AuditLog>) -> Self {
        Readiness {
            listeners: Mutex::new(listeners.iter().map(|l| (*l, false)).collect()),
            upstream: check_upstream.then(|| Mutex::new(Upstream::Unchecked)),
            audit,
            draining: AtomicBool::new(false),
        }
    }

    /// The listener `name` is bound and accepting.
    pub fn bound(&self, name: &'static str) {
        let mut listeners = lock(&self.listeners);
        match listeners.iter_mut().find(|(l, _)| *l == name) {
            Some(entry) => entry.1 = true,
            None => listeners.push((name, true)),
        }
    }

    /// The process is stopping: not ready any more, so load balancers move away.
    pub fn draining(&self) {
        self.draining.store(true, Ordering::Release);
    }

    /// The result of one upstream check.
    pub fn upstream_checked(&self, result: Result<(), String>) {
        if let Some(state) = &self.upstream {
            *lock(state) = match result {
                Ok(()) => Upstream::Reachable,
                Err(e) => Upstream::Unreachable(e),
            };
        }
    }

    /// Ready or not, and why.
    pub fn verdict(&self) -> Verdict {
        let mut reasons = Vec::new();
        let mut ready = true;
        if self.draining.load(Ordering::Acquire) {
            ready = false;
            reasons.push("the gateway is shutting down".to_owned());
        }
        for (name, bound) in lock(&self.listeners).iter() {
            if !bound {
                ready = false;
                reasons.push(format!("the {name} listener is not bound yet"));
            }
        }
        if let Some(state) = &self.upstream {
            match &*lock(state) {
                Upstream::Reachable => {}
                Upstream::Unchecked => {
                    ready = false;
                    reasons.push("the PostgreSQL upstream has not been checked yet".to_owned());
                }
                Upstream::Unreachable(e) => {
                    ready = false;
                    reasons.push(format!(
                        "the PostgreSQL upstream was unreachable at the last check: {e}"
                    ));
                }
            }
        }
        if let Some(log) = &self.audit {
            let stats = log.stats();
            if !stats.healthy {
                let required = stats.mode == AuditMode::Required;
                ready &= !required;
                reasons.push(if required {
                    "the audit trail cannot be written and audit is required: every statement \
                     and request is refused"
                        .to_owned()
                } else {
                    "the audit trail cannot be written (best_effort: serving goes on unrecorded)"
                        .to_owned()
                });
            }
        }
        Verdict { ready, reasons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_ready_until_every_listener_is_bound_and_the_upstream_checked() {
        let r = Readiness::new(&["http", "postgres"], true, None);
        assert!(!r.verdict().ready);
        r.bound("http");
        r.bound("postgres");
        let v = r.verdict();
        assert!(!v.ready);
        assert!(v.reasons[0].contains("not been checked"), "{v:?}");
        r.upstream_checked(Ok(()));
        assert_eq!(
            r.verdict(),
            Verdict {
                ready: true,
                reasons: vec![]
            }
        );
        r.upstream_checked(Err("connection refused".into()));
        assert!(!r.verdict().ready);
        r.upstream_checked(Ok(()));
        r.draining();
        assert!(!r.verdict().ready);
    }
}
