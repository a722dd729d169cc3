//! The process's panic hook. A panic is a bug (untrusted bytes end a session or a
//! request with an error, never a panic), and Rust's default hook prints its message,
//! which can quote the data being handled: a slice error quotes the text it sliced —
//! a client's statement, values and all. This hook reports the place and the thread
//! only, through the log when one is installed (else on standard error). The panicking
//! task ends (its session or request); the process goes on. A connection's task holds
//! a [`NamedOnPanic`], which names the connection in the line after the hook's.

use std::net::SocketAddr;
use std::panic::PanicHookInfo;

/// Replaces the default panic hook (`tuomin` does this first thing).
pub fn install() {
    std::panic::set_hook(Box::new(report));
}

fn report(info: &PanicHookInfo<'_>) {
    let place = info.location().map_or_else(
        || "an unknown place".to_owned(),
        |l| format!("{}:{}:{}", l.file(), l.line(), l.column()),
    );
    let thread = std::thread::current();
    let thread = thread.name().unwrap_or("unnamed");
    if tracing::dispatcher::has_been_set() {
        tracing::error!(
            place = %place,
            thread,
            "tuomin panicked (a bug: please report it with this place); its message is \
             withheld as it may quote client or upstream data; the task it ran in ended"
        );
    } else {
        eprintln!(
            "tuomin panicked at {place} in thread {thread} (a bug: please report it with \
             this place); its message is withheld as it may quote client or upstream data"
        );
    }
}

/// Held by a connection's task: when a panic drops it, the log names the connection
/// (listener, client address and, once known, consumer) right after the hook's line.
pub struct NamedOnPanic {
    listener: &'static str,
    client: SocketAddr,
    consumer: Option<String>,
}

impl NamedOnPanic {
    /// For a connection of `listener` from `client`, serving `consumer` if known.
    pub fn new(listener: &'static str, client: SocketAddr, consumer: Option<String>) -> Self {
        NamedOnPanic {
            listener,
            client,
            consumer,
        }
    }
}

impl Drop for NamedOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!(
                listener = self.listener,
                client = %self.client,
                consumer = self.consumer.as_deref().unwrap_or("-"),
                "connection ended by a panic (its place is in the line before); it was closed"
            );
        }
    }
}
