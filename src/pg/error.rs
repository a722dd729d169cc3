//! [`PgError`]: why a PostgreSQL session ended or a statement was refused, who is at
//! fault, and the SQLSTATE the client is told. Messages never quote data values.

use crate::pg::codec::backend::ErrorResponse;
use crate::pg::codec::{DecodeError, EncodeError, FrameError, Severity, SqlState};

/// Who caused an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The client (malformed message, bad password, refused request).
    Client,
    /// The upstream server (unreachable, refused our login, malformed reply).
    Upstream,
    /// tuomin itself.
    Gateway,
}

/// The SQLSTATEs of an upstream login refusal that reach the client as they are: the
/// database asked for does not exist (`3D000`), the server is full (`53300`) or
/// starting or stopping (`57P03`) — what a client or its pool can act on. Any other
/// (the upstream refusing tuomin's own credentials, say) is `08006`: the client's
/// login to tuomin succeeded, and tuomin's service account is not the client's affair.
pub const UPSTREAM_LOGIN_CODES_PASSED: [SqlState; 3] = [
    SqlState::INVALID_CATALOG_NAME,
    SqlState::TOO_MANY_CONNECTIONS,
    SqlState::CANNOT_CONNECT_NOW,
];

/// What the client is told of an upstream login refusal ([`PgError::UpstreamRefused`]).
fn upstream_refusal(code: SqlState, message: &str) -> String {
    if UPSTREAM_LOGIN_CODES_PASSED.contains(&code) {
        format!("upstream: the upstream refused: {message}")
    } else {
        format!(
            "upstream: the upstream refused tuomin's own login (SQLSTATE {code}); \
             the gateway's operator finds why in its log"
        )
    }
}

/// The login time limit (`login_timeout_secs`) passed: a refusal with no error of its own.
pub const LOGIN_TIMED_OUT: &str = "timeout";

/// Every label [`PgError::login_refusal`] gives, and [`LOGIN_TIMED_OUT`].
pub const LOGIN_REFUSALS: [&str; 8] = [
    "authentication",
    "startup",
    "too_many_sessions",
    "tls",
    "client_protocol",
    "upstream",
    "gateway",
    LOGIN_TIMED_OUT,
];

/// An error of the PostgreSQL gateway.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The client's bytes cannot be framed (too large, bad length).
    #[error("{0}")]
    ClientFrame(FrameError),
    /// A client message does not decode or comes at the wrong time.
    #[error("protocol violation: {0}")]
    ClientProtocol(String),
    /// The client could not be authenticated.
    #[error("{0}")]
    Auth(String),
    /// The client asked for something refused at startup (replication, no TLS).
    #[error("{0}")]
    StartupRefused(String),
    /// The upstream could not be reached, or its TLS or tuomin's login with it failed.
    #[error("upstream: {0}")]
    Upstream(String),
    /// The upstream refused tuomin's login with an ErrorResponse (its SQLSTATE and
    /// message). Where the code tells the client something it can act on
    /// ([`UPSTREAM_LOGIN_CODES_PASSED`]), the client gets both; otherwise 08006 and
    /// no message of the upstream's (it would name tuomin's service account or the
    /// upstream's access rules; the log has it).
    #[error("{}", upstream_refusal(*.0, .1))]
    UpstreamRefused(SqlState, String),
    /// The upstream closed the connection (normal once the client has left).
    #[error("upstream: the upstream closed the connection")]
    UpstreamClosed,
    /// The upstream sent something tuomin cannot read.
    #[error("upstream protocol: {0}")]
    UpstreamProtocol(String),
    /// TLS failure on the client's side (the upstream's is [`PgError::Upstream`]).
    #[error("TLS: {0}")]
    Tls(String),
    /// Socket error.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// tuomin built a message it cannot encode.
    #[error("internal: {0}")]
    Encode(#[from] EncodeError),
    /// The gateway is shutting down.
    #[error("terminating connection: tuomin is shutting down")]
    Shutdown,
    /// The listener already serves its `max_sessions` connections.
    #[error(
        "sorry, too many clients already: tuomin serves at most {0} connections at once (max_sessions)"
    )]
    TooManySessions(usize),
    /// The audit trail cannot be written and audit is required: the session ends.
    #[error("{0}")]
    Audit(String),
}

