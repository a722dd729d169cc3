//! [`ClientPump`]: client → upstream. See the [module docs](super).

use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::gate::SessionGate;
use super::handoff;
use super::known::{ByName, Known};
use super::{Expect, SessionCtx, SharedSession, lock};
use crate::pg::codec::FormatCode;
use crate::pg::codec::backend::{ErrorResponse, NoticeResponse};
use crate::pg::codec::frontend::{
    Bind, Close, Describe, Execute, Parse, Query, Sync, Target, Terminate,
};
use crate::pg::codec::{Frame, FrontendTag, Severity, SqlState};
use crate::pg::error::PgError;
use crate::pg::net::FramedReader;
use crate::pg::sqltext::{CopyOut, Statement, classify};
use crate::serve::stop::Stopped;
use crate::sql::{Analysis, Gate, StatementKind};

/// The client-side pump of one session.
pub struct ClientPump {
    tx: handoff::Sender,
    statements: ByName,
    portals: ByName,
    /// After a refusal in the extended protocol: drop messages until Sync.
    skipping: bool,
    /// The portal the previous message described, if it was a Describe of one.
    described: Option<String>,
    consumer: String,
    gate: SessionGate,
    session: SharedSession,
    /// When the message being handled arrived: when the read that brought it returned
    /// (one clock read per read from the client, not per message; the messages of a
    /// pipelined batch arrive together).
    received: Instant,
    /// The last statement text the gateway's own allowlist read, and its reading
    /// ([`classify_unless_last`]).
    classified: Option<(Arc<str>, Classified)>,
}

/// The allowlist's reading of one statement text ([`classify`]).
type Classified = Arc<Result<Vec<Statement>, String>>;

/// [`classify`] of `sql`, or the reading kept in `last` when it is of the same text
/// (drivers send one text over and over in the extended protocol, and the reading
/// depends on the text alone); `last` then holds `sql`'s.
fn classify_unless_last(last: &mut Option<(Arc<str>, Classified)>, sql: &Arc<str>) -> Classified {
    if let Some((text, reading)) = last
        && (Arc::ptr_eq(text, sql) || **text == **sql)
    {
        return reading.clone();
    }
    let reading = Arc::new(classify(sql));
    *last = Some((sql.clone(), reading.clone()));
    reading
}

fn refusal(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse::new(Severity::Error, SqlState::INSUFFICIENT_PRIVILEGE, message)
        .with_hint("refused by tuomin, the data-masking gateway")
}

impl ClientPump {
    /// A pump queuing into `tx`.
    pub fn new(tx: handoff::Sender, ctx: &SessionCtx, session: SharedSession) -> Self {
        ClientPump {
            tx,
            statements: ByName::default(),
            portals: ByName::default(),
            skipping: false,
            described: None,
            classified: None,
            consumer: ctx.consumer.clone(),
            gate: SessionGate::new(ctx.policy.clone(), ctx.catalog.clone(), ctx.gates.clone()),
            session,
            received: Instant::now(),
        }
    }

    /// The gate for the running policy and the database's current catalog.
    async fn gate(&mut self) -> Result<Arc<Gate>, PgError> {
        Ok(Arc::clone(self.gate.gate().await?))
    }

    /// The gate's analysis of `sql` in this session.
    async fn analyse(&mut self, sql: &Arc<str>) -> Result<Arc<Analysis>, PgError> {
        self.gate.analyse(&self.consumer, sql, &self.session).await
    }

    /// Queues the gate's notices of `analysis` for the client.
    fn notices(&self, analysis: &Analysis) -> Result<(), PgError> {
        for s in &analysis.statements {
            for n in &s.notices {
                let notice = NoticeResponse::new(
                    Severity::Notice,
                    SqlState::SUCCESSFUL_COMPLETION,
                    n.clone(),
                );
                self.expect(Expect::Notice(notice))?;
            }
        }
        Ok(())
    }

    fn expect(&self, e: Expect) -> Result<(), PgError> {
        self.tx.send(e).map_err(|_| PgError::Shutdown)
    }

