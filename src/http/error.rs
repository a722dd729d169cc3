//! The gateway's errors: each says who is at fault and maps to one HTTP status, and
//! becomes a JSON error body that names fields and rules, never a value.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use super::body::BodyError;
use super::json::MaskError;

/// Who caused an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Client,
    Policy,
    Upstream,
    Internal,
}

/// Why a request was not answered with the upstream's (masked) response.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("no credentials: send an API key in the {header} header or a client certificate")]
    Unauthenticated { header: String },
    #[error("the credentials are not known")]
    UnknownCredentials,
    #[error("the client certificate and the API key name different consumers")]
    ConflictingIdentity,
    #[error("consumer {0} is disabled")]
    Disabled(String),
    #[error("no route matches this method and path")]
    NoRoute,
    #[error("the request path holds `..`, `//`, backslashes or encoded separators; refused")]
    UnsafePath,
    #[error("{0}")]
    BadLookup(String),
    #[error("the request body exceeds the limit of {0} bytes")]
    RequestTooLarge(usize),
    #[error("rate limit: {0}")]
    RateLimited(String),
    #[error(transparent)]
    Masking(#[from] MaskError),
    #[error("upstream body: {0}")]
    Body(#[from] BodyError),
    #[error(
        "the upstream answered {0} on a masked route; only JSON (or declared pass-through types) may leave"
    )]
    NotJson(String),
    /// The upstream's request, connection or TLS failed: why (addresses, certificate
    /// names) is logged where it happened ([`crate::http::proxy`]) and kept here for
    /// `Debug`, not told to the client.
    #[error("the upstream could not be reached")]
    UpstreamUnreachable(String),
    #[error("the upstream did not answer within {0} ms")]
    UpstreamTimeout(u128),
    #[error("the upstream redirected outside the route's upstream; refused")]
    ForeignRedirect,
    #[error("the request could not be recorded in the audit trail; refused")]
    Audit,
}

impl GatewayError {
    pub fn status(&self) -> StatusCode {
        use GatewayError as E;
        match self {
            E::Unauthenticated { .. } | E::UnknownCredentials | E::ConflictingIdentity => {
                StatusCode::UNAUTHORIZED
            }
            E::Disabled(_) => StatusCode::FORBIDDEN,
            E::NoRoute => StatusCode::NOT_FOUND,
            E::UnsafePath | E::BadLookup(_) => StatusCode::BAD_REQUEST,
            E::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            E::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            E::Masking(MaskError::Refused { .. }) => StatusCode::FORBIDDEN,
            E::Masking(_) | E::Body(_) | E::NotJson(_) | E::UpstreamUnreachable(_) => {
                StatusCode::BAD_GATEWAY
            }
            E::ForeignRedirect => StatusCode::BAD_GATEWAY,
            E::UpstreamTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            E::Audit => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        use GatewayError as E;
        match self {
            E::Unauthenticated { .. } => "unauthenticated",
            E::UnknownCredentials => "unknown_credentials",
            E::ConflictingIdentity => "conflicting_identity",
            E::Disabled(_) => "consumer_disabled",
            E::NoRoute => "no_route",
            E::UnsafePath => "unsafe_path",
            E::BadLookup(_) => "bad_lookup",
            E::RequestTooLarge(_) => "request_too_large",
            E::RateLimited(_) => "rate_limited",
            E::Masking(MaskError::Refused { .. }) => "field_refused",
            E::Masking(MaskError::Transform { .. }) => "transform_failed",
            E::Masking(MaskError::Malformed(_)) => "upstream_malformed_json",
            E::Body(BodyError::Bomb { .. }) => "decompression_bomb",
            E::Body(_) => "upstream_body",
            E::NotJson(_) => "not_json",
            E::UpstreamUnreachable(_) => "upstream_unreachable",
            E::UpstreamTimeout(_) => "upstream_timeout",
            E::ForeignRedirect => "foreign_redirect",
            E::Audit => "audit_unavailable",
        }
    }

    pub fn fault(&self) -> Fault {
        match self.status().as_u16() {
            403 if matches!(self, GatewayError::Masking(_)) => Fault::Policy,
            400..=499 => Fault::Client,
            503 => Fault::Internal,
            _ => Fault::Upstream,
        }
    }

    /// The JSON error answered to the client.
    pub fn to_response(&self) -> Response<Full<Bytes>> {
        let mut error = serde_json::Map::new();
        error.insert("status".into(), self.status().as_u16().into());
        error.insert("code".into(), self.code().into());
        error.insert("message".into(), self.to_string().into());
        if let GatewayError::Masking(MaskError::Refused { path, rule, .. }) = self {
            error.insert("field".into(), path.clone().into());
            error.insert("rule".into(), rule.clone().into());
        }
        let body = serde_json::json!({ "error": error }).to_string();
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let GatewayError::RateLimited(_) = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let GatewayError::Unauthenticated { .. } | GatewayError::UnknownCredentials = self {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("ApiKey"));
        }
        response
    }
}
