//! [`ClientPump`]: client → upstream. See the [module docs](super).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use super::{Expect, PolicySource};
use crate::pg::codec::backend::ErrorResponse;
use crate::pg::codec::frontend::{Bind, Close, Describe, Execute, Parse, Query, Sync, Target};
use crate::pg::codec::{Frame, FrontendTag, Severity, SqlState};
use crate::pg::error::PgError;
use crate::pg::net::FramedReader;
use crate::pg::sqltext::{Statement, classify};

/// The client-side pump of one session.
pub struct ClientPump {
    tx: mpsc::UnboundedSender<Expect>,
    statements: HashMap<String, Arc<str>>,
    portals: HashMap<String, Arc<str>>,
    /// After a refusal in the extended protocol: drop messages until Sync.
    skipping: bool,
    /// The portal the previous message described, if it was a Describe of one.
    described: Option<String>,
    _policy: Arc<dyn PolicySource>,
}

fn refusal(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse::new(Severity::Error, SqlState::INSUFFICIENT_PRIVILEGE, message)
        .with_hint("refused by tuomin, the data-masking gateway")
}

impl ClientPump {
    /// A pump queuing into `tx`.
    pub fn new(tx: mpsc::UnboundedSender<Expect>, policy: Arc<dyn PolicySource>) -> Self {
        ClientPump {
            tx,
            statements: HashMap::new(),
            portals: HashMap::new(),
            skipping: false,
            described: None,
            _policy: policy,
        }
    }

    fn expect(&self, e: Expect) -> Result<(), PgError> {
        self.tx.send(e).map_err(|_| PgError::Shutdown)
    }

    /// Runs until the client leaves, sends Terminate, misbehaves, or `terminate`.
    pub async fn run<R, W>(
        &mut self,
        mut client: FramedReader<R>,
        mut upstream: W,
        mut terminate: watch::Receiver<bool>,
    ) -> Result<(), PgError>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let mut out = BytesMut::with_capacity(8192);
        loop {
            let next = tokio::select! {
                r = client.next() => r,
                _ = terminate.changed() => return Ok(()),
            };
            let mut frame = match next {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return self.fatal(PgError::ClientProtocol(e.to_string())),
            };
            loop {
                match self.handle(frame, &mut out) {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Terminate) => {
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

    fn handle(&mut self, frame: Frame, out: &mut BytesMut) -> Result<Flow, PgError> {
        let tag = frame.frontend_tag().map_err(PgError::decode)?;
        let described = self.described.take();
        if self.skipping && tag != FrontendTag::Sync && tag != FrontendTag::Terminate {
            return Ok(Flow::Continue);
        }
        let body = frame.body();
        match tag {
            FrontendTag::Query => {
                self.query(Query::decode(&body).map_err(PgError::decode)?, frame, out)?
            }
            FrontendTag::Parse => {
                self.parse(Parse::decode(&body).map_err(PgError::decode)?, frame, out)?
            }
            FrontendTag::Bind => {
                let bind = Bind::decode(&body).map_err(PgError::decode)?;
                let sql = self.statement_sql(&bind.statement);
                self.portals.insert(bind.portal, sql);
                self.forward(Expect::Bind, frame, out)?;
            }
            FrontendTag::Describe => {
                let d = Describe::decode(&body).map_err(PgError::decode)?;
                let sql = self.target_sql(d.target, &d.name);
                if d.target == Target::Portal {
                    self.described = Some(d.name);
                }
                let e = Expect::Describe {
                    hidden: false,
                    sql,
                    for_copy: false,
                };
                self.forward(e, frame, out)?;
            }
            FrontendTag::Execute => {
                let ex = Execute::decode(&body).map_err(PgError::decode)?;
                let sql = self.target_sql(Target::Portal, &ex.portal);
                if described.as_deref() != Some(ex.portal.as_str()) {
                    self.expect(Expect::Describe {
                        hidden: true,
                        sql: sql.clone(),
                        for_copy: false,
                    })?;
                    Describe {
                        target: Target::Portal,
                        name: ex.portal,
                    }
                    .encode(out)?;
                }
                self.forward(Expect::Execute { sql }, frame, out)?;
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

    fn statement_sql(&self, name: &str) -> Arc<str> {
        self.statements
            .get(name)
            .cloned()
            .unwrap_or_else(|| "".into())
    }

    fn target_sql(&self, target: Target, name: &str) -> Arc<str> {
        match target {
            Target::Statement => self.statement_sql(name),
            Target::Portal => self.portals.get(name).cloned().unwrap_or_else(|| "".into()),
        }
    }

    fn query(&mut self, q: Query, frame: Frame, out: &mut BytesMut) -> Result<(), PgError> {
        let sql: Arc<str> = q.sql.into();
        let statements = match classify(&sql) {
            Ok(s) => s,
            Err(reason) => {
                return self.expect(Expect::RefuseQuery {
                    error: refusal(reason),
                    sql,
                });
            }
        };
        let copies: Vec<_> = statements
            .into_iter()
            .filter_map(|s| match s {
                Statement::CopyOut(c) => Some(c),
                _ => None,
            })
            .collect();
        let copy = match copies.len() {
            0 => None,
            1 if !sql.trim().trim_end_matches(';').contains(';') => copies.into_iter().next(),
            _ => {
                let error = refusal("COPY must be sent alone in its query through tuomin");
                return self.expect(Expect::RefuseQuery { error, sql });
            }
        };
        if let Some(c) = &copy {
            // Describe the COPY's query first, so its lines get a plan like rows do.
            let inner: Arc<str> = c.query.as_str().into();
            self.expect(Expect::Parse { hidden: true })?;
            Parse {
                statement: String::new(),
                sql: c.query.clone(),
                param_types: vec![],
            }
            .encode(out)?;
            self.expect(Expect::Describe {
                hidden: true,
                sql: inner,
                for_copy: true,
            })?;
            Describe {
                target: Target::Statement,
                name: String::new(),
            }
            .encode(out)?;
            self.expect(Expect::Sync { hidden: true })?;
            Sync.encode(out)?;
        }
        self.forward(Expect::Query { sql, copy }, frame, out)
    }

    fn parse(&mut self, p: Parse, frame: Frame, out: &mut BytesMut) -> Result<(), PgError> {
        let sql: Arc<str> = p.sql.as_str().into();
        let refused = match classify(&sql) {
            Err(reason) => Some(reason),
            Ok(s) if s.iter().any(|s| matches!(s, Statement::CopyOut(_))) => {
                Some("COPY through the extended protocol is refused by tuomin; send it as a simple query".into())
            }
            Ok(_) => None,
        };
        if let Some(reason) = refused {
            self.skipping = true;
            return self.expect(Expect::Refuse {
                error: refusal(reason),
                sql,
            });
        }
        self.statements.insert(p.statement, sql);
        self.forward(Expect::Parse { hidden: false }, frame, out)
    }
}

/// Whether to go on reading.
enum Flow {
    Continue,
    Terminate,
}
