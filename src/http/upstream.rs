//! The upstream side: a pooled hyper client per route (http, or https verified against
//! the route's CA file), the forwarded request (hop-by-hop headers stripped, the
//! consumer's credential never forwarded, `X-Forwarded-*` set by us), and the
//! response headers cleaned for a body that tuomin rewrites.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::error::GatewayError;
use crate::config::http::Upstream;

pub type UpstreamClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Builds the client of one upstream.
pub fn client(upstream: &Upstream, connect_timeout: Duration) -> Result<UpstreamClient, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = &upstream.ca_file {
        let certs = CertificateDer::pem_file_iter(ca)
            .map_err(|e| format!("upstream CA {}: {e}", ca.display()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("upstream CA {}: {e}", ca.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("upstream CA {}: {e}", ca.display()))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(https))
}

/// Headers that belong to one hop and never cross the gateway.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// What the forwarded request is made of.
pub struct Outgoing<'a> {
    pub upstream: &'a Upstream,
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub client: SocketAddr,
    pub tls: bool,
    pub api_key_header: &'a str,
    pub consumer: &'a str,
}

/// The request sent upstream.
pub fn request(out: Outgoing<'_>) -> Result<Request<Full<Bytes>>, String> {
    let mut headers = out.headers;
    let original_host = headers.get(header::HOST).cloned();
    strip_hop_by_hop(&mut headers);
    for name in [
        out.api_key_header,
        "host",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-tuomin-consumer",
        "accept-encoding",
        "content-length",
    ] {
        headers.remove(name);
    }
    let set = |h: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(
        &mut headers,
        "x-forwarded-for",
        &out.client.ip().to_string(),
    );
    set(
        &mut headers,
        "x-forwarded-proto",
        if out.tls { "https" } else { "http" },
    );
    if let Some(host) = original_host {
        headers.insert("x-forwarded-host", host);
    }
    set(&mut headers, "x-tuomin-consumer", out.consumer);
    let uri = format!(
        "{}://{}{}{}",
        out.upstream.scheme, out.upstream.authority, out.upstream.base_path, out.path_and_query
    );
    let mut request = Request::builder()
        .method(out.method)
        .uri(uri)
        .body(Full::new(out.body))
        .map_err(|e| e.to_string())?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// Response headers for a body tuomin re-wrote: length, encoding and validators of the
/// upstream's body no longer apply.
pub fn clean_rewritten(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    for name in [
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::ETAG,
        HeaderName::from_static("content-md5"),
        HeaderName::from_static("digest"),
        header::ACCEPT_RANGES,
    ] {
        headers.remove(name);
    }
}

/// Response headers for a body passed unchanged.
pub fn clean_passed(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    headers.remove(header::CONTENT_LENGTH);
}

/// A redirect's `Location` made relative when it points at the upstream itself;
/// `Err` when it points anywhere else (the client would leave the gateway).
pub fn redirect(headers: &mut HeaderMap, upstream: &Upstream) -> Result<(), GatewayError> {
    let Some(location) = headers.get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    if location.starts_with('/') && !location.starts_with("//") {
        return Ok(());
    }
    let own = format!("{}://{}", upstream.scheme, upstream.authority);
    let Some(rest) = location.strip_prefix(&own) else {
        return Err(GatewayError::ForeignRedirect);
    };
    let rest = if rest.is_empty() { "/" } else { rest };
    let relative = rest
        .strip_prefix(&upstream.base_path)
        .unwrap_or(rest)
        .to_owned();
    let value = HeaderValue::from_str(&relative).map_err(|_| GatewayError::ForeignRedirect)?;
    headers.insert(header::LOCATION, value);
    Ok(())
}
