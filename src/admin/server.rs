//! The admin listener: HTTP/1.1 (hyper) on the gateways' runtime, loopback by default.
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /metrics` | 200, Prometheus text format |
//! | `GET /healthz` | 200 while the process serves (liveness) |
//! | `GET /readyz` | 200 when ready, else 503; JSON with the reasons |
//! | `POST /reload` | 200 with the new version, or 422 with the problems (old policy kept) |
//!
//! Any other path is 404; a known path with another method is 405 with `Allow`.
//! Request bodies are never read. Connections are bounded and idle ones time out.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::health::Readiness;
use super::metrics::CONTENT_TYPE;
use crate::serve::{Live, ReloadError};

/// At most this many admin connections at once (scrapers and probes, not clients).
const MAX_CONNECTIONS: usize = 64;
/// A request's head must arrive within this long.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What the endpoints read.
#[derive(Clone)]
pub struct AdminState {
    pub live: Arc<Live>,
    pub readiness: Arc<Readiness>,
}

/// A bound admin listener.
pub struct AdminServer {
    listener: TcpListener,
}

impl AdminServer {
    pub async fn bind(addr: SocketAddr) -> Result<AdminServer, String> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} ([admin] listen): {e}"))?;
        Ok(AdminServer { listener })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` turns true; open connections are then dropped.
    pub async fn run(self, state: AdminState, mut stop: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let mut connections = JoinSet::new();
        loop {
            let accepted = tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                accepted = self.listener.accept() => accepted,
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Beyond the bound the connection is closed at once.
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                continue;
            };
            let state = state.clone();
            connections.spawn(async move {
                let service = service_fn(move |req| answer(state.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                drop(permit);
            });
        }
        connections.abort_all();
    }
}

/// The endpoints and the methods each allows.
const ENDPOINTS: [(&str, &str); 4] = [
    ("/metrics", "GET, HEAD"),
    ("/healthz", "GET, HEAD"),
    ("/readyz", "GET, HEAD"),
    ("/reload", "POST"),
];

async fn answer(
    state: AdminState,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let get = matches!(*req.method(), Method::GET | Method::HEAD);
    let response = match (req.uri().path(), get) {
        ("/metrics", true) => text(StatusCode::OK, CONTENT_TYPE, state.live.metrics.encode()),
        ("/healthz", true) => json_response(StatusCode::OK, &json!({ "status": "alive" })),
        ("/readyz", true) => readyz(&state.readiness),
        ("/reload", _) if req.method() == Method::POST => reload(&state.live).await,
        (path, _) => match ENDPOINTS.iter().find(|(p, _)| *p == path) {
            Some((_, allow)) => {
                let mut r = json_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &json!({ "error": format!("{path} allows {allow}") }),
                );
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
                r
            }
            None => json_response(
                StatusCode::NOT_FOUND,
                &json!({ "error": "not found: the admin listener serves /metrics, /healthz, /readyz and POST /reload" }),
            ),
        },
    };
    Ok(response)
}

fn readyz(readiness: &Readiness) -> Response<Full<Bytes>> {
    let verdict = readiness.verdict();
    let (status, word) = if verdict.ready {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    };
    json_response(
        status,
        &json!({ "status": word, "reasons": verdict.reasons }),
    )
}

async fn reload(live: &Arc<Live>) -> Response<Full<Bytes>> {
    match live.reload_blocking().await {
        Ok(r) => json_response(
            StatusCode::OK,
            &json!({ "status": "reloaded", "version": r.version, "cut_off": r.cut_off }),
        ),
        Err(e) => {
            let status = match e {
                ReloadError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let running = live.policy().version.clone();
            json_response(
                status,
                &json!({
                    "status": "refused",
                    "errors": e.problems(),
                    "running_version": running,
                }),
            )
        }
    }
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    text(status, "application/json", format!("{body}\n"))
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
