//! Connection threads: each PostgreSQL session and each HTTP connection runs, from
//! accept to its end, on one of a few threads (one per core) that each drive their own
//! single-threaded runtime (with its own socket reactor and timers). A connection's
//! client and upstream sockets are then polled, and its task woken, on one thread: no
//! hand-offs between the threads of a shared runtime for every message. The HTTP
//! gateway keeps one upstream pool per thread ([`current_index`]) so that pooled
//! upstream connections stay on their thread too. Measured in `benches/pg.md` and
//! `benches/http.md`.

use std::cell::Cell;
use std::future::Future;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

thread_local! {
    /// On a connection thread: its index among its listener's threads.
    static INDEX: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The index of the connection thread this runs on, if it runs on one (for per-thread
/// resources such as the HTTP upstream pools).
pub fn current_index() -> Option<usize> {
    INDEX.with(Cell::get)
}

/// The connection threads of one listener. Dropping it (after the listener has
/// drained its connections) drops each thread's stop sender: the thread's `block_on`
/// returns and its runtime, with any task still on it, is dropped on that thread.
pub struct ConnectionThreads {
    threads: Vec<Thread>,
    next: usize,
}

struct Thread {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

/// How many connection threads a listener starts (and the HTTP gateway builds upstream
/// pools for): one per core.
pub fn per_listener() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl ConnectionThreads {
    /// [`per_listener`] threads for the listener `name` (`tuomin-{name}-N`); `None`, with
    /// an error logged, when the system refuses a thread: the listener then stops.
    pub fn for_listener(name: &str) -> Option<Self> {
        match Self::start(&format!("tuomin-{name}"), per_listener()) {
            Ok(threads) => Some(threads),
            Err(e) => {
                tracing::error!(error = %e, listener = name, "cannot start connection threads");
                None
            }
        }
    }

    /// `count` threads (at least one), named `{name}-0`, `{name}-1`, ….
    pub fn start(name: &str, count: usize) -> std::io::Result<Self> {
        let mut threads = Vec::with_capacity(count.max(1));
        for i in 0..count.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let handle = runtime.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            // Detached: a listener may stop on a runtime thread, where joining would block.
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    INDEX.with(|c| c.set(Some(i)));
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                })?;
            threads.push(Thread {
                handle,
                _stop: stop,
            });
        }
        Ok(ConnectionThreads { threads, next: 0 })
    }

    /// The runtime the next connection goes to (round robin).
    fn pick(&mut self) -> &Handle {
        let i = self.next % self.threads.len();
        self.next = self.next.wrapping_add(1);
        &self.threads[i].handle
    }

    /// Spawns `task` on the next thread's runtime, detached.
    pub fn spawn<F>(&mut self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.pick().spawn(task));
    }

    /// Spawns `task` on the next thread's runtime, into `set`.
    pub fn spawn_into<F>(&mut self, set: &mut tokio::task::JoinSet<()>, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = self.pick().clone();
        set.spawn_on(task, &handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connections_go_round_robin_to_named_indexed_threads_and_stop_with_them() {
        assert_eq!(
            current_index(),
            None,
            "the test's own thread is no connection thread"
        );
        let mut threads = ConnectionThreads::start("tuomin-pg", 2).unwrap();
        let mut set = tokio::task::JoinSet::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..4 {
            let tx = tx.clone();
            threads.spawn_into(&mut set, async move {
                let name = std::thread::current().name().map(str::to_owned);
                let _ = tx.send(name.map(|n| format!("{n}@{:?}", current_index())));
            });
        }
        while set.join_next().await.is_some() {}
        let mut names = Vec::new();
        for _ in 0..4 {
            names.push(rx.recv().await.unwrap().unwrap());
        }
        names.sort();
        assert_eq!(
            names,
            [
                "tuomin-pg-0@Some(0)",
                "tuomin-pg-0@Some(0)",
                "tuomin-pg-1@Some(1)",
                "tuomin-pg-1@Some(1)"
            ]
        );

        // A task still pending when the threads stop is dropped with its runtime.
        struct Dropped(Option<tokio::sync::oneshot::Sender<()>>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                if let Some(tx) = self.0.take() {
                    let _ = tx.send(());
                }
            }
        }
        let (dropped_tx, dropped) = tokio::sync::oneshot::channel();
        let guard = Dropped(Some(dropped_tx));
        threads.spawn_into(&mut set, async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        drop(threads);
        tokio::time::timeout(std::time::Duration::from_secs(5), dropped)
            .await
            .expect("the session thread stopped")
            .expect("the pending task was dropped");
    }
}
