//! `tuomin demo --check`: the demo checked through both gateways as two consumers of
//! different scenarios, `qa` (dev_test) and `vendor_collections` (outsourced), with
//! real clients (tokio-postgres over the wire protocol, hyper over HTTP):
//!
//! - each sees masked values of one customer — never the originals — and the two
//!   views differ;
//! - a pseudonym is the same over SQL and over HTTP (shared key domains);
//! - C3 never leaves: `cvv` and `password_hash` are refused with SQLSTATE 42501, a
//!   card with its CVV is refused with 403, and the routes that remove C3 do.
//!
//! The originals come from the generated bank the demo loaded; they are compared,
//! never printed. Each check is one line of the report, passed or failed.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::credentials::Credentials;
use crate::demo::postgres::Server;
use crate::demo::{Card, Customer, DemoData};

/// The two consumers the check logs in as.
pub const CONSUMERS: [&str; 2] = ["qa", "vendor_collections"];

const TIMEOUT: Duration = Duration::from_secs(20);

/// What the check talks to.
pub struct Target<'a> {
    /// The PostgreSQL gateway and the demo database, or why it does not run.
    pub postgres: Result<(SocketAddr, &'a str), &'a str>,
    pub http: SocketAddr,
    pub credentials: &'a Credentials,
    pub data: &'a DemoData,
}

/// One check's outcome.
#[derive(Debug)]
pub struct Line {
    pub ok: bool,
    pub channel: &'static str,
    pub consumer: String,
    pub what: String,
}

/// Every check's outcome, in order.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<Line>,
}

impl Report {
    fn push(&mut self, ok: bool, channel: &'static str, consumer: &str, what: String) {
        self.lines.push(Line {
            ok,
            channel,
            consumer: consumer.to_owned(),
            what,
        });
    }

    /// Records a check that could not run.
    pub fn fail(&mut self, channel: &'static str, what: String) {
        self.push(false, channel, "-", what);
    }

    pub fn passed(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|l| l.ok)
    }

    /// The report as text: one line per check, then the verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            let mark = if l.ok { "ok  " } else { "FAIL" };
            out.push_str(&format!(
                "  {mark}  {:<10} {:<18}  {}\n",
                l.channel, l.consumer, l.what
            ));
        }
        let failed = self.lines.iter().filter(|l| !l.ok).count();
        if self.passed() {
            out.push_str(&format!(
                "\nself-check passed: {} checks\n",
                self.lines.len()
            ));
        } else {
            out.push_str(&format!(
                "\nself-check FAILED: {failed} of {} checks\n",
                self.lines.len()
            ));
        }
        out
    }
}

/// The customer the check looks at (the first with a card), and its cards.
fn subject(data: &DemoData) -> Option<(&Customer, Vec<&Card>)> {
    let card = data.cards.first()?;
    let customer = data
        .customers
        .iter()
        .find(|c| c.customer_id == card.customer_id)?;
    let cards = data
        .cards
        .iter()
        .filter(|c| c.customer_id == customer.customer_id)
        .collect();
    Some((customer, cards))
}

/// Runs every check.
pub async fn run(target: &Target<'_>) -> Report {
    let mut report = Report::default();
    let Some((customer, cards)) = subject(target.data) else {
        report.fail("demo", "the generated bank has no card".into());
        return report;
    };
    let mut sql_mobiles = Vec::new();
    match target.postgres {
        Ok((addr, db)) => {
            for consumer in CONSUMERS {
                let mobile = postgres(&mut report, target, addr, db, consumer, customer).await;
                sql_mobiles.push(mobile);
            }
            let views_differ = sql_mobiles[0].is_some() && sql_mobiles[0] != sql_mobiles[1];
            report.push(
                views_differ,
                "postgres",
                "both",
                "qa and vendor_collections see different values of the same row".into(),
            );
        }
        Err(why) => report.fail("postgres", format!("no PostgreSQL gateway: {why}")),
    }
    let mut http_views = Vec::new();
    for consumer in CONSUMERS {
        http_views.push(http(&mut report, target, consumer, customer, &cards).await);
    }
    let views_differ = http_views[0].is_some() && http_views[0] != http_views[1];
    report.push(
        views_differ,
        "http",
        "both",
        "qa and vendor_collections see different values of the same customer".into(),
    );
    for (i, consumer) in CONSUMERS.iter().enumerate() {
        if let (Some(Some(sql)), Some(Some(view))) = (sql_mobiles.get(i), http_views.get(i)) {
            let json = view["contact"]["mobile"].as_str().unwrap_or_default();
            report.push(
                sql == json,
                "both",
                consumer,
                format!("the same pseudonym over SQL and HTTP (mobile {json})"),
            );
        }
    }
    report
}

