//! One request through the gateway, in phases over a per-request context (the
//! Pingora pattern): identity → route → limits → lookups → upstream → body filter
//! (decode, mask at end of stream) → volume limit → response; then one audit record.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, header};
use http_body_util::Full;
use hyper::body::Incoming;

use super::body::{self, BodyError};
use super::error::{Fault, GatewayError};
use super::gateway::{Gateway, Route, RouteConsumer};
use super::json::{Report, mask_json, mask_ndjson};
use super::limits::Limits;
use super::lookup;
use super::routes::{Params, unsafe_path};
use super::upstream::{self, Outgoing};
use crate::admin::Metrics;
use crate::admin::metrics::UNIDENTIFIED;
use crate::audit::{AuditDecision, AuditEvent, AuditLog, Channel};
use crate::policy::Consumer;
use crate::serve::Registry;

/// State shared by every connection of the HTTP listener.
pub struct Shared {
    pub gateway: ArcSwap<Gateway>,
    pub limits: Limits,
    pub registry: Arc<Registry>,
    pub audit: Option<AuditLog>,
    pub metrics: Arc<Metrics>,
}

/// What the connection knows about its client.
pub struct ConnInfo {
    pub id: u64,
    pub peer: SocketAddr,
    pub tls: bool,
    /// `CN=…` / `DNS:…` of a verified client certificate.
    pub cert_names: Vec<String>,
    /// The peer as the audit record writes it, and its address as `X-Forwarded-For`.
    client: String,
    forwarded_for: HeaderValue,
    /// The first consumer this connection served (the registry knows it already).
    served: OnceLock<String>,
}

impl ConnInfo {
    pub fn new(id: u64, peer: SocketAddr, tls: bool, cert_names: Vec<String>) -> ConnInfo {
        let ip = peer.ip().to_string();
        ConnInfo {
            id,
            peer,
            tls,
            cert_names,
            client: peer.to_string(),
            // An IP address is always a valid header value.
            forwarded_for: HeaderValue::from_str(&ip)
                .unwrap_or_else(|_| HeaderValue::from_static("unknown")),
            served: OnceLock::new(),
        }
    }

    /// Tells the registry that this connection served `consumer` (once per consumer
    /// for the usual single-consumer connection, so the registry's lock is not taken
    /// on every request).
    fn served(&self, registry: &Registry, consumer: &str) {
        if self.served.get().map(String::as_str) == Some(consumer) {
            return;
        }
        registry.served(self.id, consumer);
        let _ = self.served.set(consumer.to_owned());
    }
}

/// The per-request context, filled phase by phase and recorded at the end.
struct Ctx {
    method: Method,
    consumer: Option<String>,
    scenario: Option<String>,
    route: Option<String>,
    /// The route's fingerprint, once routed.
    fingerprint: Option<String>,
    report: Report,
}

/// Serves one request; never fails (errors become JSON error responses).
pub async fn handle(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let gateway = shared.gateway.load_full();
    let mut ctx = Ctx {
        method: req.method().clone(),
        consumer: None,
        scenario: None,
        route: None,
        fingerprint: None,
        report: Report::default(),
    };
    let outcome = proxy(&shared, &gateway, &conn, req, &mut ctx).await;
    let (response, reason) = match outcome {
        Ok(response) => (response, None),
        Err(e) => {
            tracing::info!(code = e.code(), fault = ?e.fault(), consumer = ctx.consumer.as_deref(), "request refused");
            if e.fault() == Fault::Upstream {
                shared.metrics.upstream_error(Channel::Http, e.code());
            }
            (e.to_response(), Some(e.to_string()))
        }
    };
    let decision = decision(reason.is_some(), ctx.report.transformed);
    let consumer = ctx.consumer.clone();
    let metrics = &shared.metrics;
    metrics.transformed(Channel::Http, &mut ctx.report.values);
    let recorded = record(&shared, &gateway, &conn, ctx, reason);
    let (response, decision) = match recorded {
        Ok(()) => (response, decision),
        Err(_) => (GatewayError::Audit.to_response(), AuditDecision::Refused),
    };
    let consumer = consumer.as_deref().unwrap_or(UNIDENTIFIED);
    metrics.request(consumer, decision, started.elapsed());
    Ok(response)
}

/// What was decided for a request: refused, or its body had a value transformed.
fn decision(refused: bool, transformed: bool) -> AuditDecision {
    match (refused, transformed) {
        (true, _) => AuditDecision::Refused,
        (false, true) => AuditDecision::Masked,
        (false, false) => AuditDecision::Passed,
    }
}