    /// Runs until the client leaves, sends Terminate, misbehaves, or `stopped` is raised.
    pub async fn run<R, W>(
        &mut self,
        mut client: FramedReader<R>,
        mut upstream: W,
        stopped: &Stopped,
    ) -> Result<(), PgError>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let mut out = BytesMut::with_capacity(8192);
        // One wait for the stop signal for the whole session: made once, it is
        // registered once, not again at every message.
        let stop = stopped.wait();
        tokio::pin!(stop);
        loop {
            let next = tokio::select! {
                biased;
                _ = &mut stop => return Ok(()),
                r = client.next() => r,
            };
            let mut frame = match next {
                Ok(Some(frame)) => {
                    self.received = Instant::now();
                    frame
                }
                Ok(None) => {
                    // The client left without Terminate (it crashed, or its network
                    // went): end the upstream session as if it had sent one, so the
                    // replies still due are audited and the upstream closes.
                    self.tx.goodbye();
                    out.clear();
                    Terminate.encode(&mut out)?;
                    upstream.write_all(&out).await?;
                    return Ok(());
                }
                Err(e) => return self.fatal(PgError::ClientProtocol(e.to_string())),
            };
            loop {
                match self.handle(frame, &mut out).await {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Terminate) => {
                        self.tx.goodbye();
                        upstream.write_all(&out).await?;
                        return Ok(());
                    }
                    Err(e) => return self.fatal(e),
                }
                match client.try_next() {
                    Ok(Some(f)) => frame = f,
                    Ok(None) => break,
                    Err(e) => return self.fatal(PgError::ClientFrame(e)),
                }
            }
            if !out.is_empty() {
                upstream.write_all(&out).await?;
                out.clear();
            }
        }
    }

    fn fatal(&self, e: PgError) -> Result<(), PgError> {
        let mut buf = BytesMut::new();
        e.to_fatal().encode(&mut buf)?;
        let _ = self.tx.send(Expect::Fatal(buf.freeze()));
        Err(e)
    }

    async fn handle(&mut self, frame: Frame, out: &mut BytesMut) -> Result<Flow, PgError> {
        let tag = frame.frontend_tag().map_err(PgError::decode)?;
        let described = self.described.take();
        if self.skipping && tag != FrontendTag::Sync && tag != FrontendTag::Terminate {
            return Ok(Flow::Continue);
        }
        let body = frame.body();
        match tag {
            FrontendTag::Query => {
                self.query(Query::decode(&body).map_err(PgError::decode)?, frame, out)
                    .await?
            }
            FrontendTag::Parse => {
                let known = self.classified.as_ref().map(|(text, _)| text);
                let p = Parse::decode_reusing(&body, known).map_err(PgError::decode)?;
                self.parse(p, frame, out).await?
            }
            FrontendTag::Bind => {
                let bind = Bind::decode(&body).map_err(PgError::decode)?;
                self.bind(bind, frame, out).await?;
            }
            FrontendTag::Describe => {
                let d = Describe::decode(&body).map_err(PgError::decode)?;
                let known = self.target(d.target, &d.name);
                if d.target == Target::Portal {
                    self.described = Some(d.name);
                }
                let e = Expect::Describe {
                    hidden: false,
                    sql: known.sql,
                    for_copy: false,
                    analysis: known.analysis,
                };
                self.forward(e, frame, out)?;
            }
            FrontendTag::Execute => {
                let ex = Execute::decode(&body).map_err(PgError::decode)?;
                let Known { sql, analysis } = self.target(Target::Portal, &ex.portal);
                if described.as_deref() != Some(ex.portal.as_str()) {
                    self.expect(Expect::Describe {
                        hidden: true,
                        sql: sql.clone(),
                        for_copy: false,
                        analysis: analysis.clone(),
                    })?;
                    Describe {
                        target: Target::Portal,
                        name: ex.portal,
                    }
                    .encode(out)?;
                }
                let started = self.received;
                self.forward(
                    Expect::Execute {
                        sql,
                        analysis,
                        started,
                    },
                    frame,
                    out,
                )?;
            }
            FrontendTag::Close => {
                let c = Close::decode(&body).map_err(PgError::decode)?;
                match c.target {
                    Target::Statement => self.statements.remove(&c.name),
                    Target::Portal => self.portals.remove(&c.name),
                };
                self.forward(Expect::Close, frame, out)?;
            }
            FrontendTag::Sync => {
                self.skipping = false;
                self.forward(Expect::Sync { hidden: false }, frame, out)?;
            }
            FrontendTag::Flush => out.extend_from_slice(frame.as_bytes()),
            FrontendTag::FunctionCall => {
                let error = ErrorResponse::new(
                    Severity::Error,
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "the FunctionCall message is refused by tuomin; call functions with SELECT",
                );
                self.expect(Expect::RefuseQuery {
                    error,
                    sql: "<FunctionCall>".into(),
                    started: self.received,
                })?;
            }
            // Not in COPY IN (never allowed): PostgreSQL ignores these too.
            FrontendTag::CopyData | FrontendTag::CopyDone | FrontendTag::CopyFail => {}
            FrontendTag::Terminate => {
                out.extend_from_slice(frame.as_bytes());
                return Ok(Flow::Terminate);
            }
            FrontendTag::AuthResponse => {
                return Err(PgError::ClientProtocol(
                    "authentication message after startup".into(),
                ));
            }
        }
        Ok(Flow::Continue)
    }

    fn forward(&self, e: Expect, frame: Frame, out: &mut BytesMut) -> Result<(), PgError> {
        self.expect(e)?;
        out.extend_from_slice(frame.as_bytes());
        Ok(())
    }

    fn target(&self, target: Target, name: &str) -> Known {
        let map = match target {
            Target::Statement => &self.statements,
            Target::Portal => &self.portals,
        };
        map.get(name)
    }

    /// A refusal of the simple Query `sql`.
    fn refuse_query(&self, reason: impl Into<String>, sql: Arc<str>) -> Result<(), PgError> {
        self.expect(Expect::RefuseQuery {
            error: refusal(reason),
            sql,
            started: self.received,
        })
    }

    /// A refusal in the extended protocol: skip to Sync.
    fn refuse_extended(&mut self, reason: impl Into<String>, sql: Arc<str>) -> Result<(), PgError> {
        self.skipping = true;
        self.expect(Expect::Refuse {
            error: refusal(reason),
            sql,
            started: self.received,
        })
    }

    async fn query(&mut self, q: Query, frame: Frame, out: &mut BytesMut) -> Result<(), PgError> {
        let sql = q.sql;
        let analysis = self.analyse(&sql).await?;
        // The gateway's own allowlist stays behind the gate (defence in depth).
        let statements = classify_unless_last(&mut self.classified, &sql);
        let copy = match &*statements {
            Ok(s) => single_copy(s, &sql),
            Err(_) => Ok(None),
        };
        let copy = match copy {
            Ok(c) => c,
            Err(reason) => return self.refuse_query(reason, sql),
        };
        // The gate refuses every COPY; a COPY TO STDOUT is allowed when the query
        // whose rows it streams is, and its lines are masked like rows.
        let analysis = match (&copy, analysis.verdict()) {
            (Some(c), _) => {
                // `COPY table` reads `FROM ONLY table`, which the gate's parser does not
                // take; without ONLY it reads the children too, which is no less strict.
                let select = c.query.replacen(" FROM ONLY ", " FROM ", 1);
                let gate = self.gate().await?;
                let inner = gate.analyse(&self.consumer, &select, &lock(&self.session));
                if let Err(r) = inner.verdict() {
                    return self.refuse_query(r.message.clone(), sql);
                }
                if inner.rewritten.is_some() {
                    return self.refuse_query(
                        "a COPY cannot look up masked values; use SELECT for that",
                        sql,
                    );
                }
                inner
            }
            (None, Err(r)) => return self.refuse_query(r.message.clone(), sql),
            (None, Ok(())) => analysis,
        };
        if let Err(reason) = &*statements
            && !relaxed(&analysis, &sql, reason)
        {
            return self.refuse_query(reason, sql);
        }
        self.notices(&analysis)?;
        if let Some(c) = &copy {
            // Describe the COPY's query first, so its lines get a plan like rows do.
            let inner: Arc<str> = c.query.as_str().into();
            self.expect(Expect::Parse { hidden: true })?;
            Parse {
                statement: String::new(),
                sql: inner.clone(),
                param_types: vec![],
            }
            .encode(out)?;
            self.expect(Expect::Describe {
                hidden: true,
                sql: inner,
                for_copy: true,
                analysis: None,
            })?;
            Describe {
                target: Target::Statement,
                name: String::new(),
            }
            .encode(out)?;
            self.expect(Expect::Sync { hidden: true })?;
            Sync.encode(out)?;
        }
        let rewritten = analysis.rewritten.clone();
        let e = Expect::Query {
            sql,
            copy,
            analysis: Some(analysis),
            started: self.received,
        };
        match rewritten {
            Some(text) => {
                self.expect(e)?;
                Query {
                    sql: text.expose().into(),
                }
                .encode(out)?;
                Ok(())
            }
            None => self.forward(e, frame, out),
        }
    }

    async fn parse(&mut self, p: Parse, frame: Frame, out: &mut BytesMut) -> Result<(), PgError> {
        let sql = p.sql;
        let analysis = self.analyse(&sql).await?;
        if let Err(r) = analysis.verdict() {
            return self.refuse_extended(r.message.clone(), sql);
        }
        let refused = match &*classify_unless_last(&mut self.classified, &sql) {
            Err(reason) if !relaxed(&analysis, &sql, reason) => Some(reason.clone()),
            Ok(s) if s.iter().any(|s| matches!(s, Statement::CopyOut(_))) => {
                Some("COPY through the extended protocol is refused by tuomin; send it as a simple query".into())
            }
            _ => None,
        };
        if let Some(reason) = refused {
            return self.refuse_extended(reason, sql);
        }
        self.notices(&analysis)?;
        self.statements.insert(
            &p.statement,
            Known {
                sql,
                analysis: Some(analysis.clone()),
            },
        );
        match &analysis.rewritten {
            Some(text) => {
                self.expect(Expect::Parse { hidden: false })?;
                Parse {
                    statement: p.statement,
                    sql: text.expose().into(),
                    param_types: p.param_types,
                }
                .encode(out)?;
                Ok(())
            }
            None => self.forward(Expect::Parse { hidden: false }, frame, out),
        }
    }

    /// Bind: parameters holding pseudonyms are replaced by the real values (and the
    /// parameters the rewrite added for older key versions filled).
    async fn bind(
        &mut self,
        mut bind: Bind,
        frame: Frame,
        out: &mut BytesMut,
    ) -> Result<(), PgError> {
        let known = self.target(Target::Statement, &bind.statement);
        let lookups: Vec<_> = known
            .analysis
            .as_ref()
            .map(|a| a.param_lookups().cloned().collect())
            .unwrap_or_default();
        self.portals.insert(&bind.portal, known.clone());
        let refused_setting = known.analysis.as_ref().and_then(|a| {
            a.param_settings()
                .find_map(|param| bound_setting_name(&bind, param).err())
        });
        if let Some(reason) = refused_setting {
            return self.refuse_extended(reason, known.sql);
        }
        if lookups.is_empty() {
            return self.forward(Expect::Bind, frame, out);
        }
        let gate = self.gate().await?;
        let n = bind.params.len();
        let mut formats: Vec<FormatCode> = (0..n).map(|i| bind.param_format(i)).collect();
        for lookup in &lookups {
            let i = lookup.param.saturating_sub(1);
            // Text, or binary of a text type (the same bytes): a pseudonym is
            // valid UTF-8 or it is refused below.
            let format = formats.get(i).copied().unwrap_or(FormatCode::Text);
            let Some(Some(value)) = bind.params.get(i) else {
                return self.refuse_extended(
                    format!(
                        "parameter ${} looks up {} and must not be NULL",
                        lookup.param, lookup.column
                    ),
                    known.sql,
                );
            };
            let Ok(pseudonym) = std::str::from_utf8(value) else {
                return self.refuse_extended(
                    format!("parameter ${} is not valid UTF-8", lookup.param),
                    known.sql,
                );
            };
            let values = match gate.reverse_parameter(&self.consumer, lookup, pseudonym) {
                Ok(v) => v,
                Err(r) => return self.refuse_extended(r.message.clone(), known.sql),
            };
            let targets = std::iter::once(lookup.param).chain(lookup.extra.iter().copied());
            for (target, value) in targets.zip(values) {
                let j = target.saturating_sub(1);
                if bind.params.len() <= j {
                    bind.params.resize(j + 1, None);
                    formats.resize(j + 1, FormatCode::Text);
                }
                bind.params[j] = Some(value.into_bytes().into());
                formats[j] = format;
            }
        }
        bind.param_formats = formats;
        self.expect(Expect::Bind)?;
        bind.encode(out)?;
        Ok(())
    }
}

