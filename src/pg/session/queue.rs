//! The expected-reply queue: what each upcoming server reply answers, in order, and
//! where the gateway's own replies (refusals) go between them.
//!
//! The client pump pushes an [`Expect`] *before* it forwards the message, so every
//! server reply finds its entry already queued. The server pump pops entries as
//! replies complete them. When a block is being discarded (an error, a refusal), the
//! server's replies are dropped until the ReadyForQuery that ends the block, and that
//! ReadyForQuery pops every entry up to and including the block's end: the failed
//! simple Query itself, or in the extended protocol the next Sync. After the server's
//! own error there, PostgreSQL ignores every message until that Sync, simple Queries
//! included; after a refusal of the gateway's it runs them, and their ReadyForQuery
//! is swallowed, as the client — told of an error — expects them ignored.
//!
//! Statements dropped on the way still reach the audit trail ([`ReplyQueue::take_unaudited`]):
//! a refusal of the client pump's that was never emitted (its block had already
//! failed), and a statement the server ran inside a block the gateway had refused (its
//! replies withheld).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::pg::codec::backend::{ErrorResponse, NoticeResponse};
use crate::pg::sqltext::CopyOut;
use crate::sql::Analysis;

/// One expected reply (or one synthetic reply to emit in its place).
#[derive(Clone, Debug)]
pub enum Expect {
    /// A simple Query: results until ReadyForQuery.
    Query {
        /// The text (for plans, scrubbing and audit).
        sql: Arc<str>,
        /// The COPY TO STDOUT it is, if any (the plan comes from a hidden Describe).
        copy: Option<CopyOut>,
        /// The gate's analysis (cross-check, session effects), if the gate ran.
        analysis: Option<Arc<Analysis>>,
        /// When the client's message arrived (statement latency).
        started: Instant,
    },
    /// Parse → ParseComplete.
    Parse {
        /// Hidden: sent by the gateway, reply not forwarded.
        hidden: bool,
    },
    /// Bind → BindComplete.
    Bind,
    /// Describe → [ParameterDescription] RowDescription | NoData.
    Describe {
        /// Hidden: sent by the gateway, reply not forwarded.
        hidden: bool,
        /// The statement behind it.
        sql: Arc<str>,
        /// For a hidden Describe before a COPY: that COPY's plan target.
        for_copy: bool,
        /// The gate's analysis of the statement (cross-check).
        analysis: Option<Arc<Analysis>>,
    },
    /// Execute → rows, then CommandComplete | PortalSuspended | EmptyQueryResponse.
    Execute {
        /// The statement behind the portal.
        sql: Arc<str>,
        /// The gate's analysis of the statement (cross-check, session effects).
        analysis: Option<Arc<Analysis>>,
        /// When the client's Execute arrived (statement latency).
        started: Instant,
    },
    /// Close → CloseComplete.
    Close,
    /// Sync → ReadyForQuery.
    Sync {
        /// Hidden: sent by the gateway, ReadyForQuery not forwarded.
        hidden: bool,
    },
    /// A refusal in the extended protocol: emit this error, then discard to Sync.
    Refuse {
        /// The error.
        error: ErrorResponse,
        /// The statement, for audit.
        sql: Arc<str>,
        /// When the refused message arrived (statement latency).
        started: Instant,
    },
    /// A refusal of a simple Query or FunctionCall: emit error and ReadyForQuery.
    RefuseQuery {
        /// The error.
        error: ErrorResponse,
        /// The statement, for audit.
        sql: Arc<str>,
        /// When the refused message arrived (statement latency).
        started: Instant,
    },
    /// A notice of the gate (a `*` trimmed …): emitted in order, before the reply.
    Notice(NoticeResponse),
    /// Bytes to send and end the session (protocol violation, shutdown).
    Fatal(Bytes),
}

impl Expect {
    /// Whether this entry ends a block (its ReadyForQuery).
    pub fn ends_block(&self) -> bool {
        matches!(self, Expect::Query { .. } | Expect::Sync { .. })
    }

    /// Whether the gateway answers it without the server.
    pub fn is_synthetic(&self) -> bool {
        matches!(
            self,
            Expect::Refuse { .. }
                | Expect::RefuseQuery { .. }
                | Expect::Notice(_)
                | Expect::Fatal(_)
        )
    }
}

