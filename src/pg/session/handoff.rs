//! The hand-off of [`Expect`]ations from the client pump to the server pump: a queue
//! under a mutex and one waker slot. Both pumps run in one task (`session::run`), so
//! the lock is never contended; in place of an unbounded `mpsc` channel (its block
//! list, atomics and waker), it took 1.1 k of 34.7 k instructions off a point
//! transaction of five messages (callgrind, `benches/pg.md`). Unbounded like the
//! channel was: the client pump queues one expectation per message it forwards, and
//! each message is bounded by the codec's caps.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use super::{Expect, lock};

#[derive(Default)]
struct State {
    queue: VecDeque<Expect>,
    sender_gone: bool,
    /// The client has left (Terminate, or its connection closed).
    goodbye: bool,
    receiver_gone: bool,
    waker: Option<Waker>,
}

type Shared = Arc<Mutex<State>>;

/// A new hand-off: the client pump's end and the server pump's.
pub fn handoff() -> (Sender, Receiver) {
    let shared = Shared::default();
    (Sender(Arc::clone(&shared)), Receiver(shared))
}

/// The client pump's end.
pub struct Sender(Shared);

/// The server pump's end.
pub struct Receiver(Shared);

impl Sender {
    /// Queues `e` and wakes the receiver; `Err(e)` when the receiver is gone.
    pub fn send(&self, e: Expect) -> Result<(), Expect> {
        let waker = {
            let mut state = lock(&self.0);
            if state.receiver_gone {
                return Err(e);
            }
            state.queue.push_back(e);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl Sender {
    /// Tells the server pump that the client has left: the upstream closing after
    /// this is the session's end, not an error to report.
    pub fn goodbye(&self) {
        lock(&self.0).goodbye = true;
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let waker = {
            let mut state = lock(&self.0);
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Receiver {
    /// Whether the client pump said the client has left ([`Sender::goodbye`]).
    pub fn client_left(&self) -> bool {
        lock(&self.0).goodbye
    }

    /// The next expectation, if one is queued now.
    pub fn try_recv(&mut self) -> Option<Expect> {
        lock(&self.0).queue.pop_front()
    }

    /// The next expectation; `None` once the sender is gone and the queue empty.
    pub async fn recv(&mut self) -> Option<Expect> {
        poll_fn(|cx| {
            let mut state = lock(&self.0);
            if let Some(e) = state.queue.pop_front() {
                return Poll::Ready(Some(e));
            }
            if state.sender_gone {
                return Poll::Ready(None);
            }
            if !state
                .waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                state.waker = Some(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let mut state = lock(&self.0);
        state.receiver_gone = true;
        state.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn fatal(n: u8) -> Expect {
        Expect::Fatal(bytes::Bytes::from(vec![n]))
    }

    fn byte(e: Option<Expect>) -> Option<u8> {
        match e {
            Some(Expect::Fatal(b)) => b.first().copied(),
            Some(_) => Some(u8::MAX),
            None => None,
        }
    }

    #[tokio::test]
    async fn expectations_arrive_in_order_and_the_end_after_the_last() {
        let (tx, mut rx) = handoff();
        assert!(rx.try_recv().is_none());
        for n in 0..3 {
            assert!(tx.send(fatal(n)).is_ok());
        }
        assert_eq!(byte(rx.try_recv()), Some(0));
        assert_eq!(byte(rx.recv().await), Some(1));
        drop(tx);
        // Queued before the sender left: still delivered, then the end.
        assert_eq!(byte(rx.recv().await), Some(2));
        assert_eq!(byte(rx.recv().await), None);
    }

    #[test]
    fn the_clients_goodbye_is_seen_by_the_receiver_and_expectations_still_flow() {
        let (tx, mut rx) = handoff();
        assert!(!rx.client_left());
        tx.goodbye();
        assert!(rx.client_left());
        assert!(tx.send(fatal(1)).is_ok(), "replies owed are still expected");
        assert_eq!(byte(rx.try_recv()), Some(1));
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken_by_a_send_and_by_the_sender_leaving() {
        let (tx, mut rx) = handoff();
        let waiter = tokio::spawn(async move {
            let first = byte(rx.recv().await);
            let end = byte(rx.recv().await);
            (first, end)
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(tx.send(fatal(7)).is_ok());
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(tx);
        let got = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the receiver was woken")
            .unwrap();
        assert_eq!(got, (Some(7), None));
    }

    #[test]
    fn a_send_after_the_receiver_left_is_given_back() {
        let (tx, rx) = handoff();
        drop(rx);
        assert_eq!(byte(tx.send(fatal(3)).err()), Some(3));
    }
}
