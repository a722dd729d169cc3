//! The self-check over the HTTP gateway: one consumer, by its demo API key, reads a
//! customer (masked, no `password_hash`) and its cards (cvv / expiry / track2
//! removed); `qa` asks for one card by the number it sees and is refused (403).

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::{Report, TIMEOUT, Target};
use crate::demo::{Card, Customer};

/// The checks of `consumer`; returns the customer as it saw it.
pub(super) async fn check(
    report: &mut Report,
    target: &Target<'_>,
    consumer: &str,
    customer: &Customer,
    cards: &[&Card],
) -> Option<Value> {
    let key = target.credentials.consumers.get(consumer)?.api_key.clone();
    let client = HttpClient::new(target.http, key);
    let checks = Checks {
        report,
        client: &client,
        consumer,
    };
    checks.run(customer, cards).await
}

/// One consumer's HTTP checks.
struct Checks<'a> {
    report: &'a mut Report,
    client: &'a HttpClient,
    consumer: &'a str,
}

impl Checks<'_> {
    async fn run(mut self, customer: &Customer, cards: &[&Card]) -> Option<Value> {
        let view = self.customer(customer).await;
        let card_no = self.cards(customer.customer_id, cards).await;
        if self.consumer == "qa"
            && let Some(card_no) = card_no
        {
            self.card_refused(&card_no).await;
        }
        view
    }

    fn push(&mut self, ok: bool, what: String) {
        self.report.push(ok, "http", self.consumer, what);
    }

    /// GETs `path`; anything but a 200 with JSON is a failed check.
    async fn get_ok(&mut self, path: &str) -> Option<Value> {
        match self.client.get(path).await {
            Ok((200, v)) => Some(v),
            Ok((status, v)) => {
                self.push(false, format!("GET {path} → {status} {v}"));
                None
            }
            Err(e) => {
                self.push(false, format!("GET {path}: {e}"));
                None
            }
        }
    }

    async fn customer(&mut self, customer: &Customer) -> Option<Value> {
        let path = format!("/api/customers/{}", customer.customer_id);
        let v = self.get_ok(&path).await?;
        let id = v["id_number"].as_str().unwrap_or_default();
        let mobile = v["contact"]["mobile"].as_str().unwrap_or_default();
        let masked = !id.is_empty()
            && id != customer.id_number
            && mobile != customer.mobile
            && v.get("password_hash").is_none()
            && !v.to_string().contains(&customer.password_hash);
        let name = v["name"].as_str().unwrap_or_default();
        let what =
            format!("GET {path}: {name} | {id} | {mobile}, no password_hash (originals withheld)");
        self.push(masked, what);
        Some(v)
    }

    /// The customer's cards without C3; returns the first card number as seen.
    async fn cards(&mut self, customer_id: i64, cards: &[&Card]) -> Option<String> {
        let path = format!("/api/customers/{customer_id}/cards");
        let v = self.get_ok(&path).await?;
        let text = v.to_string();
        let listed = v["data"].as_array().cloned().unwrap_or_default();
        let no_c3 = |c: &Value| {
            ["cvv", "expiry", "track2"]
                .iter()
                .all(|k| c.get(k).is_none())
        };
        let removed = !listed.is_empty()
            && listed.iter().all(no_c3)
            && cards
                .iter()
                .all(|c| !text.contains(&c.track2) && !text.contains(&c.card_no));
        let first = listed
            .first()
            .and_then(|c| c["card_no"].as_str())
            .map(str::to_owned);
        let what = format!(
            "GET {path}: {} card(s), cvv / expiry / track2 removed, card_no {}",
            listed.len(),
            first.as_deref().unwrap_or("?")
        );
        self.push(removed, what);
        first
    }

    /// One card with its CVV, by the number this consumer sees: refused whole.
    async fn card_refused(&mut self, card_no: &str) {
        let path = format!("/api/cards/{card_no}");
        let (ok, what) = match self.client.get(&path).await {
            Ok((403, v)) => (
                v["error"]["field"]
                    .as_str()
                    .is_some_and(|f| f.contains("cvv")),
                format!("403 {}", v["error"]["message"].as_str().unwrap_or_default()),
            ),
            Ok((status, _)) => (false, format!("{status} instead of 403")),
            Err(e) => (false, e),
        };
        self.push(ok, format!("GET {path} (the card with its CVV) → {what}"));
    }
}

/// A small HTTP/1 client sending one consumer's API key.
struct HttpClient {
    client: Client<HttpConnector, Empty<Bytes>>,
    base: SocketAddr,
    key: String,
}

impl HttpClient {
    fn new(base: SocketAddr, key: String) -> HttpClient {
        HttpClient {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base,
            key,
        }
    }

    /// GETs `path`; returns the status and the JSON body.
    async fn get(&self, path: &str) -> Result<(u16, Value), String> {
        let request = http::Request::get(format!("http://{}{path}", self.base))
            .header("x-api-key", &self.key)
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            let value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            Ok((status, value))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| "timed out".to_owned())?
    }
}
