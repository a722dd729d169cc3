//! The connection registry: which open connections each consumer has used, so that
//! disabling a consumer (or removing it) closes them at once. Shared by every
//! listener (HTTP and PostgreSQL); a connection's [`Registration`] takes it out again
//! when dropped.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// The close signal of one connection; the connection's task waits on [`CloseSignal::closed`].
pub struct CloseSignal {
    rx: watch::Receiver<bool>,
}

impl CloseSignal {
    /// Resolves when the connection must be closed.
    pub async fn closed(&mut self) {
        // An error means the registry is gone: the process is stopping anyway.
        let _ = self.rx.wait_for(|closed| *closed).await;
    }
}

/// An open connection's place in the [`Registry`]; dropped when the connection ends.
pub struct Registration {
    registry: Arc<Registry>,
    id: u64,
}

impl Registration {
    /// The connection's id in the registry.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.close(self.id);
    }
}

struct Entry {
    tx: watch::Sender<bool>,
    consumers: HashSet<String>,
}

/// Every open connection, by id, with the consumers it has served.
#[derive(Default)]
pub struct Registry {
    next: AtomicU64,
    conns: Mutex<HashMap<u64, Entry>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        match self.conns.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Registers a new connection: its registration (dropping it forgets the
    /// connection, however the connection's task ends — a panic included) and its
    /// close signal.
    pub fn open(self: &Arc<Self>) -> (Registration, CloseSignal) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = watch::channel(false);
        self.lock().insert(
            id,
            Entry {
                tx,
                consumers: HashSet::new(),
            },
        );
        let registration = Registration {
            registry: Arc::clone(self),
            id,
        };
        (registration, CloseSignal { rx })
    }

    /// Notes that connection `id` served `consumer`.
    pub fn served(&self, id: u64, consumer: &str) {
        if let Some(entry) = self.lock().get_mut(&id)
            && !entry.consumers.contains(consumer)
        {
            entry.consumers.insert(consumer.to_owned());
        }
    }

    /// Forgets a closed connection.
    fn close(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Signals every connection that served a consumer for which `cut` is true;
    /// returns how many were signalled.
    pub fn cut_off(&self, cut: impl Fn(&str) -> bool) -> usize {
        let conns = self.lock();
        let mut n = 0;
        for entry in conns.values() {
            if entry.consumers.iter().any(|c| cut(c)) {
                let _ = entry.tx.send(true);
                n += 1;
            }
        }
        n
    }

    /// Open connections.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cutting_a_consumer_signals_only_its_connections() {
        let registry = Arc::new(Registry::default());
        let (a, mut close_a) = registry.open();
        let (b, close_b) = registry.open();
        registry.served(a.id(), "vendor");
        registry.served(b.id(), "qa");
        assert_eq!(registry.cut_off(|c| c == "vendor"), 1);
        close_a.closed().await;
        assert!(!*close_b.rx.borrow());
    }

    #[test]
    fn a_connection_is_forgotten_when_its_registration_drops_even_in_a_panic() {
        let registry = Arc::new(Registry::default());
        let (kept, _) = registry.open();
        let (ended, _) = registry.open();
        assert_eq!(registry.len(), 2);
        drop(ended);
        assert_eq!(registry.len(), 1);
        let (panicking, _) = registry.open();
        let task = std::thread::spawn(move || {
            let _registration = panicking;
            panic!("a bug in a connection's task");
        });
        assert!(task.join().is_err());
        assert_eq!(registry.len(), 1, "the panicked connection is gone");
        registry.served(kept.id(), "qa");
        assert_eq!(registry.cut_off(|c| c == "qa"), 1);
    }
}