/// The queue, as the server pump holds it.
#[derive(Debug, Default)]
pub struct ReplyQueue {
    entries: VecDeque<Expect>,
    discarding: Option<Discard>,
    /// While tracking: the front entry is the refused statement's own, whose refusal
    /// is already recorded (its completion is not recorded again).
    refused_front: bool,
    /// Dropped entries the audit trail must still name, oldest first.
    unaudited: Vec<Expect>,
}

/// Who ended the block being discarded, which decides where its end is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failed {
    /// The server answered with an error: in the extended protocol it now skips every
    /// message until Sync.
    Server,
    /// The gateway refused a reply: the server goes on with what follows.
    Gateway,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Discard {
    /// A simple Query failed: the block ends with its ReadyForQuery.
    Query,
    /// The server failed in the extended protocol: it skips every message until Sync.
    ToSync,
    /// The gateway refused in the extended protocol and the server runs on: its
    /// replies are matched to their entries, without going out, until the Sync's
    /// ReadyForQuery (a simple Query on the way gets a ReadyForQuery of its own).
    Tracking,
}

/// What a ReadyForQuery ended.
#[derive(Debug)]
pub enum Ended {
    /// A block, with its end entry (`None` if the queue had none).
    Block(Option<Expect>),
    /// A simple Query the server ran inside a block the gateway is discarding: its
    /// ReadyForQuery is not the client's, and the discarding goes on.
    Swallowed,
}

impl ReplyQueue {
    /// Adds an entry at the back.
    pub fn push(&mut self, e: Expect) {
        self.entries.push_back(e);
    }

    /// The entry the next reply answers.
    pub fn front(&self) -> Option<&Expect> {
        self.entries.front()
    }

    /// Removes the front entry.
    pub fn pop(&mut self) -> Option<Expect> {
        self.entries.pop_front()
    }

    /// Whether the current block is being discarded.
    pub fn discarding(&self) -> bool {
        self.discarding.is_some()
    }

    /// Starts discarding the current block's replies; the failed entry is at the front
    /// (its failure already recorded).
    pub fn discard_block(&mut self, failed: Failed) {
        let discard = match (self.front(), failed) {
            (Some(Expect::Query { .. }), _) => Discard::Query,
            (_, Failed::Server) => Discard::ToSync,
            (_, Failed::Gateway) => Discard::Tracking,
        };
        self.discarding = Some(discard);
        self.refused_front = discard == Discard::Tracking;
    }

    /// Starts discarding after the gateway refused an extended-protocol entry already
    /// popped (a Describe's description, a message the client pump refused): the
    /// server runs on to the Sync, whatever entry is now at the front.
    /// `front_recorded`: the front entry is the refused statement's Execute, whose
    /// refusal is already recorded.
    pub fn discard_extended_block(&mut self, front_recorded: bool) {
        self.discarding = Some(Discard::Tracking);
        self.refused_front = front_recorded;
    }

    /// A server reply (by its tag) that goes out to no one while the block is
    /// discarded: when the server runs on after a refusal of the gateway's, the
    /// entries it completes are popped, and its error in the extended protocol turns
    /// the discarding into a skip to Sync, as the server's own.
    pub fn track(&mut self, tag: u8) {
        if self.discarding != Some(Discard::Tracking) {
            return;
        }
        self.pop_synthetic();
        let done = match (tag, self.front()) {
            (b'1', Some(Expect::Parse { .. }))
            | (b'2', Some(Expect::Bind))
            | (b'3', Some(Expect::Close)) => true,
            (b'T' | b'n', Some(Expect::Describe { .. })) => true,
            (b'C' | b's' | b'I', Some(Expect::Execute { .. })) => true,
            (b'E', Some(Expect::Query { .. })) => false,
            (b'E', _) => {
                self.discarding = Some(Discard::ToSync);
                false
            }
            _ => false,
        };
        if done {
            let entry = self.entries.pop_front();
            if std::mem::take(&mut self.refused_front) {
                return;
            }
            if let Some(e @ Expect::Execute { .. }) = entry {
                self.unaudited.push(e);
            }
        }
    }

