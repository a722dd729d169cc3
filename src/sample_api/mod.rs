//! The demo bank's sample JSON API, served in-process so the HTTP gateway has a real
//! upstream to stand in front of (`tuomin sample-api`, and `tuomin demo`).
//! It plays production: it returns everything, C3 included.
//!
//! - `GET /api/customers?limit=N[&mobile=M]` → `{"data": [...], "count": n}`
//! - `GET /api/customers/{id}` → one customer (contact details nested)
//! - `POST /api/customers/search` with `{"id_number": "…"}` → `{"data": [...]}`
//! - `GET /api/customers/{id}/cards` → `{"customer_id": id, "data": [...]}`
//! - `GET /api/cards/{card_no}` → one card
//! - `GET /api/accounts/{id}` → one account
//! - `GET /api/accounts/{id}/transactions` → `{"account_id": id, "data": [...]}`

pub mod data;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use data::SampleData;

/// A running sample API.
pub struct SampleApi {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl SampleApi {
    /// Binds `addr` and serves `data` until stopped (or dropped).
    pub async fn start(addr: SocketAddr, data: SampleData) -> std::io::Result<SampleApi> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, rx) = watch::channel(false);
        tokio::spawn(accept(listener, Arc::new(data), rx));
        Ok(SampleApi { addr, stop })
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for SampleApi {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept(listener: TcpListener, data: Arc<SampleData>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let data = data.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let data = data.clone();
                async move { Ok::<_, Infallible>(route(&data, req).await) }
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn reply(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

fn not_found() -> Response<Full<Bytes>> {
    reply(StatusCode::NOT_FOUND, &json!({"error": "not found"}))
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| crate::http::routes::percent_decode(v))
}

fn by<'a>(rows: &'a [Value], key: &str, value: &str) -> Vec<&'a Value> {
    rows.iter()
        .filter(|r| match &r[key] {
            Value::String(s) => s == value,
            Value::Number(n) => n.to_string() == value,
            _ => false,
        })
        .collect()
}

async fn route(data: &SampleData, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        (Method::GET, ["api", "customers"]) => {
            let limit = query_param(query.as_deref(), "limit")
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(10)
                .min(1000);
            let rows: Vec<&Value> = match query_param(query.as_deref(), "mobile") {
                Some(m) => data
                    .customers
                    .iter()
                    .filter(|c| c["contact"]["mobile"] == m.as_str())
                    .collect(),
                None => data.customers.iter().collect(),
            };
            let rows: Vec<&Value> = rows.into_iter().take(limit).collect();
            reply(StatusCode::OK, &json!({"data": rows, "count": rows.len()}))
        }
        (Method::POST, ["api", "customers", "search"]) => {
            let body = req.into_body().collect().await.map(|b| b.to_bytes());
            let wanted = body
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["id_number"].as_str().map(str::to_owned));
            let Some(wanted) = wanted else {
                return reply(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": "send {\"id_number\": …}"}),
                );
            };
            let rows = by(&data.customers, "id_number", &wanted);
            reply(StatusCode::OK, &json!({"data": rows, "count": rows.len()}))
        }
        (Method::GET, ["api", "customers", id]) => {
            match by(&data.customers, "customer_id", id).first() {
                Some(c) => reply(StatusCode::OK, c),
                None => not_found(),
            }
        }
        (Method::GET, ["api", "customers", id, "cards"]) => {
            let rows = by(&data.cards, "customer_id", id);
            let id: Value = id.parse::<u64>().map(Value::from).unwrap_or(Value::Null);
            reply(StatusCode::OK, &json!({"customer_id": id, "data": rows}))
        }
        (Method::GET, ["api", "cards", card_no]) => {
            match by(&data.cards, "card_no", card_no).first() {
                Some(c) => reply(StatusCode::OK, c),
                None => not_found(),
            }
        }
        (Method::GET, ["api", "accounts", id]) => {
            match by(&data.accounts, "account_id", id).first() {
                Some(a) => reply(StatusCode::OK, a),
                None => not_found(),
            }
        }
        (Method::GET, ["api", "accounts", id, "transactions"]) => {
            let rows = by(&data.transactions, "account_id", id);
            let id: Value = id.parse::<u64>().map(Value::from).unwrap_or(Value::Null);
            reply(StatusCode::OK, &json!({"account_id": id, "data": rows}))
        }
        _ => not_found(),
    }
}
