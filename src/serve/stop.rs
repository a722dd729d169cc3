//! A connection's stop signal: raised once (shutdown, or its consumer cut off), waited
//! on by the connection's own task at each of its wake-ups. A `watch` channel costs a
//! lock and a waiter list at every such wait; this is one atomic flag and one waker
//! slot that no other connection touches.
//!
//! The waker slot holds one waker: every wait on a [`Stopped`] must come from the same
//! task (a session's two pumps run in one). Dropping the [`Stop`] raises the signal:
//! a connection whose signal can no longer be raised stops rather than run on
//! unwatched.

use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use atomic_waker::AtomicWaker;

#[derive(Default)]
struct Signal {
    raised: AtomicBool,
    waker: AtomicWaker,
}

/// The raising side.
pub struct Stop(Arc<Signal>);

/// The waiting side, for one task.
pub struct Stopped(Arc<Signal>);

/// A new, lowered signal.
pub fn signal() -> (Stop, Stopped) {
    let signal = Arc::new(Signal::default());
    (Stop(Arc::clone(&signal)), Stopped(signal))
}

impl Stop {
    /// Raises the signal and wakes the waiting task.
    pub fn raise(&self) {
        self.0.raised.store(true, Ordering::Release);
        self.0.waker.wake();
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        self.raise();
    }
}

impl Stopped {
    /// Whether the signal is raised.
    pub fn is_raised(&self) -> bool {
        self.0.raised.load(Ordering::Acquire)
    }

    /// Resolves once the signal is raised (at once if it already is).
    pub async fn wait(&self) {
        poll_fn(|cx| {
            if self.is_raised() {
                return Poll::Ready(());
            }
            self.0.waker.register(cx.waker());
            // Raised between the check and the registration: its wake may have
            // found the slot empty.
            if self.is_raised() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_wait_ends_when_the_signal_is_raised_and_not_before() {
        let (stop, stopped) = signal();
        assert!(!stopped.is_raised());
        let early = tokio::time::timeout(Duration::from_millis(50), stopped.wait()).await;
        assert!(early.is_err(), "no stop before it is raised");
        let raiser = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stop.raise();
            stop
        });
        tokio::time::timeout(Duration::from_secs(5), stopped.wait())
            .await
            .expect("the wait ended when raised");
        assert!(stopped.is_raised());
        // Raised stays raised; later waits end at once.
        let stop = raiser.await.unwrap();
        stopped.wait().await;
        drop(stop);
        assert!(stopped.is_raised());
    }

    #[tokio::test]
    async fn dropping_the_raising_side_raises_the_signal() {
        let (stop, stopped) = signal();
        let waiter = tokio::spawn(async move {
            stopped.wait().await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(stop);
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter woke")
            .unwrap();
    }
}
