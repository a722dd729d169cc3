//! [`ServerPump`]: upstream → client. See the [module docs](super).

use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::audit::{Outcome, event};
use super::gate::{described_sources, is_sensitive};
use super::handoff;
use super::last_described::LastDescribed;
use super::plan_cache::{CachedPlan, PlanCache, PlanKey};
use super::queue::{Ended, Failed};
use super::{Expect, HeldPolicy, ReplyQueue, SessionCtx, SharedSession, lock};
use crate::audit::Channel;
use crate::pg::catalog::{Snapshot, is_ddl_tag};
use crate::pg::codec::backend::{
    CommandComplete, CopyDirection, CopyResponse, ErrorResponse, NoticeResponse, ReadyForQuery,
    RowDescription, TransactionStatus,
};
use crate::pg::codec::both::CopyData;
use crate::pg::codec::{FormatCode, Frame, Severity, SqlState};
use crate::pg::error::PgError;
use crate::pg::net::FramedReader;
use crate::pg::rows::copy::mask_copy_line;
use crate::pg::rows::decide::{PlanOutcome, consumer_is_masked};
use crate::pg::rows::{PlanInput, RowPlan, build_plan};
use crate::pg::scrub::scrub;
use crate::pg::sqltext::{CopyFormat, CopyOut};
use crate::policy::Policy;
use crate::serve::stop::Stopped;
use crate::sql::Analysis;
use crate::transform::TransformTally;

/// A COPY TO STDOUT in progress.
struct CopyState {
    plan: Arc<RowPlan>,
    layout: CopyOut,
    header_pending: bool,
}

/// The server-side pump of one session.
pub struct ServerPump {
    rx: handoff::Receiver,
    queue: ReplyQueue,
    ctx: SessionCtx,
    /// The running policy, as this pump last fetched it.
    policy: HeldPolicy,
    status: TransactionStatus,
    /// The plan of the rows now arriving.
    plan: Option<Arc<RowPlan>>,
    /// The plan from a hidden Describe before a COPY, or why there is none.
    copy_plan: Option<Result<Arc<RowPlan>, String>>,
    copy: Option<CopyState>,
    rows: u64,
    out: BytesMut,
    client_gone: bool,
    /// The gate's session state.
    session: SharedSession,
    /// Which statement of the current simple Query the replies are for.
    statement: usize,
    /// Values transformed in the current statement, by transform.
    tally: TransformTally,
    /// The plans built so far, for the next result of the same shape.
    plans: PlanCache,
    /// The last result description decided on, and its plan.
    described: LastDescribed,
    /// Where masked values are assembled, kept across rows.
    scratch: String,
}

/// The audit reason of a statement the server ran inside a block the gateway had
/// already refused: its replies went to no one.
const WITHHELD: &str =
    "withheld by tuomin: an earlier statement of its block was refused, nothing was sent";

fn refusal(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse::new(Severity::Error, SqlState::INSUFFICIENT_PRIVILEGE, message)
        .with_hint("refused by tuomin, the data-masking gateway")
}

impl ServerPump {
    /// A pump reading expectations from `rx`.
    pub fn new(
        rx: handoff::Receiver,
        ctx: SessionCtx,
        status: TransactionStatus,
        session: SharedSession,
    ) -> Self {
        ServerPump {
            rx,
            queue: ReplyQueue::default(),
            policy: HeldPolicy::new(&*ctx.policy),
            ctx,
            status,
            plan: None,
            copy_plan: None,
            copy: None,
            rows: 0,
            out: BytesMut::with_capacity(64 * 1024),
            client_gone: false,
            session,
            statement: 0,
            tally: TransformTally::default(),
            plans: PlanCache::default(),
            described: LastDescribed::default(),
            scratch: String::with_capacity(64),
        }
    }

