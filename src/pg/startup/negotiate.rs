//! [`Accepted::negotiate`] and [`Negotiated::check`]: the startup-phase packets.

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;

use super::{Accepted, Checked, Negotiated, StepError, send_fatal};
use crate::pg::codec::FrameLimits;
use crate::pg::codec::backend::NegotiateProtocolVersion;
use crate::pg::codec::frontend::{ProtocolVersion, StartupPacket};
use crate::pg::error::PgError;
use crate::pg::net::{FramedReader, Stream};
use crate::pg::server::ServerCtx;
use crate::pg::server::cancel::CancelOutcome;

/// What the startup phase came to.
#[derive(Debug)]
pub enum Negotiation {
    /// A StartupMessage to check.
    Startup(Negotiated),
    /// A CancelRequest was handled; the connection ends.
    Cancelled,
    /// The client closed before sending a startup packet (a port probe, a load
    /// balancer's health check): nothing was refused.
    Closed,
}

impl Accepted {
    /// Reads startup-phase packets until a StartupMessage or a CancelRequest.
    pub async fn negotiate(self, ctx: &ServerCtx) -> Result<Negotiation, StepError> {
        let mut reader = direct_tls(self.reader, ctx).await?;
        let mut asked_tls = false;
        loop {
            let frame = match reader.next_startup().await {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(Negotiation::Closed),
                Err(e) => {
                    return Err((
                        PgError::ClientProtocol(e.to_string()),
                        Some(reader.into_parts().0),
                    ));
                }
            };
            let packet = match StartupPacket::decode(&frame) {
                Ok(p) => p,
                Err(e) => return Err((PgError::decode(e), Some(reader.into_parts().0))),
            };
            match packet {
                StartupPacket::Ssl(_) if !asked_tls && !reader.inner_mut().is_tls() => {
                    asked_tls = true;
                    reader = tls(reader, ctx).await?;
                }
                StartupPacket::GssEnc(_) if !reader.inner_mut().is_tls() => {
                    if let Err(e) = reader.inner_mut().write_all(b"N").await {
                        return Err((e.into(), Some(reader.into_parts().0)));
                    }
                }
                StartupPacket::Ssl(_) | StartupPacket::GssEnc(_) => {
                    return Err((
                        PgError::ClientProtocol("encryption requested twice".into()),
                        Some(reader.into_parts().0),
                    ));
                }
                StartupPacket::Cancel(c) => {
                    let outcome = ctx
                        .cancels
                        .cancel(&ctx.target, c.process_id, &c.secret_key)
                        .await;
                    let client = self.addr.map(|a| a.to_string()).unwrap_or_default();
                    match &outcome {
                        CancelOutcome::Forwarded => {
                            tracing::debug!(%client, "cancel request forwarded upstream");
                        }
                        CancelOutcome::Unknown => {
                            tracing::info!(%client, "cancel request with an unknown key ignored");
                        }
                        CancelOutcome::Failed(error) => {
                            tracing::warn!(%client, %error, "forwarding a cancel request failed");
                        }
                    }
                    ctx.metrics.cancel_request(outcome.label());
                    return Ok(Negotiation::Cancelled);
                }
                StartupPacket::Startup(startup) => {
                    return Ok(Negotiation::Startup(Negotiated { reader, startup }));
                }
            }
        }
    }
}

/// The first byte of a TLS handshake record; a startup packet starts with the high
/// byte of its length, which the frame limits keep far below it.
const TLS_HANDSHAKE: u8 = 0x16;

/// PostgreSQL 17's direct TLS (libpq `sslnegotiation=direct`): a client that opens with
/// a TLS handshake instead of an SSLRequest. Looked at without reading: a connection
/// that opens otherwise is returned as it came. As in PostgreSQL, the client must
/// name the `postgresql` ALPN protocol (so that a TLS connection meant for another
/// service is not taken for this one); without TLS configured the connection is closed
/// (a TLS client cannot read a PostgreSQL error in plaintext).
async fn direct_tls(
    reader: FramedReader<Stream>,
    ctx: &ServerCtx,
) -> Result<FramedReader<Stream>, StepError> {
    let (stream, buf) = reader.into_parts();
    let Stream::Plain(tcp) = stream else {
        return Ok(FramedReader::new(stream, buf, FrameLimits::FRONTEND));
    };
    let mut first = [0u8; 1];
    let opens_with_tls =
        buf.is_empty() && matches!(tcp.peek(&mut first).await, Ok(1)) && first[0] == TLS_HANDSHAKE;
    if !opens_with_tls {
        return Ok(FramedReader::new(
            Stream::Plain(tcp),
            buf,
            FrameLimits::FRONTEND,
        ));
    }
    let Some(config) = &ctx.tls else {
        return Err((
            PgError::Tls("a direct TLS handshake, but the listener has no TLS configured".into()),
            None,
        ));
    };
    let tls = accept_tls(config, tcp).await?;
    if tls.get_ref().1.alpn_protocol() != Some(crate::pg::net::tls::ALPN_POSTGRESQL) {
        return Err((
            PgError::Tls("a direct TLS connection without the \"postgresql\" ALPN protocol".into()),
            Some(Stream::ServerTls(tls)),
        ));
    }
    Ok(over_tls(tls))
}

