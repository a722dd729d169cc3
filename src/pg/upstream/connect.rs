//! [`UpstreamTarget`] and [`open`]: one authenticated upstream session.

use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::login::{UpstreamSession, login};
use crate::config::postgres::Upstream;
use crate::pg::codec::frontend::{CancelRequest, ProtocolVersion, SslRequest, StartupMessage};
use crate::pg::error::PgError;
use crate::pg::net::Stream;
use crate::pg::net::tls::{self, TlsConfigError};

/// Where the upstream is and how to reach it (built once per listener).
#[derive(Clone, Debug)]
pub struct UpstreamTarget {
    /// Address and credentials.
    pub settings: Upstream,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl UpstreamTarget {
    /// Builds the TLS configuration the settings ask for.
    pub fn new(settings: Upstream) -> Result<Self, TlsConfigError> {
        let tls = tls::client_config(settings.tls, settings.ca_file.as_deref())?;
        Ok(UpstreamTarget { settings, tls })
    }

    /// A TCP connection, upgraded to TLS when the mode asks for it.
    pub async fn stream(&self) -> Result<Stream, PgError> {
        let s = &self.settings;
        // The client is not told where the upstream is (a vendor has no business
        // with the bank's addresses); the operator reads it in the log.
        let tcp = TcpStream::connect((s.host.as_str(), s.port))
            .await
            .map_err(|e| {
                tracing::info!(host = %s.host, port = s.port, error = %e, "cannot connect to the upstream");
                PgError::Upstream(format!("cannot connect to the upstream server: {e}"))
            })?;
        crate::pg::net::tcp::tune(&tcp);
        let Some(config) = &self.tls else {
            return Ok(Stream::Plain(tcp));
        };
        let mut tcp = tcp;
        let mut buf = BytesMut::new();
        SslRequest.encode(&mut buf)?;
        tcp.write_all(&buf).await?;
        let answer = tcp.read_u8().await?;
        if answer != b'S' {
            return Err(PgError::Upstream(
                "the upstream does not accept TLS, and the policy requires it".into(),
            ));
        }
        // What went wrong (a certificate's names, the name expected) is the
        // operator's to read in the log; the client is told the handshake failed.
        let failed = |error: &dyn std::fmt::Display| {
            tracing::info!(
                host = %s.host,
                port = s.port,
                server_name = %s.server_name,
                error = %error,
                "the TLS handshake with the upstream failed"
            );
            PgError::Upstream(
                "the TLS handshake with the upstream server failed; the gateway's operator \
                 finds why in its log"
                    .into(),
            )
        };
        let name = tls::server_name(&s.server_name).map_err(|e| failed(&e.0))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
        let tls = connector.connect(name, tcp).await.map_err(|e| failed(&e))?;
        Ok(Stream::ClientTls(Box::new(tls)))
    }

    /// `step` (connecting, logging in, sending a cancel), given at most
    /// `connect_timeout_secs`: an upstream that accepts and then says nothing (or a
    /// network that drops the packets) ends in a clear error, not a session that waits
    /// for the kernel's TCP timeouts.
    async fn within<T>(
        &self,
        step: impl std::future::Future<Output = Result<T, PgError>>,
    ) -> Result<T, PgError> {
        let s = &self.settings;
        match tokio::time::timeout(s.connect_timeout, step).await {
            Ok(r) => r,
            Err(_) => {
                tracing::info!(
                    host = %s.host,
                    port = s.port,
                    seconds = s.connect_timeout.as_secs(),
                    "the upstream did not complete tuomin's connection and login in time"
                );
                Err(PgError::Upstream(format!(
                    "the upstream server did not complete tuomin's connection and login \
                     within {} s (connect_timeout_secs)",
                    s.connect_timeout.as_secs()
                )))
            }
        }
    }

    /// Sends a CancelRequest for the upstream session `process_id` / `secret`.
    pub async fn cancel(&self, process_id: i32, secret: bytes::Bytes) -> Result<(), PgError> {
        self.within(self.send_cancel(process_id, secret)).await
    }

    async fn send_cancel(&self, process_id: i32, secret: bytes::Bytes) -> Result<(), PgError> {
        let mut stream = self.stream().await?;
        let mut buf = BytesMut::new();
        CancelRequest {
            process_id,
            secret_key: secret,
        }
        .encode(&mut buf)?;
        stream.write_all(&buf).await?;
        stream.flush().await?;
        let _ = stream.shutdown().await;
        Ok(())
    }
}

/// Parameters tuomin always sets upstream: values come back as UTF-8 text with ISO
/// dates, and every transaction is read-only unless a statement says otherwise (a
/// second line of defence behind the gateway's own refusal of writes).
pub const FORCED_PARAMS: [(&str, &str); 3] = [
    ("client_encoding", "UTF8"),
    ("DateStyle", "ISO, MDY"),
    ("default_transaction_read_only", "on"),
];

/// Client startup parameters passed on upstream (all others are dropped; `options`
/// could set anything and is never passed).
pub const PASSED_PARAMS: [&str; 5] = [
    "application_name",
    "TimeZone",
    "extra_float_digits",
    "search_path",
    "IntervalStyle",
];

/// Opens an authenticated session on `database`, passing `client_params` that are in
/// [`PASSED_PARAMS`], within the upstream's `connect_timeout_secs`.
pub async fn open(
    target: &UpstreamTarget,
    database: &str,
    client_params: &[(String, String)],
) -> Result<UpstreamSession, PgError> {
    target
        .within(open_session(target, database, client_params))
        .await
}

async fn open_session(
    target: &UpstreamTarget,
    database: &str,
    client_params: &[(String, String)],
) -> Result<UpstreamSession, PgError> {
    let mut stream = target.stream().await?;
    let mut params: Vec<(String, String)> = vec![
        ("user".into(), target.settings.user.clone()),
        ("database".into(), database.to_owned()),
    ];
    params.extend(
        FORCED_PARAMS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    params.extend(
        client_params
            .iter()
            .filter(|(k, _)| PASSED_PARAMS.contains(&k.as_str()))
            .cloned(),
    );
    let mut buf = BytesMut::new();
    StartupMessage {
        version: ProtocolVersion::V3_0,
        params,
    }
    .encode(&mut buf)?;
    stream.write_all(&buf).await?;
    login(stream, target).await
}
