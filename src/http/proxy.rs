//! One request through the gateway, in phases over a per-request context (the
//! Pingora pattern): identity → route → limits → lookups → upstream → body filter
//! (decode, mask at end of stream) → volume limit → response; then one audit record.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::Full;
use hyper::body::Incoming;

use super::body::{self, BodyError};
use super::error::{Fault, GatewayError};
use super::gateway::{Gateway, Route};
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
}

/// The per-request context, filled phase by phase and recorded at the end.
struct Ctx {
    consumer: Option<String>,
    scenario: Option<String>,
    route: Option<String>,
    fingerprint: String,
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
        consumer: None,
        scenario: None,
        route: None,
        fingerprint: format!("{} (unrouted)", req.method()),
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
        ctx.fingerprint = format!("{} {}", req.method(), route.config.pattern.as_str());
    }
    let api_key = req
        .headers()
        .get(gw.config.api_key_header.as_str())
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
    shared.registry.served(conn.id, &consumer.name);
    let (route, params) = routed.ok_or(GatewayError::NoRoute)?;
    shared
        .limits
        .request(&consumer.name, &consumer.access)
        .map_err(GatewayError::RateLimited)?;
    Ok(Admitted {
        route,
        params,
        consumer,
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
    let rewritten = lookup::rewrite(
        &gw.policy,
        &admitted.consumer.name,
        &admitted.route.config,
        &admitted.params,
        path,
        parts.uri.query(),
        body,
    )?;
    let path_and_query = match &rewritten.query {
        Some(q) => format!("{}?{q}", rewritten.path),
        None => rewritten.path.clone(),
    };
    upstream::request(Outgoing {
        upstream: &admitted.route.config.upstream,
        method: parts.method,
        path_and_query,
        headers: parts.headers,
        body: rewritten.body,
        client: conn.peer,
        tls: conn.tls,
        api_key_header: &gw.config.api_key_header,
        consumer: &admitted.consumer.name,
    })
    .map_err(GatewayError::UpstreamUnreachable)
}

/// The body filter, at end of stream: redirects checked, pass-through or decode + mask.
fn filter(
    gw: &Gateway,
    admitted: &Admitted<'_>,
    head: &mut http::response::Parts,
    raw: Bytes,
) -> Result<(Bytes, Report), GatewayError> {
    let route = admitted.route;
    let plan = route
        .plans
        .get(&admitted.consumer.name)
        .ok_or(GatewayError::UnknownCredentials)?;
    if head.status.is_redirection() {
        upstream::redirect(&mut head.headers, &route.config.upstream)?;
    }
    let media = media_type(&head.headers);
    if raw.is_empty() {
        upstream::clean_passed(&mut head.headers);
        return Ok((raw, Report::default()));
    }
    if route.config.pass_through.contains(&media) {
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
    let (masked, report) = if is_ndjson(&media) {
        mask_ndjson(plan, &decoded)?
    } else if is_json(&media) {
        mask_json(plan, &decoded)?
    } else if media.is_empty() {
        return Err(GatewayError::NotJson("no content type".into()));
    } else {
        return Err(GatewayError::NotJson(media));
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
        .client
        .request(outgoing)
        .await
        .map_err(|e| GatewayError::UpstreamUnreachable(error_chain(&e)))?;
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

/// The media type without parameters, lower case.
fn media_type(headers: &http::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media == "text/json" || media.ends_with("+json")
}

fn is_ndjson(media: &str) -> bool {
    matches!(
        media,
        "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/json-lines"
    )
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
        client: Some(conn.peer.to_string()),
        source: ctx.route.into_iter().collect(),
        fields: ctx.report.fields,
        rows: if reason.is_some() {
            0
        } else {
            ctx.report.records
        },
        decision,
        reason,
        fingerprint: Some(ctx.fingerprint),
        key_id: gw.policy.key_id().to_string(),
    })
}