    /// Entries the gateway answers itself, for messages the server never saw, dropped
    /// while discarding (a refusal among them is kept for the audit).
    fn pop_synthetic(&mut self) {
        while self.front().is_some_and(Expect::is_synthetic) {
            if let Some(e) = self.entries.pop_front() {
                self.keep_refusal(e);
            }
        }
    }

    /// Keeps a dropped refusal of the client pump's for the audit.
    fn keep_refusal(&mut self, e: Expect) {
        if matches!(e, Expect::Refuse { .. } | Expect::RefuseQuery { .. }) {
            self.unaudited.push(e);
        }
    }

    /// Whether dropped entries wait for the audit.
    pub fn has_unaudited(&self) -> bool {
        !self.unaudited.is_empty()
    }

    /// The entries dropped since the last call that the audit must still name, oldest
    /// first: refusals of the client pump's never emitted ([`Expect::Refuse`],
    /// [`Expect::RefuseQuery`]) and statements the server ran while their replies were
    /// withheld ([`Expect::Execute`], [`Expect::Query`]).
    pub fn take_unaudited(&mut self) -> Vec<Expect> {
        std::mem::take(&mut self.unaudited)
    }

    /// A ReadyForQuery arrived: pops up to and including what it ends and says what
    /// that was; discarding stops at the block's end.
    pub fn ready(&mut self) -> Ended {
        let discard = self.discarding.take();
        if discard == Some(Discard::Tracking) {
            self.pop_synthetic();
            if matches!(self.front(), Some(Expect::Query { .. })) {
                if let Some(query) = self.entries.pop_front() {
                    self.unaudited.push(query);
                }
                self.discarding = discard;
                return Ended::Swallowed;
            }
        }
        self.refused_front = false;
        while let Some(e) = self.entries.pop_front() {
            let end = match discard {
                Some(Discard::ToSync | Discard::Tracking) => matches!(e, Expect::Sync { .. }),
                None | Some(Discard::Query) => e.ends_block(),
            };
            if end {
                return Ended::Block(Some(e));
            }
            self.keep_refusal(e);
        }
        Ended::Block(None)
    }

    /// The synthetic entry at the front, if there is one and nothing is discarded.
    pub fn take_synthetic(&mut self) -> Option<Expect> {
        if self.discarding() || !self.front().is_some_and(Expect::is_synthetic) {
            return None;
        }
        self.pop()
    }

    /// How many entries wait.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none wait.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::{Severity, SqlState};

    fn refuse() -> Expect {
        refuse_of("x")
    }

    fn ended_at(ended: Ended) -> Option<Expect> {
        match ended {
            Ended::Block(e) => e,
            Ended::Swallowed => panic!("swallowed"),
        }
    }

    #[test]
    fn ready_for_query_pops_the_whole_discarded_block_and_nothing_after() {
        let mut q = ReplyQueue::default();
        q.push(Expect::Bind);
        q.push(Expect::Execute {
            sql: "a".into(),
            analysis: None,
            started: Instant::now(),
        });
        q.push(Expect::Sync { hidden: false });
        q.push(refuse());
        q.discard_block(Failed::Server);
        assert!(
            q.take_synthetic().is_none(),
            "nothing is emitted while discarding"
        );
        assert!(matches!(ended_at(q.ready()), Some(Expect::Sync { .. })));
        assert!(!q.discarding());
        assert!(matches!(q.take_synthetic(), Some(Expect::Refuse { .. })));
        assert!(q.is_empty());
    }

    #[test]
    fn a_synthetic_refusal_waits_for_the_replies_before_it() {
        let mut q = ReplyQueue::default();
        q.push(Expect::Parse { hidden: false });
        q.push(refuse());
        assert!(q.take_synthetic().is_none());
        q.pop();
        assert!(q.take_synthetic().is_some());
    }

    fn query(sql: &str) -> Expect {
        Expect::Query {
            sql: sql.into(),
            copy: None,
            analysis: None,
            started: Instant::now(),
        }
    }

    fn describe() -> Expect {
        Expect::Describe {
            hidden: false,
            sql: "".into(),
            for_copy: false,
            analysis: None,
        }
    }

