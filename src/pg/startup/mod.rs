//! Connection setup as a typed state machine: each step consumes its state and
//! returns the next, so a session cannot start without passing every check.
//!
//! [`Accepted`] (TCP) → [`negotiate`](Accepted::negotiate): SSLRequest (TLS, and
//! refuse plaintext bytes pipelined behind it), GSSENCRequest ('N'), CancelRequest
//! (forwarded, connection closed) → [`Negotiated`] (a StartupMessage) →
//! [`check`](Negotiated::check): TLS required, `replication=` refused, protocol
//! version and `_pq_` options negotiated down to 3.0 → [`Checked`] →
//! [`authenticate`](Checked::authenticate): SCRAM-SHA-256 against the consumer's
//! verifier → [`Authenticated`] → [`connect`](Authenticated::connect): the upstream
//! session, then AuthenticationOk, ParameterStatus, our own BackendKeyData and
//! ReadyForQuery → [`Connected`](crate::pg::session::Connected).

mod auth;
mod negotiate;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

pub use negotiate::{Negotiation, refuse};

use crate::pg::codec::FrameLimits;
use crate::pg::codec::backend::{Authentication, BackendKeyData, ParameterStatus, ReadyForQuery};
use crate::pg::codec::frontend::StartupMessage;
use crate::pg::error::PgError;
use crate::pg::net::{FramedReader, Stream};
use crate::pg::server::{CancelKey, ServerCtx};
use crate::pg::session::Connected;

/// A failed step: the error and, when it can still carry one, the client's stream
/// for the FATAL message.
pub type StepError = (PgError, Option<Stream>);

/// A fresh TCP connection.
#[derive(Debug)]
pub struct Accepted {
    reader: FramedReader<Stream>,
    /// The client's address.
    pub addr: Option<SocketAddr>,
}

/// A StartupMessage has arrived (over TLS or not).
#[derive(Debug)]
pub struct Negotiated {
    reader: FramedReader<Stream>,
    startup: StartupMessage,
}

/// The startup passed the checks; the client has not proven who it is yet.
#[derive(Debug)]
pub struct Checked {
    reader: FramedReader<Stream>,
    user: String,
    database: String,
    params: Vec<(String, String)>,
}

/// The consumer proved its identity.
#[derive(Debug)]
pub struct Authenticated {
    reader: FramedReader<Stream>,
    /// The consumer.
    pub consumer: String,
    /// The database asked for.
    pub database: String,
    params: Vec<(String, String)>,
}

impl Accepted {
    /// A connection just accepted.
    pub fn new(tcp: TcpStream, addr: Option<SocketAddr>) -> Self {
        let _ = tcp.set_nodelay(true);
        Accepted {
            reader: FramedReader::new(Stream::Plain(tcp), BytesMut::new(), FrameLimits::FRONTEND),
            addr,
        }
    }
}

/// Sends a FATAL error for `e` to the client, best effort.
pub async fn send_fatal(stream: &mut Stream, e: &PgError) {
    let mut buf = BytesMut::new();
    if e.to_fatal().encode(&mut buf).is_ok() {
        let _ = stream.write_all(&buf).await;
        let _ = stream.flush().await;
    }
}

impl Authenticated {
    /// Opens the upstream session and completes the client's startup with our key.
    pub async fn connect(self, ctx: &ServerCtx) -> Result<(Connected, CancelKey), StepError> {
        let mut reader = self.reader;
        let upstream =
            match crate::pg::upstream::open(&ctx.target, &self.database, &self.params).await {
                Ok(u) => u,
                Err(e) => return Err((e, Some(reader.into_parts().0))),
            };
        let key = ctx.cancels.register(upstream.key.clone());
        let mut buf = BytesMut::new();
        let result = (|| {
            Authentication::Ok.encode(&mut buf)?;
            for (name, value) in &upstream.params {
                let value = if name == "session_authorization" {
                    &self.consumer
                } else {
                    value
                };
                ParameterStatus {
                    name: name.clone(),
                    value: value.clone(),
                }
                .encode(&mut buf)?;
            }
            BackendKeyData {
                process_id: key.process_id,
                secret_key: key.secret.clone(),
            }
            .encode(&mut buf)?;
            ReadyForQuery {
                status: upstream.status,
            }
            .encode(&mut buf)
        })();
        if let Err(e) = result {
            return Err((e.into(), Some(reader.into_parts().0)));
        }
        if let Err(e) = reader.inner_mut().write_all(&buf).await {
            return Err((e.into(), Some(reader.into_parts().0)));
        }
        let (client, client_buf) = reader.into_parts();
        Ok((
            Connected {
                client,
                client_buf,
                upstream: upstream.stream,
                upstream_buf: upstream.buf,
                status: upstream.status,
            },
            key,
        ))
    }
}

/// The client's TLS configuration, for tests and `serve`.
pub type TlsConfig = Arc<rustls::ServerConfig>;