/// The PostgreSQL checks of one consumer; returns the masked mobile it saw.
async fn postgres(
    report: &mut Report,
    target: &Target<'_>,
    addr: SocketAddr,
    db: &str,
    consumer: &str,
    customer: &Customer,
) -> Option<String> {
    let password = target.credentials.consumers.get(consumer)?.password.clone();
    let gateway = Server {
        host: addr.ip().to_string(),
        port: addr.port(),
        user: consumer.to_owned(),
        password: Some(password),
        maintenance_db: db.to_owned(),
    };
    let client = match tokio::time::timeout(TIMEOUT, gateway.connect(db)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            report.push(false, "postgres", consumer, format!("cannot log in: {e}"));
            return None;
        }
        Err(_) => {
            report.push(false, "postgres", consumer, "login timed out".into());
            return None;
        }
    };
    let sql = format!(
        "select name, id_number, mobile from customers where customer_id = {}",
        customer.customer_id
    );
    let row = tokio::time::timeout(TIMEOUT, client.query_one(&sql, &[])).await;
    let mut mobile = None;
    match row {
        Ok(Ok(row)) => {
            let (name, id, mob): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            let masked = id != customer.id_number && mob != customer.mobile;
            report.push(
                masked,
                "postgres",
                consumer,
                format!("{sql}: {name} | {id} | {mob} (originals withheld)"),
            );
            mobile = Some(mob);
        }
        Ok(Err(e)) => {
            let why = crate::demo::postgres::describe_error(&e);
            report.push(false, "postgres", consumer, format!("{sql}: {why}"));
        }
        Err(_) => report.push(false, "postgres", consumer, format!("{sql}: timed out")),
    }
    for sql in [
        "select cvv from cards limit 1",
        "select password_hash from customers limit 1",
    ] {
        let outcome = tokio::time::timeout(TIMEOUT, client.simple_query(sql)).await;
        let (ok, what) = match outcome {
            Ok(Err(e)) => match e.as_db_error() {
                Some(db) if db.code().code() == "42501" => {
                    (true, format!("refused 42501: {}", db.message()))
                }
                Some(db) => (
                    false,
                    format!("refused with {} instead of 42501", db.code().code()),
                ),
                None => (
                    false,
                    format!(
                        "failed without a refusal: {}",
                        crate::demo::postgres::describe_error(&e)
                    ),
                ),
            },
            Ok(Ok(_)) => (false, "answered: C3 left the gateway".into()),
            Err(_) => (false, "timed out".into()),
        };
        report.push(ok, "postgres", consumer, format!("{sql} → {what}"));
    }
    mobile
}

/// The HTTP checks of one consumer; returns the customer as it saw it.
async fn http(
    report: &mut Report,
    target: &Target<'_>,
    consumer: &str,
    customer: &Customer,
    cards: &[&Card],
) -> Option<Value> {
    let key = target.credentials.consumers.get(consumer)?.api_key.clone();
    let client = HttpClient::new(target.http, key);
    let path = format!("/api/customers/{}", customer.customer_id);
    let view = match client.get(&path).await {
        Ok((200, v)) => {
            let id = v["id_number"].as_str().unwrap_or_default();
            let mobile = v["contact"]["mobile"].as_str().unwrap_or_default();
            let masked = !id.is_empty()
                && id != customer.id_number
                && mobile != customer.mobile
                && v.get("password_hash").is_none()
                && !v.to_string().contains(&customer.password_hash);
            let name = v["name"].as_str().unwrap_or_default();
            report.push(
                masked,
                "http",
                consumer,
                format!(
                    "GET {path}: {name} | {id} | {mobile}, no password_hash (originals withheld)"
                ),
            );
            Some(v)
        }
        Ok((status, v)) => {
            report.push(
                false,
                "http",
                consumer,
                format!("GET {path} → {status} {v}"),
            );
            None
        }
        Err(e) => {
            report.push(false, "http", consumer, format!("GET {path}: {e}"));
            None
        }
    };
    let path = format!("/api/customers/{}/cards", customer.customer_id);
    let seen_card = match client.get(&path).await {
        Ok((200, v)) => {
            let text = v.to_string();
            let listed = v["data"].as_array().cloned().unwrap_or_default();
            let removed = !listed.is_empty()
                && listed.iter().all(|c| {
                    c.get("cvv").is_none() && c.get("expiry").is_none() && c.get("track2").is_none()
                })
                && cards
                    .iter()
                    .all(|c| !text.contains(&c.track2) && !text.contains(&c.card_no));
            report.push(
                removed,
                "http",
                consumer,
                format!(
                    "GET {path}: {} card(s), cvv / expiry / track2 removed, card_no {}",
                    listed.len(),
                    listed
                        .first()
                        .and_then(|c| c["card_no"].as_str())
                        .unwrap_or("?")
                ),
            );
            listed
                .first()
                .and_then(|c| c["card_no"].as_str().map(str::to_owned))
        }
        Ok((status, v)) => {
            report.push(
                false,
                "http",
                consumer,
                format!("GET {path} → {status} {v}"),
            );
            None
        }
        Err(e) => {
            report.push(false, "http", consumer, format!("GET {path}: {e}"));
            None
        }
    };
    if consumer == "qa"
        && let Some(card_no) = seen_card
    {
        let path = format!("/api/cards/{card_no}");
        let (ok, what) = match client.get(&path).await {
            Ok((403, v)) => (
                v["error"]["field"]
                    .as_str()
                    .is_some_and(|f| f.contains("cvv")),
                format!("403 {}", v["error"]["message"].as_str().unwrap_or_default()),
            ),
            Ok((status, _)) => (false, format!("{status} instead of 403")),
            Err(e) => (false, e),
        };
        report.push(
            ok,
            "http",
            consumer,
            format!("GET {path} (the card with its CVV) → {what}"),
        );
    }
    view
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