impl PgError {
    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            PgError::ClientFrame(_)
            | PgError::ClientProtocol(_)
            | PgError::Auth(_)
            | PgError::StartupRefused(_) => Fault::Client,
            PgError::Upstream(_)
            | PgError::UpstreamRefused(..)
            | PgError::UpstreamClosed
            | PgError::UpstreamProtocol(_) => Fault::Upstream,
            PgError::Tls(_) | PgError::Io(_) => Fault::Client,
            PgError::Encode(_)
            | PgError::Shutdown
            | PgError::Audit(_)
            | PgError::TooManySessions(_) => Fault::Gateway,
        }
    }

    /// Why a login was refused, as the `tuomin_pg_logins_refused_total` metric labels
    /// it (see [`LOGIN_REFUSALS`]).
    pub fn login_refusal(&self) -> &'static str {
        match self {
            PgError::Auth(_) => "authentication",
            PgError::StartupRefused(_) => "startup",
            PgError::TooManySessions(_) => "too_many_sessions",
            PgError::Tls(_) => "tls",
            PgError::ClientFrame(_) | PgError::ClientProtocol(_) | PgError::Io(_) => {
                "client_protocol"
            }
            PgError::Upstream(_)
            | PgError::UpstreamRefused(..)
            | PgError::UpstreamClosed
            | PgError::UpstreamProtocol(_) => "upstream",
            PgError::Encode(_) | PgError::Shutdown | PgError::Audit(_) => "gateway",
        }
    }

    /// The SQLSTATE the client is told.
    pub fn sqlstate(&self) -> SqlState {
        match self {
            PgError::ClientFrame(FrameError::TooLarge { .. }) => SqlState::PROGRAM_LIMIT_EXCEEDED,
            PgError::ClientFrame(_) | PgError::ClientProtocol(_) => SqlState::PROTOCOL_VIOLATION,
            PgError::Auth(_) => SqlState::INVALID_PASSWORD,
            PgError::StartupRefused(_) => SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            PgError::Upstream(_)
            | PgError::UpstreamClosed
            | PgError::UpstreamProtocol(_)
            | PgError::Audit(_) => SqlState::CONNECTION_FAILURE,
            PgError::Tls(_) | PgError::Io(_) => SqlState::PROTOCOL_VIOLATION,
            PgError::Encode(_) => SqlState::INTERNAL_ERROR,
            PgError::Shutdown => SqlState::ADMIN_SHUTDOWN,
            PgError::TooManySessions(_) => SqlState::TOO_MANY_CONNECTIONS,
            PgError::UpstreamRefused(code, _) if UPSTREAM_LOGIN_CODES_PASSED.contains(code) => {
                *code
            }
            PgError::UpstreamRefused(..) => SqlState::CONNECTION_FAILURE,
        }
    }

    /// The FATAL ErrorResponse that ends the session.
    pub fn to_fatal(&self) -> ErrorResponse {
        ErrorResponse::new(Severity::Fatal, self.sqlstate(), self.to_string())
    }

    /// A client message that does not decode.
    pub fn decode(e: DecodeError) -> Self {
        PgError::ClientProtocol(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_login_refusal_label_is_one_the_metrics_show_from_the_start() {
        let errors = [
            PgError::ClientProtocol("x".into()),
            PgError::Auth("x".into()),
            PgError::StartupRefused("x".into()),
            PgError::Upstream("x".into()),
            PgError::UpstreamRefused(SqlState::CONNECTION_FAILURE, "x".into()),
            PgError::UpstreamClosed,
            PgError::UpstreamProtocol("x".into()),
            PgError::Tls("x".into()),
            PgError::Io(std::io::Error::other("x")),
            PgError::Shutdown,
            PgError::TooManySessions(1),
            PgError::Audit("x".into()),
        ];
        let mut seen: Vec<&str> = errors.iter().map(PgError::login_refusal).collect();
        for label in &seen {
            assert!(LOGIN_REFUSALS.contains(label), "{label}");
        }
        seen.push(LOGIN_TIMED_OUT);
        seen.sort_unstable();
        seen.dedup();
        let mut all = LOGIN_REFUSALS.to_vec();
        all.sort_unstable();
        assert_eq!(seen, all, "every label shown is one some refusal gives");
    }
}
