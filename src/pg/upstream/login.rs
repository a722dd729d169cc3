//! [`login`]: authentication with tuomin's service credentials, then the parameters,
//! the key and the first ReadyForQuery. [`UpstreamSession`] is the result.

use bytes::{Bytes, BytesMut};
use postgres_protocol::authentication::sasl::{ChannelBinding, SCRAM_SHA_256, ScramSha256};
use tokio::io::AsyncWriteExt;

use super::connect::UpstreamTarget;
use crate::pg::codec::backend::FieldCode;
use crate::pg::codec::backend::{
    Authentication, BackendKeyData, BackendMessage, TransactionStatus,
};
use crate::pg::codec::frontend::{PasswordMessage, SaslInitialResponse, SaslResponse};
use crate::pg::codec::{FrameLimits, SqlState};
use crate::pg::error::PgError;
use crate::pg::net::{FramedReader, Stream};

/// An authenticated upstream session, ready for queries.
#[derive(Debug)]
pub struct UpstreamSession {
    /// The connection.
    pub stream: Stream,
    /// Bytes read after the first ReadyForQuery.
    pub buf: BytesMut,
    /// ParameterStatus values, in order.
    pub params: Vec<(String, String)>,
    /// The upstream's cancel key.
    pub key: Option<BackendKeyData>,
    /// Transaction status of the first ReadyForQuery.
    pub status: TransactionStatus,
}

fn password(target: &UpstreamTarget) -> Result<&str, PgError> {
    target
        .settings
        .password
        .as_ref()
        .map(|s| s.0.as_str())
        .ok_or_else(|| {
            PgError::Upstream("the upstream asks for a password and none is configured".into())
        })
}

async fn send(
    reader: &mut FramedReader<Stream>,
    msg: impl FnOnce(&mut BytesMut) -> Result<(), crate::pg::codec::EncodeError>,
) -> Result<(), PgError> {
    let mut buf = BytesMut::new();
    msg(&mut buf)?;
    reader.inner_mut().write_all(&buf).await?;
    Ok(())
}

async fn next(reader: &mut FramedReader<Stream>) -> Result<BackendMessage, PgError> {
    let frame = reader
        .next()
        .await
        .map_err(|e| PgError::Upstream(e.to_string()))?
        .ok_or_else(|| PgError::Upstream("the upstream closed the connection".into()))?;
    BackendMessage::decode(&frame).map_err(|e| PgError::UpstreamProtocol(e.to_string()))
}

/// Runs the authentication exchange and reads up to the first ReadyForQuery.
pub async fn login(stream: Stream, target: &UpstreamTarget) -> Result<UpstreamSession, PgError> {
    let mut reader = FramedReader::new(stream, BytesMut::new(), FrameLimits::BACKEND);
    let mut scram: Option<ScramSha256> = None;
    let mut params = Vec::new();
    let mut key = None;
    loop {
        match next(&mut reader).await? {
            BackendMessage::Authentication(auth) => {
                authenticate(&mut reader, target, auth, &mut scram).await?
            }
            BackendMessage::ParameterStatus(p) => params.push((p.name, p.value)),
            BackendMessage::BackendKeyData(k) => key = Some(k),
            BackendMessage::ReadyForQuery(r) => {
                let (stream, buf) = reader.into_parts();
                return Ok(UpstreamSession {
                    stream,
                    buf,
                    params,
                    key,
                    status: r.status,
                });
            }
            BackendMessage::ErrorResponse(e) => {
                let message = e.fields.get(FieldCode::Message).unwrap_or("error");
                let code = e
                    .fields
                    .get(FieldCode::Code)
                    .and_then(SqlState::parse)
                    .unwrap_or(SqlState::CONNECTION_FAILURE);
                // The client may be told less (PgError::UpstreamRefused): the operator
                // reads it here. A login refusal names roles, databases and access
                // rules, never a value.
                tracing::info!(
                    user = %target.settings.user,
                    code = %code,
                    message,
                    "the upstream refused tuomin's login"
                );
                return Err(PgError::UpstreamRefused(code, message.to_owned()));
            }
            BackendMessage::NoticeResponse(_) | BackendMessage::NegotiateProtocolVersion(_) => {}
            _ => {
                return Err(PgError::UpstreamProtocol(
                    "unexpected message during login".into(),
                ));
            }
        }
    }
}

async fn authenticate(
    reader: &mut FramedReader<Stream>,
    target: &UpstreamTarget,
    auth: Authentication,
    scram: &mut Option<ScramSha256>,
) -> Result<(), PgError> {
    match auth {
        Authentication::Ok => Ok(()),
        Authentication::CleartextPassword => {
            if !reader.inner_mut().is_tls() {
                return Err(PgError::Upstream(
                    "the upstream asks for a cleartext password over an unencrypted \
                     connection; tuomin refuses to send it (use scram-sha-256 or TLS)"
                        .into(),
                ));
            }
            let password = Bytes::copy_from_slice(password(target)?.as_bytes());
            send(reader, |b| PasswordMessage { password }.encode(b)).await
        }
        Authentication::Md5Password { salt } => {
            let hash = postgres_protocol::authentication::md5_hash(
                target.settings.user.as_bytes(),
                password(target)?.as_bytes(),
                salt,
            );
            let password = Bytes::from(hash.into_bytes());
            send(reader, |b| PasswordMessage { password }.encode(b)).await
        }
        Authentication::Sasl { mechanisms } => {
            if !mechanisms.iter().any(|m| m == SCRAM_SHA_256) {
                return Err(PgError::Upstream(
                    "the upstream offers no SASL mechanism tuomin speaks".into(),
                ));
            }
            let client =
                ScramSha256::new(password(target)?.as_bytes(), ChannelBinding::unsupported());
            let data = Some(Bytes::copy_from_slice(client.message()));
            *scram = Some(client);
            send(reader, |b| {
                SaslInitialResponse {
                    mechanism: SCRAM_SHA_256.into(),
                    data,
                }
                .encode(b)
            })
            .await
        }
        Authentication::SaslContinue { data } => {
            let client = scram
                .as_mut()
                .ok_or_else(|| PgError::UpstreamProtocol("SASL out of order".into()))?;
            client
                .update(&data)
                .map_err(|e| PgError::Upstream(format!("SCRAM: {e}")))?;
            let data = Bytes::copy_from_slice(client.message());
            send(reader, |b| SaslResponse { data }.encode(b)).await
        }
        Authentication::SaslFinal { data } => {
            let mut client = scram
                .take()
                .ok_or_else(|| PgError::UpstreamProtocol("SASL out of order".into()))?;
            client.finish(&data).map_err(|e| {
                PgError::Upstream(format!("SCRAM: the upstream's signature is wrong: {e}"))
            })
        }
        Authentication::Other { code, .. } => Err(PgError::Upstream(format!(
            "the upstream asks for authentication method {code}, which tuomin does not speak"
        ))),
    }
}
