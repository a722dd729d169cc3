//! The upstream side: a pooled hyper client per route (http, or https verified against
//! the route's CA file), the forwarded request (hop-by-hop headers stripped, the
//! consumer's credential never forwarded, `X-Forwarded-*` set by us), and the
//! response headers cleaned for a body that tuomin rewrites.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Method, Request, Uri};
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
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_TUOMIN_CONSUMER: HeaderName = HeaderName::from_static("x-tuomin-consumer");

/// Request headers tuomin sets itself (or drops), whatever the client sent.
const REPLACED: [HeaderName; 8] = [
    header::HOST,
    header::FORWARDED,
    X_FORWARDED_FOR,
    X_FORWARDED_PROTO,
    X_FORWARDED_HOST,
    X_TUOMIN_CONSUMER,
    header::ACCEPT_ENCODING,
    header::CONTENT_LENGTH,
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    if headers.contains_key(header::CONNECTION) {
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
    }
    remove_all(headers, &HOP_BY_HOP);
}

/// Removes `names`, in their order; a name not there costs one lookup.
fn remove_all(headers: &mut HeaderMap, names: &[HeaderName]) {
    for name in names {
        headers.remove(name);
    }
}

/// An upstream's address, parsed once per policy: each request only joins its path.
#[derive(Clone, Debug)]
pub struct Target {
    scheme: Scheme,
    authority: Authority,
    base_path: String,
}

impl Target {
    pub fn new(upstream: &Upstream) -> Result<Target, String> {
        let bad = |e: &dyn std::fmt::Display| {
            format!("upstream {}://{}: {e}", upstream.scheme, upstream.authority)
        };
        Ok(Target {
            scheme: Scheme::try_from(upstream.scheme.as_str()).map_err(|e| bad(&e))?,
            authority: Authority::try_from(upstream.authority.as_str()).map_err(|e| bad(&e))?,
            base_path: upstream.base_path.clone(),
        })
    }

    /// The upstream URI of a request path and query.
    fn uri(&self, path: &str, query: Option<&str>) -> Result<Uri, String> {
        let extra = query.map_or(0, |q| q.len() + 1);
        let mut path_and_query = String::with_capacity(self.base_path.len() + path.len() + extra);
        path_and_query.push_str(&self.base_path);
        path_and_query.push_str(path);
        if let Some(q) = query {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| e.to_string())
    }
}

/// What the forwarded request is made of.
pub struct Outgoing<'a> {
    pub target: &'a Target,
    pub method: Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The client's address as `X-Forwarded-For` (prepared once per connection).
    pub forwarded_for: &'a HeaderValue,
    pub tls: bool,
    pub api_key_header: &'a HeaderName,
    /// The consumer as `X-Tuomin-Consumer`; `None` when its name is not a valid
    /// header value (then the header is left out).
    pub consumer: Option<&'a HeaderValue>,
}

/// The request sent upstream.
pub fn request(out: Outgoing<'_>) -> Result<Request<Full<Bytes>>, String> {
    let mut headers = out.headers;
    let original_host = headers.get(header::HOST).cloned();
    strip_hop_by_hop(&mut headers);
    headers.remove(out.api_key_header);
    remove_all(&mut headers, &REPLACED);
    headers.insert(X_FORWARDED_FOR, out.forwarded_for.clone());
    let proto = if out.tls { "https" } else { "http" };
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    if let Some(host) = original_host {
        headers.insert(X_FORWARDED_HOST, host);
    }
    if let Some(consumer) = out.consumer {
        headers.insert(X_TUOMIN_CONSUMER, consumer.clone());
    }
    let mut request = Request::builder()
        .method(out.method)
        .uri(out.target.uri(out.path, out.query)?)
        .body(Full::new(out.body))
        .map_err(|e| e.to_string())?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// Response headers for a body tuomin re-wrote: length, encoding and validators of the
/// upstream's body no longer apply.
pub fn clean_rewritten(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    remove_all(headers, &REWRITTEN);
}

/// What no longer describes a body tuomin re-wrote.
const REWRITTEN: [HeaderName; 6] = [
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::ETAG,
    HeaderName::from_static("content-md5"),
    HeaderName::from_static("digest"),
    header::ACCEPT_RANGES,
];

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