    #[test]
    fn after_a_server_error_in_the_extended_protocol_the_block_ends_at_the_sync() {
        // Describe, Query, Sync, Query: the Describe fails; PostgreSQL ignores the
        // first Query (it skips to Sync) and answers the Sync, then the second Query.
        let mut q = ReplyQueue::default();
        q.push(describe());
        q.push(query("skipped"));
        q.push(Expect::Sync { hidden: false });
        q.push(query("after"));
        q.discard_block(Failed::Server);
        assert!(matches!(ended_at(q.ready()), Some(Expect::Sync { .. })));
        assert!(matches!(q.front(), Some(Expect::Query { sql, .. }) if &**sql == "after"));
        // A simple Query's own error ends at that Query, not at a later Sync.
        q.discard_block(Failed::Server);
        q.push(Expect::Sync { hidden: false });
        assert!(matches!(ended_at(q.ready()), Some(Expect::Query { sql, .. }) if &*sql == "after"));
        assert!(
            matches!(ended_at(q.ready()), Some(Expect::Sync { .. })),
            "not discarding: the next end"
        );
    }

    fn execute() -> Expect {
        execute_of("e")
    }

    /// Feeds a server's replies (tags) to a discarding queue; `Z` calls `ready`.
    fn replies(q: &mut ReplyQueue, tags: &[u8]) -> Vec<Ended> {
        let mut ended = Vec::new();
        for &tag in tags {
            if tag == b'Z' {
                ended.push(q.ready());
            } else {
                q.track(tag);
            }
        }
        ended
    }

    #[test]
    fn after_a_gateway_refusal_the_server_running_on_is_followed_to_the_sync() {
        // Describe (refused at its RowDescription), Execute, Query, Bind, Sync, Query:
        // the server runs the Execute and the Query; the Query's ReadyForQuery is
        // swallowed and the Sync's ends the block.
        let mut q = ReplyQueue::default();
        q.push(describe());
        q.push(execute());
        q.push(query("ran"));
        q.push(Expect::Bind);
        q.push(Expect::Sync { hidden: false });
        q.push(query("after"));
        q.pop(); // the refused Describe
        q.discard_extended_block(false);
        let ended = replies(&mut q, b"DDCTDCZ2Z");
        assert!(matches!(ended[0], Ended::Swallowed));
        assert!(matches!(&ended[1], Ended::Block(Some(Expect::Sync { .. }))));
        assert!(!q.discarding());
        assert!(matches!(q.front(), Some(Expect::Query { sql, .. }) if &**sql == "after"));
        // A Query right after the refused Describe is still inside the block.
        q.pop();
        q.push(describe());
        q.push(query("ran"));
        q.push(Expect::Sync { hidden: false });
        q.pop();
        q.discard_extended_block(false);
        let ended = replies(&mut q, b"TDCZZ");
        assert!(matches!(ended[0], Ended::Swallowed));
        assert!(matches!(&ended[1], Ended::Block(Some(Expect::Sync { .. }))));
        assert!(q.is_empty());
    }

    #[test]
    fn after_a_gateway_refusal_a_server_error_in_the_extended_protocol_skips_to_the_sync() {
        // Execute (refused at a row), Bind (fails on the server), Query, Sync: the
        // server skips the Query, so the next ReadyForQuery is the Sync's.
        let mut q = ReplyQueue::default();
        q.push(execute());
        q.push(Expect::Bind);
        q.push(query("skipped"));
        q.push(Expect::Sync { hidden: false });
        q.discard_block(Failed::Gateway);
        let ended = replies(&mut q, b"DDCEZ");
        assert!(matches!(&ended[0], Ended::Block(Some(Expect::Sync { .. }))));
        assert!(q.is_empty());
        // A Query's own error on the way does not: its ReadyForQuery follows.
        q.push(execute());
        q.push(query("fails"));
        q.push(Expect::Sync { hidden: false });
        q.discard_block(Failed::Gateway);
        let ended = replies(&mut q, b"CEZZ");
        assert!(matches!(ended[0], Ended::Swallowed));
        assert!(matches!(&ended[1], Ended::Block(Some(Expect::Sync { .. }))));
    }