    /// Runs until the upstream or the client leaves, or `stopped` is raised.
    pub async fn run<R, W>(
        &mut self,
        mut upstream: FramedReader<R>,
        mut client: W,
        stopped: &Stopped,
    ) -> Result<(), PgError>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        // One wait for the stop signal for the whole session (see the client pump).
        let stop = stopped.wait();
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.drain_and_emit() {
                client.write_all(&self.out).await?;
                return Err(e);
            }
            if self.client_gone {
                // The client pump ended the session: what is owed, then its error.
                client.write_all(&self.out).await?;
                return Ok(());
            }
            if !self.out.is_empty() {
                client.write_all(&self.out).await?;
                self.out.clear();
            }
            tokio::select! {
                biased;
                _ = &mut stop => {
                    let e = PgError::Shutdown;
                    e.to_fatal().encode(&mut self.out)?;
                    client.write_all(&self.out).await?;
                    return Err(e);
                }
                e = self.rx.recv() => match e {
                    Some(Expect::Fatal(bytes)) => {
                        client.write_all(&self.out).await?;
                        client.write_all(&bytes).await?;
                        return Ok(());
                    }
                    Some(e) => self.queue.push(e),
                    None => return Ok(()),
                },
                n = upstream.fill() => {
                    if n? == 0 {
                        let e = PgError::UpstreamClosed;
                        // After the client's goodbye, the upstream closing is the end
                        // of the session, with nothing owed to anyone.
                        if !self.rx.client_left() {
                            e.to_fatal().encode(&mut self.out)?;
                            client.write_all(&self.out).await?;
                        }
                        return Err(e);
                    }
                    // Expectations are taken in before each frame, so a synthetic reply
                    // now at the front goes out before the upstream's next reply. Within
                    // a run of DataRows the front cannot change (only the message that
                    // ends the result pops it): the check is skipped there.
                    let mut in_rows = false;
                    while let Some(frame) = upstream.try_next().map_err(|e| PgError::UpstreamProtocol(e.to_string()))? {
                        let row = frame.raw_tag() == b'D';
                        if !(row && in_rows) {
                            self.drain_and_emit()?;
                            if self.client_gone {
                                break;
                            }
                        }
                        in_rows = row;
                        // Rows are handled here, without building `handle`'s future.
                        if row && !self.queue.discarding() {
                            self.data_row(frame)?;
                        } else {
                            self.handle(frame).await?;
                        }
                    }
                }
            }
        }
    }

    /// Moves queued expectations in and emits synthetic replies now at the front.
    fn drain_and_emit(&mut self) -> Result<(), PgError> {
        loop {
            match self.rx.try_recv() {
                Some(Expect::Fatal(bytes)) => {
                    self.out.extend_from_slice(&bytes);
                    self.client_gone = true;
                    return Ok(());
                }
                Some(e) => self.queue.push(e),
                None => break,
            }
        }
        while let Some(e) = self.queue.take_synthetic() {
            match e {
                Expect::RefuseQuery {
                    error,
                    sql,
                    started,
                } => {
                    self.audit_refusal(&sql, Some(started), &error)?;
                    error.encode(&mut self.out)?;
                    ReadyForQuery {
                        status: self.status,
                    }
                    .encode(&mut self.out)?;
                }
                Expect::Refuse {
                    error,
                    sql,
                    started,
                } => {
                    self.audit_refusal(&sql, Some(started), &error)?;
                    error.encode(&mut self.out)?;
                    self.queue.discard_extended_block(false);
                }
                Expect::Notice(n) => n.encode(&mut self.out)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn forward(&mut self, frame: &Frame) {
        self.out.extend_from_slice(frame.as_bytes());
    }

    fn front_hidden(&self) -> bool {
        matches!(
            self.queue.front(),
            Some(
                Expect::Parse { hidden: true }
                    | Expect::Describe { hidden: true, .. }
                    | Expect::Sync { hidden: true }
            )
        )
    }

    /// When the statement the replies are for arrived, if the front entry says.
    fn current_started(&self) -> Option<Instant> {
        match self.queue.front() {
            Some(Expect::Query { started, .. } | Expect::Execute { started, .. }) => Some(*started),
            _ => None,
        }
    }

    fn current_sql(&self) -> Arc<str> {
        match self.queue.front() {
            Some(
                Expect::Query { sql, .. }
                | Expect::Execute { sql, .. }
                | Expect::Describe { sql, .. },
            ) => sql.clone(),
            _ => "".into(),
        }
    }

    async fn handle(&mut self, frame: Frame) -> Result<(), PgError> {
        let tag = frame.raw_tag();
        if tag == b'Z' {
            return self.ready(&frame);
        }
        if self.queue.discarding() {
            self.queue.track(tag);
            self.audit_dropped()?;
            if tag == b'S' {
                self.forward(&frame);
            }
            return Ok(());
        }
        match tag {
            b'S' => self.forward(&frame),
            b'N' => self.notice(&frame)?,
            b'A' => {
                // NOTIFY payloads can carry anything; masked consumers do not get them.
                if !self.masked_consumer() {
                    self.forward(&frame);
                }
            }
            b'E' => self.error(&frame)?,
            b'1' | b'2' | b'3' => {
                let hidden = self.front_hidden();
                self.queue.pop();
                if !hidden {
                    self.forward(&frame);
                }
            }
            b't' => {
                if !self.front_hidden() {
                    self.forward(&frame);
                }
            }
            b'n' => {
                let hidden = self.front_hidden();
                if let Some(Expect::Describe { for_copy: true, .. }) = self.queue.pop() {
                    self.copy_plan = Some(Ok(Arc::new(RowPlan::new(vec![], vec![], vec![]))));
                } else {
                    self.plan = None;
                }
                if !hidden {
                    self.forward(&frame);
                }
            }
            // Boxed: planning awaits the catalog, and its state in `handle`'s own
            // future made every message's future kilobytes to build and move.
            b'T' => Box::pin(self.row_description(frame)).await?,
            b'D' => self.data_row(frame)?,
            b'C' => self.command_complete(&frame)?,
            b's' | b'I' => {
                if tag == b's' {
                    self.audit_completed()?;
                }
                if matches!(self.queue.front(), Some(Expect::Execute { .. })) {
                    self.queue.pop();
                }
                self.forward(&frame);
            }
            b'H' => self.copy_out(frame)?,
            b'd' => self.copy_data(frame)?,
            b'c' => {
                self.copy = None;
                self.forward(&frame);
            }
            b'G' | b'W' => {
                return Err(PgError::UpstreamProtocol(
                    "COPY FROM / COPY BOTH is not allowed through tuomin".into(),
                ));
            }
            _ => {
                return Err(PgError::UpstreamProtocol(format!(
                    "unexpected message {}",
                    tag as char
                )));
            }
        }
        Ok(())
    }

    fn ready(&mut self, frame: &Frame) -> Result<(), PgError> {
        let ready = ReadyForQuery::decode(&frame.body())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        self.status = ready.status;
        self.statement = 0;
        lock(&self.session).set_transaction(match ready.status {
            TransactionStatus::Idle => crate::sql::TransactionStatus::Idle,
            TransactionStatus::InTransaction => crate::sql::TransactionStatus::InBlock,
            TransactionStatus::Failed => crate::sql::TransactionStatus::Failed,
        });
        self.plan = None;
        self.copy = None;
        match self.queue.ready() {
            Ended::Swallowed | Ended::Block(Some(Expect::Sync { hidden: true })) => {}
            Ended::Block(_) => self.forward(frame),
        }
        self.audit_dropped()
    }

    fn masked_consumer(&self) -> bool {
        consumer_is_masked(&self.ctx.policy.current(), &self.ctx.consumer)
    }

    fn notice(&mut self, frame: &Frame) -> Result<(), PgError> {
        if !self.masked_consumer() {
            self.forward(frame);
            return Ok(());
        }
        let mut n = NoticeResponse::decode(&frame.body())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        scrub(&mut n.fields, &self.current_sql());
        n.encode(&mut self.out)?;
        Ok(())
    }

    fn error(&mut self, frame: &Frame) -> Result<(), PgError> {
        let hidden = self.front_hidden();
        let sql = self.current_sql();
        let mut e = ErrorResponse::decode(&frame.body())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        if self.masked_consumer() {
            scrub(&mut e.fields, &sql);
        }
        if hidden {
            self.copy_plan = Some(Err(format!(
                "the COPY's columns could not be described: {}",
                e.fields.message().unwrap_or("error")
            )));
        } else {
            self.audit_refusal(&sql, self.current_started(), &e)?;
            e.encode(&mut self.out)?;
        }
        self.queue.discard_block(Failed::Server);
        Ok(())
    }

    /// Refuses the current statement: the error goes out, the block is discarded.
    fn refuse(&mut self, message: String) -> Result<(), PgError> {
        let sql = self.current_sql();
        self.send_refusal(message, &sql, self.current_started())?;
        self.queue.discard_block(Failed::Gateway);
        Ok(())
    }

    /// Refuses the statement a RowDescription describes. When it answered a Describe,
    /// that Describe is done and the block is the extended protocol's, whatever entry
    /// is now at the front; when that entry is the described statement's Execute, the
    /// refusal is recorded with its latency, and stands for it.
    fn refuse_description(&mut self, message: String) -> Result<(), PgError> {
        let sql = match self.queue.front() {
            Some(Expect::Describe { sql, .. }) => sql.clone(),
            _ => return self.refuse(message),
        };
        self.queue.pop();
        let its_execute = match self.queue.front() {
            Some(Expect::Execute {
                sql: next, started, ..
            }) if *next == sql => Some(*started),
            _ => None,
        };
        self.send_refusal(message, &sql, its_execute)?;
        self.queue.discard_extended_block(its_execute.is_some());
        Ok(())
    }

    /// The refusal of statement `sql`, audited and on its way to the client.
    fn send_refusal(
        &mut self,
        message: String,
        sql: &str,
        started: Option<Instant>,
    ) -> Result<(), PgError> {
        let error = refusal(message);
        self.audit_refusal(sql, started, &error)?;
        error.encode(&mut self.out)?;
        self.plan = None;
        Ok(())
    }

    /// Records what the queue dropped while discarding: a refusal of the client
    /// pump's that never went out (its block had already failed), and a statement the
    /// server ran while its replies were withheld.
    fn audit_dropped(&mut self) -> Result<(), PgError> {
        if !self.queue.has_unaudited() {
            return Ok(());
        }
        for e in self.queue.take_unaudited() {
            match e {
                Expect::Refuse {
                    error,
                    sql,
                    started,
                }
                | Expect::RefuseQuery {
                    error,
                    sql,
                    started,
                } => self.audit_refusal(&sql, Some(started), &error)?,
                Expect::Execute { sql, started, .. } | Expect::Query { sql, started, .. } => {
                    self.record(&sql, Some(started), Outcome::Refused { reason: WITHHELD })?
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn row_description(&mut self, frame: Frame) -> Result<(), PgError> {
        let analysed = self.current_analysis();
        // Borrowed from what the pump holds: a description seen before takes no
        // reference on the policy or the snapshot (shared with other threads' sessions).
        let policy = self.policy.current(&*self.ctx.policy);
        let snapshot = self.ctx.catalog.snapshot().await?;
        if let Some((analysis, i)) = &analysed
            && let Some(plan) =
                self.described
                    .recall(analysis, *i, frame.as_bytes(), policy, snapshot)
        {
            return self.described_by(&frame, plan);
        }
        let (policy, snapshot) = (Arc::clone(policy), Arc::clone(snapshot));
        let desc = RowDescription::decode(&frame.body())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        let sql = self.current_sql();
        // The gate's sources of the columns, once the description agreed with them.
        let mut gate_sources = None;
        let mut checked_on = None;
        if let Some((analysis, i)) = &analysed {
            let (used, checked) = self
                .cross_check(analysis, *i, &desc, &policy, Arc::clone(&snapshot))
                .await?;
            if let Err(message) = checked {
                return self.refuse_description(message);
            }
            checked_on = Some(used);
            // (The check passed, so the statement is there.)
            let columns = analysis.statements.get(*i).map(|s| &s.columns[..]);
            gate_sources = Some(
                columns
                    .unwrap_or_default()
                    .iter()
                    .map(|c| {
                        c.source
                            .as_ref()
                            .map(|n| (n.relation.to_string(), n.column.clone()))
                    })
                    .collect(),
            );
        }
        let gate_checked = gate_sources.is_some();
        let key = PlanKey::new(frame.as_bytes().clone(), &desc, gate_sources, &sql);
        let on = checked_on.clone().unwrap_or_else(|| Arc::clone(&snapshot));
        let (decided_on, plan) = self
            .plan_for(key, &desc, &sql, gate_checked, &policy, on)
            .await?;
        // Kept for next time only when decided on the snapshot it was asked on, with
        // no reload in between (see `last_described`).
        if let (Some((analysis, i)), Some(checked_on), Some(decided_on)) =
            (&analysed, &checked_on, &decided_on)
            && Arc::ptr_eq(checked_on, &snapshot)
            && Arc::ptr_eq(decided_on, &snapshot)
        {
            self.described.remember(
                analysis,
                *i,
                frame.as_bytes().clone(),
                &policy,
                &snapshot,
                plan.clone(),
            );
        }
        self.described_by(&frame, plan)
    }

    /// Takes the decision on a RowDescription: the plan for the rows that follow (or
    /// for the COPY it was asked for), or the statement's refusal.
    fn described_by(&mut self, frame: &Frame, plan: CachedPlan) -> Result<(), PgError> {
        let (describe, for_copy, hidden) = match self.queue.front() {
            Some(Expect::Describe {
                for_copy, hidden, ..
            }) => (true, *for_copy, *hidden),
            _ => (false, false, false),
        };
        if for_copy {
            self.queue.pop();
            self.copy_plan = Some(plan);
            return Ok(());
        }
        let plan = match plan {
            Ok(plan) => plan,
            Err(message) => return self.refuse_description(message),
        };
        if describe {
            self.queue.pop();
        }
        self.plan = Some(plan);
        self.rows = 0;
        if !hidden {
            self.forward(frame);
        }
        Ok(())
    }

    /// The gate's analysis of the statement the replies are for, and which of its
    /// statements.
    fn current_analysis(&self) -> Option<(Arc<Analysis>, usize)> {
        match self.queue.front()? {
            Expect::Query {
                analysis: Some(a),
                copy: None,
                ..
            } => Some((a.clone(), self.statement)),
            Expect::Execute {
                analysis: Some(a), ..
            }
            | Expect::Describe {
                analysis: Some(a), ..
            } => Some((a.clone(), 0)),
            _ => None,
        }
    }

    /// The RowDescription against the gate's prediction, on `snapshot` (or on a newer
    /// one when the description names a table `snapshot` does not know): the
    /// snapshot used, and `Err` to withhold the rows.
    async fn cross_check(
        &self,
        analysis: &Arc<Analysis>,
        i: usize,
        desc: &RowDescription,
        policy: &Arc<Policy>,
        mut snapshot: Arc<Snapshot>,
    ) -> Result<(Arc<Snapshot>, Result<(), String>), PgError> {
        let Some(statement) = analysis.statements.get(i) else {
            return Ok((
                snapshot,
                Err("the server sent rows for a statement the gate did not analyse".into()),
            ));
        };
        let known = |s: &Snapshot| {
            desc.fields
                .iter()
                .all(|f| f.table_oid == 0 || s.relation(f.table_oid).is_some())
        };
        if !known(&snapshot) {
            snapshot = self.ctx.catalog.after_miss(&snapshot).await?;
        }
        let described = described_sources(&snapshot, &desc.fields);
        let checked = statement
            .cross_check(&described, |c| is_sensitive(policy, &self.ctx.consumer, c))
            .map_err(|r| r.message);
        Ok((snapshot, checked))
    }

    /// The plan of a result (from the session's cache when it has it), or why the
    /// statement is refused; with the snapshot it was decided on (`None` when it
    /// could not be).
    async fn plan_for(
        &mut self,
        key: PlanKey,
        desc: &RowDescription,
        sql: &str,
        gate_checked: bool,
        policy: &Arc<Policy>,
        snapshot: Arc<Snapshot>,
    ) -> Result<(Option<Arc<Snapshot>>, CachedPlan), PgError> {
        if let Some(plan) = self.plans.get(policy, &snapshot, &key) {
            return Ok((Some(snapshot), plan));
        }
        let (snapshot, plan) = self
            .build_plan(
                policy,
                snapshot,
                desc,
                sql,
                gate_checked,
                key.gate_sources(),
            )
            .await?;
        let plan = plan.map(Arc::new);
        if let Some(snapshot) = &snapshot {
            self.plans.insert(policy, snapshot, key, plan.clone());
        }
        Ok((snapshot, plan))
    }

    /// Builds the plan, reloading the catalog once on a miss; with the snapshot it was
    /// decided on (`None` when it could not be).
    async fn build_plan(
        &self,
        policy: &Arc<Policy>,
        mut snapshot: Arc<Snapshot>,
        desc: &RowDescription,
        sql: &str,
        gate_checked: bool,
        gate_sources: &[Option<(String, String)>],
    ) -> Result<(Option<Arc<Snapshot>>, Result<RowPlan, String>), PgError> {
        let catalog = &self.ctx.catalog;
        for attempt in 0..2 {
            let input = PlanInput {
                policy,
                consumer: &self.ctx.consumer,
                catalog: &snapshot,
                statement: sql,
                gate_checked,
                gate_sources,
            };
            match build_plan(&input, &desc.fields) {
                Ok(plan) => return Ok((Some(snapshot), Ok(plan))),
                Err(PlanOutcome::Refused(message)) => return Ok((Some(snapshot), Err(message))),
                Err(PlanOutcome::Miss) if attempt == 0 => {
                    snapshot = catalog.after_miss(&snapshot).await?;
                }
                Err(PlanOutcome::Miss) => {}
            }
        }
        Ok((
            None,
            Err(
                "a result column comes from a relation the catalog does not know; \
                refused until it can be attributed"
                    .into(),
            ),
        ))
    }

    fn data_row(&mut self, frame: Frame) -> Result<(), PgError> {
        let Some(plan) = self.plan.clone() else {
            return self.refuse("rows arrived without a description; refused".into());
        };
        match plan.write(&frame, &mut self.out, &mut self.tally, &mut self.scratch) {
            Ok(()) => {
                self.rows += 1;
                Ok(())
            }
            Err(e) => self.refuse(e.to_string()),
        }
    }

    fn command_complete(&mut self, frame: &Frame) -> Result<(), PgError> {
        let tag = CommandComplete::tag_of(frame.body_slice())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        if is_ddl_tag(tag) {
            self.ctx.catalog.mark_stale();
        }
        self.audit_completed()?;
        self.plan = None;
        self.copy = None;
        match self.queue.front() {
            Some(Expect::Query {
                analysis: Some(a), ..
            }) => {
                if let Some(s) = a.statements.get(self.statement) {
                    let mut session = lock(&self.session);
                    for e in &s.effects {
                        session.apply(e);
                    }
                }
                self.statement += 1;
            }
            Some(Expect::Execute {
                analysis: Some(a), ..
            }) => {
                if let Some(s) = a.statements.first() {
                    let mut session = lock(&self.session);
                    for e in &s.effects {
                        session.apply(e);
                    }
                }
            }
            _ => {}
        }
        if matches!(self.queue.front(), Some(Expect::Execute { .. })) {
            self.queue.pop();
        }
        self.forward(frame);
        Ok(())
    }

    fn copy_out(&mut self, frame: Frame) -> Result<(), PgError> {
        let resp = CopyResponse::decode(CopyDirection::Out, &frame.body())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        let layout = match self.queue.front() {
            Some(Expect::Query { copy: Some(c), .. }) => c.clone(),
            _ => {
                return self.refuse("COPY is allowed only as a simple query through tuomin".into());
            }
        };
        let plan = match self.copy_plan.take() {
            Some(Ok(plan)) => plan,
            Some(Err(reason)) if self.masked_consumer() => return self.refuse(reason),
            None if self.masked_consumer() => {
                return self.refuse("the COPY's columns could not be described".into());
            }
            _ => Arc::new(RowPlan::new(vec![], vec![], vec![])),
        };
        if plan.is_masked()
            && (resp.format == FormatCode::Binary || layout.format == CopyFormat::Binary)
        {
            return self.refuse("binary COPY cannot be masked; use FORMAT text or csv".into());
        }
        self.rows = 0;
        self.plan = Some(plan.clone());
        self.copy = Some(CopyState {
            plan,
            header_pending: layout.format == CopyFormat::Csv && layout.header,
            layout,
        });
        self.forward(&frame);
        Ok(())
    }

    fn copy_data(&mut self, frame: Frame) -> Result<(), PgError> {
        let Some(copy) = &mut self.copy else {
            return Err(PgError::UpstreamProtocol("CopyData outside COPY".into()));
        };
        if !copy.plan.is_masked() || std::mem::take(&mut copy.header_pending) {
            self.rows += u64::from(!copy.plan.is_masked());
            self.forward(&frame);
            return Ok(());
        }
        let data = CopyData::decode(&frame.body())
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?;
        match mask_copy_line(&copy.plan, &copy.layout, &data.data, &mut self.tally) {
            Ok(line) => {
                CopyData { data: line.into() }.encode(&mut self.out)?;
                self.rows += 1;
                Ok(())
            }
            Err(e) => self.refuse(e.to_string()),
        }
    }

    fn audit_completed(&mut self) -> Result<(), PgError> {
        let sql = self.current_sql();
        let started = self.current_started();
        let plan = self.plan.clone();
        let rows = std::mem::take(&mut self.rows);
        self.record(
            &sql,
            started,
            Outcome::Completed {
                plan: plan.as_deref(),
                rows,
            },
        )
    }

    fn audit_refusal(
        &mut self,
        sql: &str,
        started: Option<Instant>,
        error: &ErrorResponse,
    ) -> Result<(), PgError> {
        let reason = error.fields.message().unwrap_or("refused").to_owned();
        self.record(sql, started, Outcome::Refused { reason: &reason })
    }

    /// One statement ended: counted (decision, latency, values transformed), then
    /// recorded in the audit trail.
    fn record(
        &mut self,
        sql: &str,
        started: Option<Instant>,
        outcome: Outcome<'_>,
    ) -> Result<(), PgError> {
        let metrics = &self.ctx.metrics;
        metrics.transformed(Channel::Postgres, &mut self.tally);
        let elapsed = started.map(|s| s.elapsed());
        metrics.statement(&self.ctx.counters, outcome.decision(), elapsed);
        let Some(log) = &self.ctx.audit else {
            return Ok(());
        };
        let policy = self.ctx.policy.current();
        log.record(event(&self.ctx, &policy, sql, outcome))
            .map_err(|e| {
                PgError::Audit(format!(
                    "the audit trail cannot be written ({e}); tuomin stops serving"
                ))
            })
    }
}
