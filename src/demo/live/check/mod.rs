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
//! never printed. Each check is one line of the [`Report`], passed or failed:
//! [`postgres`] holds the checks over the wire protocol, [`http`] those over HTTP.

mod http;
mod postgres;

use std::net::SocketAddr;
use std::time::Duration;

use super::credentials::Credentials;
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
    pub(super) fn push(&mut self, ok: bool, channel: &'static str, consumer: &str, what: String) {
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
                let mobile =
                    postgres::check(&mut report, target, addr, db, consumer, customer).await;
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
        http_views.push(http::check(&mut report, target, consumer, customer, &cards).await);
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