/// What admission found: the route, its path parameters, and the consumer.
struct Admitted<'g> {
    route: &'g Route,
    params: Params<'g>,
    consumer: &'g Consumer,
    /// The route's plan and header of that consumer.
    prepared: &'g RouteConsumer,
}

async fn proxy(
    shared: &Shared,
    gw: &Gateway,
    conn: &ConnInfo,
    req: Request<Incoming>,
    ctx: &mut Ctx,
) -> Result<Response<Full<Bytes>>, GatewayError> {
    let path = req.uri().path().to_owned();
    let admitted = admit(shared, gw, conn, &req, &path, ctx)?;
    let outgoing = forward_request(gw, conn, &admitted, req, &path).await?;
    let timeout = gw.config.upstream_timeout;
    let fetched = tokio::time::timeout(timeout, fetch(gw, admitted.route, outgoing)).await;
    let (mut head, raw) =
        fetched.map_err(|_| GatewayError::UpstreamTimeout(timeout.as_millis()))??;
    let (body, report) = filter(gw, &admitted, &mut head, raw)?;
    let consumer = admitted.consumer;
    shared
        .limits
        .records(&consumer.name, &consumer.access, report.records)
        .map_err(GatewayError::RateLimited)?;
    ctx.report = report;
    head.headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Ok(Response::from_parts(head, Full::new(body)))
}

/// Path safety, route, identity, enablement, request rate.
fn admit<'g>(
    shared: &Shared,
    gw: &'g Gateway,
    conn: &ConnInfo,
    req: &Request<Incoming>,
    path: &'g str,
    ctx: &mut Ctx,
) -> Result<Admitted<'g>, GatewayError> {
    if unsafe_path(path) {
        return Err(GatewayError::UnsafePath);
    }
    let routed = gw.route(req.method(), path);
    if let Some((route, _)) = &routed {
        ctx.route = Some(route.config.name.clone());
        ctx.fingerprint = Some(route.fingerprint.clone());
    }
    let api_key = req
        .headers()
        .get(&gw.api_key_header)
        .map(HeaderValue::as_bytes);
    let named = gw.identities.resolve(&conn.cert_names, api_key)?;
    let anonymous = routed
        .as_ref()
        .and_then(|(r, _)| r.config.anonymous_consumer.as_deref());
    let name = named
        .or(anonymous)
        .ok_or_else(|| GatewayError::Unauthenticated {
            header: gw.config.api_key_header.clone(),
        })?;
    let consumer = gw
        .policy
        .consumer(name)
        .ok_or(GatewayError::UnknownCredentials)?;
    ctx.consumer = Some(consumer.name.clone());
    ctx.scenario = Some(consumer.scenario.as_str().to_owned());
    if !consumer.enabled {
        return Err(GatewayError::Disabled(consumer.name.clone()));
    }
    conn.served(&shared.registry, &consumer.name);
    let (route, params) = routed.ok_or(GatewayError::NoRoute)?;
    let prepared = route
        .consumers
        .get(&consumer.name)
        .ok_or(GatewayError::UnknownCredentials)?;
    shared
        .limits
        .request(&consumer.name, &consumer.access)
        .map_err(GatewayError::RateLimited)?;
    Ok(Admitted {
        route,
        params,
        consumer,
        prepared,
    })
}

/// The request body under its cap, lookups applied, and the request for the upstream.
async fn forward_request(
    gw: &Gateway,
    conn: &ConnInfo,
    admitted: &Admitted<'_>,
    req: Request<Incoming>,
    path: &str,
) -> Result<Request<Full<Bytes>>, GatewayError> {
    let (parts, incoming) = req.into_parts();
    let body = body::collect(incoming, gw.config.max_request_body)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge { limit } => GatewayError::RequestTooLarge(limit),
            other => GatewayError::BadLookup(other.to_string()),
        })?;
    let route = admitted.route;
    let rewritten = if route.config.lookups.is_empty() {
        None
    } else {
        Some(lookup::rewrite(
            &gw.policy,
            &admitted.consumer.name,
            &route.config,
            &admitted.params,
            path,
            parts.uri.query(),
            body.clone(),
        )?)
    };
    let (path, query, body) = match &rewritten {
        Some(r) => (r.path.as_str(), r.query.as_deref(), r.body.clone()),
        None => (path, parts.uri.query(), body),
    };
    upstream::request(Outgoing {
        target: &route.target,
        method: parts.method,
        path,
        query,
        headers: parts.headers,
        body,
        forwarded_for: &conn.forwarded_for,
        tls: conn.tls,
        api_key_header: &gw.api_key_header,
        consumer: admitted.prepared.header.as_ref(),
    })
    .map_err(|why| {
        tracing::info!(route = %route.config.name, error = %why, "the upstream request could not be built");
        GatewayError::UpstreamUnreachable(why)
    })
}