    #[test]
    fn messages_the_gateway_answered_itself_are_not_matched_to_server_replies() {
        // Execute (refused), then a Parse the client pump refused (a synthetic entry:
        // the server never saw it), Sync.
        let mut q = ReplyQueue::default();
        q.push(execute());
        q.push(refuse());
        q.push(Expect::Sync { hidden: false });
        q.discard_block(Failed::Gateway);
        let ended = replies(&mut q, b"CZ");
        assert!(matches!(&ended[0], Ended::Block(Some(Expect::Sync { .. }))));
        // Refused in a simple Query: the block ends at that Query.
        q.push(query("refused"));
        q.discard_block(Failed::Gateway);
        assert!(
            matches!(ended_at(q.ready()), Some(Expect::Query { sql, .. }) if &*sql == "refused")
        );
    }

    /// The SQL of the unaudited entries, with `!` before a refusal's.
    fn unaudited(q: &mut ReplyQueue) -> Vec<String> {
        q.take_unaudited()
            .into_iter()
            .map(|e| match e {
                Expect::Execute { sql, .. } | Expect::Query { sql, .. } => sql.to_string(),
                Expect::Refuse { sql, .. } | Expect::RefuseQuery { sql, .. } => format!("!{sql}"),
                other => panic!("not for the audit: {other:?}"),
            })
            .collect()
    }

    fn execute_of(sql: &str) -> Expect {
        Expect::Execute {
            sql: sql.into(),
            analysis: None,
            started: Instant::now(),
        }
    }

    fn refuse_of(sql: &str) -> Expect {
        Expect::Refuse {
            error: ErrorResponse::new(Severity::Error, SqlState::INSUFFICIENT_PRIVILEGE, "no"),
            sql: sql.into(),
            started: Instant::now(),
        }
    }

    #[test]
    fn statements_dropped_while_discarding_are_kept_for_the_audit() {
        // Execute (refused at a row: recorded already), Execute, Query, a refusal of
        // the client pump's, Sync: the server runs the second Execute and the Query,
        // whose replies are withheld; the refusal never goes out.
        let mut q = ReplyQueue::default();
        q.push(execute_of("refused"));
        q.push(execute_of("ran"));
        q.push(query("ran too"));
        q.push(refuse_of("delete"));
        q.push(Expect::Sync { hidden: false });
        q.discard_block(Failed::Gateway);
        assert!(!q.has_unaudited());
        replies(&mut q, b"DC");
        assert!(!q.has_unaudited(), "the refused statement is recorded once");
        replies(&mut q, b"DC");
        assert_eq!(unaudited(&mut q), ["ran"]);
        let ended = replies(&mut q, b"TDCZ");
        assert!(matches!(ended[0], Ended::Swallowed));
        assert_eq!(unaudited(&mut q), ["ran too"]);
        let ended = replies(&mut q, b"Z");
        assert!(matches!(&ended[0], Ended::Block(Some(Expect::Sync { .. }))));
        assert_eq!(unaudited(&mut q), ["!delete"]);
        assert!(q.is_empty());

        // After the server's own error it runs nothing more: only the refusal is kept.
        q.push(execute_of("failed"));
        q.push(execute_of("skipped"));
        q.push(refuse_of("drop"));
        q.push(Expect::Sync { hidden: false });
        q.discard_block(Failed::Server);
        replies(&mut q, b"Z");
        assert_eq!(unaudited(&mut q), ["!drop"]);

        // A refused description: its Execute stands recorded or not, as the pump says.
        for (recorded, kept) in [(true, vec![]), (false, vec!["next".to_owned()])] {
            q.push(execute_of("next"));
            q.push(Expect::Sync { hidden: false });
            q.discard_extended_block(recorded);
            replies(&mut q, b"DCZ");
            assert_eq!(unaudited(&mut q), kept);
            assert!(q.is_empty());
        }
    }

    #[test]
    fn pipelined_queries_end_one_block_each() {
        let mut q = ReplyQueue::default();
        q.push(Expect::Query {
            sql: "a".into(),
            copy: None,
            analysis: None,
            started: Instant::now(),
        });
        q.push(Expect::Query {
            sql: "b".into(),
            copy: None,
            analysis: None,
            started: Instant::now(),
        });
        assert!(matches!(ended_at(q.ready()), Some(Expect::Query { sql, .. }) if &*sql == "a"));
        assert_eq!(q.len(), 1);
    }
}