/// The listener's side of a TLS handshake on `tcp`, either way it was started.
async fn accept_tls(
    config: &crate::pg::net::tls::ListenerTlsConfig,
    tcp: tokio::net::TcpStream,
) -> Result<Box<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>, StepError> {
    tokio_rustls::TlsAcceptor::from(config.config.clone())
        .accept(tcp)
        .await
        .map(Box::new)
        .map_err(|e| (PgError::Tls(format!("handshake: {e}")), None))
}

/// A reader of the client's messages over `tls`, nothing read yet.
fn over_tls(
    tls: Box<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>,
) -> FramedReader<Stream> {
    FramedReader::new(
        Stream::ServerTls(tls),
        BytesMut::new(),
        FrameLimits::FRONTEND,
    )
}

/// Answers an SSLRequest: 'S' and a TLS handshake when configured, else 'N'. Bytes
/// the client sent after the SSLRequest, before the handshake, are refused: they
/// were sent in plaintext (CVE-2021-23214 in PostgreSQL itself).
async fn tls(
    mut reader: FramedReader<Stream>,
    ctx: &ServerCtx,
) -> Result<FramedReader<Stream>, StepError> {
    let Some(config) = &ctx.tls else {
        if let Err(e) = reader.inner_mut().write_all(b"N").await {
            return Err((e.into(), Some(reader.into_parts().0)));
        }
        return Ok(reader);
    };
    if reader.buffered() > 0 {
        let e = PgError::ClientProtocol(
            "plaintext bytes received after SSLRequest, before the TLS handshake".into(),
        );
        return Err((e, Some(reader.into_parts().0)));
    }
    let (stream, _) = reader.into_parts();
    let Stream::Plain(mut tcp) = stream else {
        return Err((
            PgError::ClientProtocol("TLS requested twice".into()),
            Some(stream),
        ));
    };
    if let Err(e) = tcp.write_all(b"S").await {
        return Err((e.into(), Some(Stream::Plain(tcp))));
    }
    accept_tls(config, tcp).await.map(over_tls)
}

impl Negotiated {
    /// Checks the StartupMessage: TLS when required, no replication, protocol 3.0.
    pub async fn check(self, ctx: &ServerCtx) -> Result<Checked, StepError> {
        let mut reader = self.reader;
        let startup = self.startup;
        let fail = |e: PgError, reader: FramedReader<Stream>| Err((e, Some(reader.into_parts().0)));
        if ctx.tls_required() && !reader.inner_mut().is_tls() {
            return fail(
                PgError::StartupRefused(
                    "this gateway accepts only TLS connections (sslmode=require)".into(),
                ),
                reader,
            );
        }
        if startup
            .param("replication")
            .is_some_and(|v| !matches!(v, "false" | "off" | "no" | "0"))
        {
            return fail(
                PgError::StartupRefused("replication connections are refused by tuomin".into()),
                reader,
            );
        }
        let options: Vec<String> = startup
            .params
            .iter()
            .filter(|(k, _)| k.starts_with("_pq_."))
            .map(|(k, _)| k.clone())
            .collect();
        if startup.version != ProtocolVersion::V3_0 || !options.is_empty() {
            let mut buf = BytesMut::new();
            let msg = NegotiateProtocolVersion {
                newest_minor: 0,
                unrecognized_options: options,
            };
            if let Err(e) = msg.encode(&mut buf) {
                return fail(e.into(), reader);
            }
            if let Err(e) = reader.inner_mut().write_all(&buf).await {
                return fail(e.into(), reader);
            }
        }
        let Some(user) = startup.param("user").map(str::to_owned) else {
            return fail(
                PgError::StartupRefused("no user name in the startup message".into()),
                reader,
            );
        };
        let database = startup.param("database").unwrap_or(&user).to_owned();
        let gate_session = match super::gate_session(&ctx.settings.upstream.user, &startup.params) {
            Ok(s) => s,
            Err(reason) => return fail(PgError::StartupRefused(reason), reader),
        };
        Ok(Checked {
            reader,
            user,
            database,
            params: startup.params,
            gate_session,
        })
    }
}

/// Sends the FATAL error of a failed startup step and closes.
pub async fn refuse(e: PgError, stream: Option<Stream>) {
    if let Some(mut stream) = stream {
        send_fatal(&mut stream, &e).await;
        let _ = stream.shutdown().await;
    }
}
