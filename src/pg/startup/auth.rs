//! [`Checked::authenticate`]: SCRAM-SHA-256 against the consumer's verifier, with
//! channel binding (SCRAM-SHA-256-PLUS) offered over TLS. An
//! unknown, disabled or password-less consumer goes through the same exchange and
//! fails the same way as a wrong password.

use std::net::IpAddr;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;

use super::{Authenticated, Checked, StepError};
use crate::pg::auth::scram_server::{Binding, MECHANISM, MECHANISM_PLUS};
use crate::pg::auth::{Refused, ScramError, ScramServer};
use crate::pg::codec::FrontendTag;
use crate::pg::codec::backend::Authentication;
use crate::pg::codec::frontend::{AuthExpectation, AuthResponse, AuthResponseKind};
use crate::pg::error::PgError;
use crate::pg::net::{FramedReader, Stream};
use crate::pg::server::ServerCtx;

async fn send(reader: &mut FramedReader<Stream>, msg: Authentication) -> Result<(), PgError> {
    let mut buf = BytesMut::new();
    msg.encode(&mut buf)?;
    reader.inner_mut().write_all(&buf).await?;
    Ok(())
}

async fn response(
    reader: &mut FramedReader<Stream>,
    expected: AuthExpectation,
) -> Result<AuthResponseKind, PgError> {
    let frame = reader
        .next()
        .await
        .map_err(|e| PgError::ClientProtocol(e.to_string()))?
        // Not a failed login (neither counted nor audited): psql, for one, connects,
        // sees that a password is asked for, and leaves to prompt for it.
        .ok_or_else(|| {
            PgError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the client left during authentication",
            ))
        })?;
    if frame.frontend_tag().map_err(PgError::decode)? != FrontendTag::AuthResponse {
        return Err(PgError::ClientProtocol(
            "expected an authentication response".into(),
        ));
    }
    AuthResponse::decode(&frame.body())
        .and_then(|r| r.decode_as(expected))
        .map_err(PgError::decode)
}

impl Checked {
    /// Runs the SCRAM exchange for a client at `ip` — unless this user name from that
    /// address, or that address whatever the names, failed too often lately
    /// ([`crate::pg::auth::LoginFailures`]): then it is refused before any exchange.
    /// The outcome is counted.
    pub async fn authenticate(
        self,
        ctx: &ServerCtx,
        ip: IpAddr,
    ) -> Result<Authenticated, StepError> {
        let mut reader = self.reader;
        if let Some(refused) = ctx.login_failures.refused_for(ip, &self.user) {
            let e = PgError::Auth(match refused {
                Refused::User(wait) => format!(
                    "too many failed logins for user \"{}\" from this address \
                     (login_failure_limit); try again in {} s",
                    self.user,
                    wait.as_secs() + 1
                ),
                Refused::Address(wait) => format!(
                    "too many failed logins from this address, whatever the user name \
                     (login_failure_address_limit); try again in {} s",
                    wait.as_secs() + 1
                ),
            });
            return Err((e, Some(reader.into_parts().0)));
        }
        let outcome = exchange(&mut reader, ctx, &self.user).await;
        match &outcome {
            Ok(()) => ctx.login_failures.succeeded(ip, &self.user),
            Err(PgError::Auth(_)) => ctx.login_failures.failed(ip, &self.user),
            Err(_) => {}
        }
        match outcome {
            Ok(()) => Ok(Authenticated {
                reader,
                consumer: self.user,
                database: self.database,
                params: self.params,
                gate_session: self.gate_session,
            }),
            Err(e) => Err((e, Some(reader.into_parts().0))),
        }
    }
}

async fn exchange(
    reader: &mut FramedReader<Stream>,
    ctx: &ServerCtx,
    user: &str,
) -> Result<(), PgError> {
    let policy = ctx.policy.current();
    let enabled = policy.consumer(user).is_some_and(|c| c.enabled);
    let verifier = policy
        .postgres
        .as_ref()
        .and_then(|pg| pg.verifiers.get(user))
        .filter(|_| enabled);
    // Over TLS, with a certificate whose end-point hash is defined, channel binding is
    // offered too (first: libpq takes the first it supports).
    let end_point = ctx
        .tls
        .as_ref()
        .and_then(|t| t.end_point.as_deref())
        .filter(|_| reader.inner_mut().is_tls());
    let mechanisms = match end_point {
        Some(_) => vec![MECHANISM_PLUS.into(), MECHANISM.into()],
        None => vec![MECHANISM.into()],
    };
    send(reader, Authentication::Sasl { mechanisms }).await?;
    let AuthResponseKind::SaslInitial(initial) =
        response(reader, AuthExpectation::SaslInitial).await?
    else {
        return Err(PgError::ClientProtocol(
            "expected SASLInitialResponse".into(),
        ));
    };
    let binding = match (initial.mechanism.as_str(), end_point) {
        (MECHANISM, None) => Binding::NotOffered,
        (MECHANISM, Some(_)) => Binding::OfferedNotChosen,
        (MECHANISM_PLUS, Some(data)) => Binding::Chosen(data),
        (other, _) => {
            return Err(PgError::Auth(format!(
                "SASL mechanism {other} is not offered"
            )));
        }
    };
    let failed = |e: ScramError| match e {
        ScramError::BadProof => PgError::Auth(format!(
            "password authentication failed for user \"{user}\""
        )),
        other => PgError::Auth(other.to_string()),
    };
    let first = initial.data.unwrap_or_default();
    let (challenge, server_first) =
        ScramServer::start(verifier, &first, binding).map_err(failed)?;
    send(
        reader,
        Authentication::SaslContinue {
            data: Bytes::from(server_first.into_bytes()),
        },
    )
    .await?;
    let AuthResponseKind::Sasl(last) = response(reader, AuthExpectation::SaslContinue).await?
    else {
        return Err(PgError::ClientProtocol("expected SASLResponse".into()));
    };
    let server_final = challenge.finish(&last.data).map_err(failed)?;
    if verifier.is_none() {
        return Err(failed(ScramError::BadProof));
    }
    send(
        reader,
        Authentication::SaslFinal {
            data: Bytes::from(server_final.into_bytes()),
        },
    )
    .await
}
