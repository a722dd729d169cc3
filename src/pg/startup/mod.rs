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
    gate_session: crate::sql::SessionState,
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
    /// The SQL gate's session state as the startup parameters set it.
    pub gate_session: crate::sql::SessionState,
}

impl Accepted {
    /// A connection just accepted.
    pub fn new(tcp: TcpStream, addr: Option<SocketAddr>) -> Self {
        crate::pg::net::tcp::tune(&tcp);
        Accepted {
            reader: FramedReader::new(Stream::Plain(tcp), BytesMut::new(), FrameLimits::FRONTEND),
            addr,
        }
    }
}

impl Negotiated {
    /// The user name and database the StartupMessage names (the database defaults to
    /// the user, as in PostgreSQL; `None` without a user name).
    pub fn identity(&self) -> Option<(String, String)> {
        let user = self.startup.param("user")?;
        let database = self.startup.param("database").unwrap_or(user);
        Some((user.to_owned(), database.to_owned()))
    }

    /// The client's stream, for a refusal before the startup is checked.
    pub fn into_stream(self) -> Stream {
        self.reader.into_parts().0
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

/// The gate's session state for these startup parameters (`options` split into its
/// `-c name=value` / `--name=value` settings); `Err` says which one the gate cannot
/// follow.
pub fn gate_session(
    upstream_user: &str,
    params: &[(String, String)],
) -> Result<crate::sql::SessionState, String> {
    let mut session = crate::sql::SessionState::new(upstream_user);
    for (name, value) in params {
        if name == "options" {
            for (n, v) in split_options(value)? {
                session
                    .apply_startup_parameter(&n, &v)
                    .map_err(|r| r.message)?;
            }
        } else {
            session
                .apply_startup_parameter(name, value)
                .map_err(|r| r.message)?;
        }
    }
    Ok(session)
}

/// The settings of an `options` startup parameter: words separated by spaces
/// (`\` escapes the next character), each `-c name=value`, `-cname=value` or
/// `--name=value`. Anything else is refused.
fn split_options(options: &str) -> Result<Vec<(String, String)>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut out = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        let setting = if w == "-c" {
            words.next().ok_or("options: -c without a setting")?
        } else if let Some(rest) = w.strip_prefix("--").or_else(|| w.strip_prefix("-c")) {
            rest.to_owned()
        } else {
            return Err(format!(
                "the startup option {w:?} is refused by tuomin; only -c name=value settings are allowed"
            ));
        };
        let (name, value) = setting
            .split_once('=')
            .ok_or("options: a setting without =value")?;
        out.push((name.replace('-', "_"), value.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod options_tests {
    use super::*;

    #[test]
    fn options_settings_reach_the_gate() {
        let p = |o: &str| vec![("options".to_owned(), o.to_owned())];
        assert!(gate_session("u", &p("-c search_path=public")).is_ok());
        assert!(gate_session("u", &p("--standard-conforming-strings=off")).is_err());
        assert!(gate_session("u", &p("-c client_encoding=LATIN1")).is_err());
        assert!(gate_session("u", &p("-X")).is_err());
        assert_eq!(
            split_options("-c a=b\\ c --d-e=f").unwrap(),
            vec![("a".into(), "b c".into()), ("d_e".into(), "f".into())]
        );
    }
}