/// Checks the run-time parameter name bound to `$param` of `current_setting($param)`
/// as the gate checks a literal one: readable parameters only, never NULL.
fn bound_setting_name(bind: &Bind, param: usize) -> Result<(), String> {
    let value = bind.params.get(param.saturating_sub(1)).cloned().flatten();
    let name = value
        .as_deref()
        .and_then(|v| std::str::from_utf8(v).ok())
        .ok_or_else(|| {
            format!(
                "parameter ${param} names the parameter current_setting() reads and must be text"
            )
        })?;
    crate::sql::settings::may_read(&name.to_lowercase())
}

/// The COPY TO STDOUT of a simple query, if it is one; a COPY among other statements
/// is refused.
fn single_copy(statements: &[Statement], sql: &str) -> Result<Option<CopyOut>, String> {
    let copies: Vec<_> = statements
        .iter()
        .filter_map(|s| match s {
            Statement::CopyOut(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    match copies.len() {
        0 => Ok(None),
        1 if !sql.trim().trim_end_matches(';').contains(';') => Ok(copies.into_iter().next()),
        _ => Err("COPY must be sent alone in its query through tuomin".into()),
    }
}

/// Whether the gate's verdict overrides a refusal of the gateway's token allowlist,
/// which otherwise stays behind the gate (defence in depth against writes the gate
/// would miss). The gate follows run-time parameters (`SET`, `set_config`): it refuses
/// encodings other than UTF8, `standard_conforming_strings = off`, identity and
/// read-only changes. The allowlist keeps the last word on the settings that change
/// how values are printed, which the mask plan parses: a `DateStyle` other than ISO
/// output, `IntervalStyle`, `bytea_output`.
fn relaxed(analysis: &Analysis, sql: &str, reason: &str) -> bool {
    let all = |k: &[StatementKind]| {
        !analysis.statements.is_empty() && analysis.statements.iter().all(|s| k.contains(&s.kind))
    };
    let settings = all(&[StatementKind::Set])
        || (reason.to_lowercase().contains("set_config") && all(&[StatementKind::Query]));
    settings && !changes_value_format(sql)
}

/// Whether `sql` may change how the server prints values.
fn changes_value_format(sql: &str) -> bool {
    let l = sql.to_lowercase();
    let datestyle = l.find("datestyle").is_some_and(|i| {
        let value = &l[i..];
        !value.contains("iso")
            || ["sql", "german", "postgres"]
                .iter()
                .any(|w| value.contains(w))
    });
    datestyle || l.contains("intervalstyle") || l.contains("bytea_output")
}

/// Whether to go on reading.
enum Flow {
    Continue,
    Terminate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowlist_reads_a_text_once_while_it_repeats_and_every_other_text_anew() {
        let mut last = None;
        let select: Arc<str> = "select 1".into();
        let write: Arc<str> = "delete from customers".into();
        let first = classify_unless_last(&mut last, &select);
        assert!(first.is_ok());
        // The same text, even in another allocation: the same reading, not read again.
        let again = classify_unless_last(&mut last, &"select 1".into());
        assert!(Arc::ptr_eq(&first, &again));
        // Another text is read: a write is refused right after an allowed read…
        let refused = classify_unless_last(&mut last, &write);
        assert!(refused.is_err(), "{refused:?}");
        assert!(Arc::ptr_eq(
            &refused,
            &classify_unless_last(&mut last, &write)
        ));
        // …and the read is allowed again after it.
        assert!(classify_unless_last(&mut last, &select).is_ok());
    }
}