/// The body filter, at end of stream: redirects checked, pass-through or decode + mask.
fn filter(
    gw: &Gateway,
    admitted: &Admitted<'_>,
    head: &mut http::response::Parts,
    raw: Bytes,
) -> Result<(Bytes, Report), GatewayError> {
    let route = admitted.route;
    let plan = &admitted.prepared.plan;
    if head.status.is_redirection() {
        upstream::redirect(&mut head.headers, &route.config.upstream)?;
    }
    let media = media_type(&head.headers);
    if raw.is_empty() {
        upstream::clean_passed(&mut head.headers);
        return Ok((raw, Report::default()));
    }
    if route
        .config
        .pass_through
        .iter()
        .any(|p| p.eq_ignore_ascii_case(media))
    {
        upstream::clean_passed(&mut head.headers);
        let mut report = Report::default();
        report.records = 1;
        return Ok((raw, report));
    }
    let encoding = head
        .headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let codings = body::codings(encoding);
    let decoded = body::decode(raw, &codings, gw.config.max_decompressed_body)?;
    let (masked, report) = if is_ndjson(media) {
        mask_ndjson(plan, &decoded)?
    } else if is_json(media) {
        mask_json(plan, &decoded)?
    } else if media.is_empty() {
        return Err(GatewayError::NotJson("no content type".into()));
    } else {
        return Err(GatewayError::NotJson(media.to_ascii_lowercase()));
    };
    upstream::clean_rewritten(&mut head.headers);
    Ok((Bytes::from(masked), report))
}

async fn fetch(
    gw: &Gateway,
    route: &Route,
    outgoing: Request<Full<Bytes>>,
) -> Result<(http::response::Parts, Bytes), GatewayError> {
    let response = route
        .client()
        .request(outgoing)
        .await
        .map_err(|e| {
            let why = error_chain(&e);
            // The client is told only that it failed: the chain can name the
            // upstream's address and its certificate's names.
            tracing::info!(route = %route.config.name, error = %why, "the upstream could not be reached");
            GatewayError::UpstreamUnreachable(why)
        })?;
    let (head, incoming) = response.into_parts();
    let raw = body::collect(incoming, gw.config.max_upstream_body).await?;
    Ok((head, raw))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The media type without parameters (compared without regard to case).
fn media_type(headers: &http::HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map_or("", str::trim)
}

fn is_json(media: &str) -> bool {
    let suffix = media.len().checked_sub(5).and_then(|at| media.get(at..));
    ["application/json", "text/json"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(media))
        || suffix.is_some_and(|s| s.eq_ignore_ascii_case("+json"))
}

fn is_ndjson(media: &str) -> bool {
    [
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/json-lines",
    ]
    .iter()
    .any(|m| m.eq_ignore_ascii_case(media))
}

fn record(
    shared: &Shared,
    gw: &Gateway,
    conn: &ConnInfo,
    ctx: Ctx,
    reason: Option<String>,
) -> Result<(), crate::audit::writer::AuditError> {
    let Some(log) = &shared.audit else {
        return Ok(());
    };
    let decision = decision(reason.is_some(), ctx.report.transformed);
    log.record(AuditEvent {
        time: AuditEvent::now(),
        consumer: ctx.consumer.unwrap_or_else(|| "(unidentified)".into()),
        scenario: ctx.scenario.unwrap_or_else(|| "-".into()),
        channel: Channel::Http,
        client: Some(conn.client.clone()),
        source: ctx.route.into_iter().collect(),
        fields: ctx.report.fields,
        rows: if reason.is_some() {
            0
        } else {
            ctx.report.records
        },
        decision,
        reason,
        fingerprint: Some(
            ctx.fingerprint
                .unwrap_or_else(|| format!("{} (unrouted)", ctx.method)),
        ),
        key_id: gw.policy.key_id().to_string(),
    })
}
