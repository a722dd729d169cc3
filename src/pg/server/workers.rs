//! Session threads: each PostgreSQL session runs, from accept to its end, on one of a
//! few threads that each drive their own single-threaded runtime (with its own
//! socket reactor and timers). A session's client and upstream sockets are then
//! polled, and its task woken, on one thread: no hand-offs between the threads of a
//! shared runtime for every message (measured: `benches/pg.md`).

use std::future::Future;
use std::thread::JoinHandle;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The session threads of one listener; stopped (after their sessions) when dropped.
pub struct SessionThreads {
    threads: Vec<Thread>,
    next: usize,
}

struct Thread {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    join: Option<JoinHandle<()>>,
}

impl SessionThreads {
    /// `count` threads (at least one).
    pub fn start(count: usize) -> std::io::Result<Self> {
        let mut threads = Vec::with_capacity(count.max(1));
        for i in 0..count.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let handle = runtime.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            let join = std::thread::Builder::new()
                .name(format!("tuomin-pg-{i}"))
                .spawn(move || {
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                })?;
            threads.push(Thread {
                handle,
                stop: Some(stop),
                join: Some(join),
            });
        }
        Ok(SessionThreads { threads, next: 0 })
    }

    /// The runtime the next session goes to (round robin).
    fn pick(&mut self) -> &Handle {
        let i = self.next % self.threads.len();
        self.next = self.next.wrapping_add(1);
        &self.threads[i].handle
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

impl Drop for SessionThreads {
    fn drop(&mut self) {
        for t in &mut self.threads {
            if let Some(stop) = t.stop.take() {
                let _ = stop.send(());
            }
        }
        // The threads end once their `block_on` returns; not joined here, since a
        // drop may happen on a runtime thread where blocking is not allowed.
        for t in &mut self.threads {
            drop(t.join.take());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sessions_go_round_robin_to_named_threads_and_stop_with_them() {
        let mut threads = SessionThreads::start(2).unwrap();
        let mut set = tokio::task::JoinSet::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..4 {
            let tx = tx.clone();
            threads.spawn_into(&mut set, async move {
                let name = std::thread::current().name().map(str::to_owned);
                let _ = tx.send(name);
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
            ["tuomin-pg-0", "tuomin-pg-0", "tuomin-pg-1", "tuomin-pg-1"]
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
