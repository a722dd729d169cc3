//! [`login`]: authentication with tuomin's service credentials, then the parameters,
//! the key and the first ReadyForQuery. [`UpstreamSession`] is the result.

use bytes::{Bytes, BytesMut};
use postgres_protocol::authentication::sasl::{
    ChannelBinding, SCRAM_SHA_256, SCRAM_SHA_256_PLUS, ScramSha256,
};
use tokio::io::AsyncWriteExt;

use super::connect::UpstreamTarget;
use crate::config::postgres::UpstreamChannelBinding;
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
    let mut scram = Scram::default();
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

/// The SCRAM exchange in progress, and whether it is bound to the upstream's
/// certificate.
#[derive(Default)]
struct Scram {
    client: Option<ScramSha256>,
    bound: bool,
}

/// The refusal of a login `channel_binding = "require"` does not allow.
fn binding_required(what: &str) -> PgError {
    PgError::Upstream(format!(
        "channel binding is required ([postgres.upstream] channel_binding = \"require\"), \
         but {what}"
    ))
}

async fn authenticate(
    reader: &mut FramedReader<Stream>,
    target: &UpstreamTarget,
    auth: Authentication,
    scram: &mut Scram,
) -> Result<(), PgError> {
    let require = target.settings.channel_binding == UpstreamChannelBinding::Require;
    if require
        && matches!(
            auth,
            Authentication::CleartextPassword | Authentication::Md5Password { .. }
        )
    {
        // Refused before the password or its hash is sent.
        return Err(binding_required(
            "the upstream asks for a password or MD5 login, which cannot be bound",
        ));
    }
    match auth {
        Authentication::Ok if require && !scram.bound => Err(binding_required(
            "the upstream let tuomin in without a bound SCRAM login",
        )),
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
            let offers = |name: &str| mechanisms.iter().any(|m| m == name);
            // What tuomin can bind to: the certificate of this TLS connection, where
            // its signature names a hash.
            let end_point = match target.settings.channel_binding {
                UpstreamChannelBinding::Disable => None,
                _ => reader.inner_mut().upstream_end_point(),
            };
            let (mechanism, binding) = match end_point {
                Some(data) if offers(SCRAM_SHA_256_PLUS) => (
                    SCRAM_SHA_256_PLUS,
                    ChannelBinding::tls_server_end_point(data),
                ),
                _ if require => {
                    return Err(binding_required(if reader.inner_mut().is_tls() {
                        "the upstream does not offer SCRAM-SHA-256-PLUS, or its certificate's \
                         signature names no hash to bind to"
                    } else {
                        "the connection upstream is not TLS"
                    }));
                }
                // `y`: tuomin could bind, but the upstream did not offer it (PostgreSQL
                // refuses this where it did offer: an offer stripped on the way).
                Some(_) if offers(SCRAM_SHA_256) => (SCRAM_SHA_256, ChannelBinding::unrequested()),
                _ if offers(SCRAM_SHA_256) => (SCRAM_SHA_256, ChannelBinding::unsupported()),
                _ => {
                    return Err(PgError::Upstream(
                        "the upstream offers no SASL mechanism tuomin speaks".into(),
                    ));
                }
            };
            let client = ScramSha256::new(password(target)?.as_bytes(), binding);
            let data = Some(Bytes::copy_from_slice(client.message()));
            scram.bound = mechanism == SCRAM_SHA_256_PLUS;
            scram.client = Some(client);
            send(reader, |b| {
                SaslInitialResponse {
                    mechanism: mechanism.into(),
                    data,
                }
                .encode(b)
            })
            .await
        }
        Authentication::SaslContinue { data } => {
            let client = scram
                .client
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
                .client
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
