//! [`query`]: one simple query on a fresh upstream session, rows as text. Used by the
//! catalog cache; never for consumer traffic.

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;

use super::login::UpstreamSession;
use crate::pg::codec::backend::BackendMessage;
use crate::pg::codec::backend::FieldCode;
use crate::pg::codec::frontend::{Query, Terminate};
use crate::pg::codec::{FrameLimits, SqlState};
use crate::pg::error::PgError;
use crate::pg::net::FramedReader;

/// Rows of text values (`None` for NULL).
pub type TextRows = Vec<Vec<Option<String>>>;

/// Runs `sql` (one or more statements) and returns the rows of each result set; ends
/// the session afterwards.
pub async fn query(session: UpstreamSession, sql: &str) -> Result<Vec<TextRows>, PgError> {
    let mut stream = session.stream;
    let mut buf = BytesMut::new();
    Query { sql: sql.into() }.encode(&mut buf)?;
    stream.write_all(&buf).await?;
    let mut reader = FramedReader::new(stream, session.buf, FrameLimits::BACKEND);
    let mut results: Vec<TextRows> = Vec::new();
    let mut error = None;
    loop {
        let frame = reader
            .next()
            .await
            .map_err(|e| PgError::Upstream(e.to_string()))?
            .ok_or_else(|| PgError::Upstream("the upstream closed the connection".into()))?;
        match BackendMessage::decode(&frame)
            .map_err(|e| PgError::UpstreamProtocol(e.to_string()))?
        {
            BackendMessage::RowDescription(_) => results.push(Vec::new()),
            BackendMessage::DataRow(row) => {
                let values = row
                    .values()
                    .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
                    .collect();
                if let Some(last) = results.last_mut() {
                    last.push(values);
                }
            }
            BackendMessage::ErrorResponse(e) => {
                error = Some((
                    e.fields
                        .get(FieldCode::Code)
                        .and_then(SqlState::parse)
                        .unwrap_or(SqlState::CONNECTION_FAILURE),
                    e.fields
                        .get(FieldCode::Message)
                        .unwrap_or("error")
                        .to_owned(),
                ));
            }
            BackendMessage::ReadyForQuery(_) => break,
            _ => {}
        }
    }
    let mut stream = reader.into_parts().0;
    let mut buf = BytesMut::new();
    Terminate.encode(&mut buf)?;
    let _ = stream.write_all(&buf).await;
    match error {
        // The upstream's words are about tuomin's service account and the upstream's
        // rules, not the client's affair: they go to the log, the client gets the code.
        Some((code, message)) => {
            tracing::error!(
                sqlstate = %code,
                message = %message,
                "the upstream refused the gateway's catalog query"
            );
            Err(PgError::Upstream(format!(
                "the upstream refused the gateway's catalog query (SQLSTATE {code}); \
                 the gateway's operator finds why in its log"
            )))
        }
        None => Ok(results),
    }
}
