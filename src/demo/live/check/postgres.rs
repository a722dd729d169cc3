//! The self-check over the PostgreSQL gateway: one consumer logs in with its demo
//! password, reads one customer (masked, never the originals), and is refused C3.

use std::net::SocketAddr;

use tokio_postgres::Client;

use super::{Report, TIMEOUT, Target};
use crate::demo::Customer;
use crate::demo::postgres::{Server, describe_error};

/// The C3 reads that must be refused with SQLSTATE 42501.
const C3_READS: [&str; 2] = [
    "select cvv from cards limit 1",
    "select password_hash from customers limit 1",
];

/// The checks of `consumer`; returns the masked mobile it saw.
pub(super) async fn check(
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
            let why = describe_error(&e);
            report.push(false, "postgres", consumer, format!("cannot log in: {why}"));
            return None;
        }
        Err(_) => {
            report.push(false, "postgres", consumer, "login timed out".into());
            return None;
        }
    };
    let mobile = customer_row(report, &client, consumer, customer).await;
    for sql in C3_READS {
        refused(report, &client, consumer, sql).await;
    }
    mobile
}

/// Reads one customer: the ID number and mobile must not be the originals.
async fn customer_row(
    report: &mut Report,
    client: &Client,
    consumer: &str,
    customer: &Customer,
) -> Option<String> {
    let sql = format!(
        "select name, id_number, mobile from customers where customer_id = {}",
        customer.customer_id
    );
    match tokio::time::timeout(TIMEOUT, client.query_one(&sql, &[])).await {
        Ok(Ok(row)) => {
            let (name, id, mobile): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            let masked = id != customer.id_number && mobile != customer.mobile;
            report.push(
                masked,
                "postgres",
                consumer,
                format!("{sql}: {name} | {id} | {mobile} (originals withheld)"),
            );
            Some(mobile)
        }
        Ok(Err(e)) => {
            let why = describe_error(&e);
            report.push(false, "postgres", consumer, format!("{sql}: {why}"));
            None
        }
        Err(_) => {
            report.push(false, "postgres", consumer, format!("{sql}: timed out"));
            None
        }
    }
}

/// Runs `sql`, which reads C3: it passes only when refused with 42501.
async fn refused(report: &mut Report, client: &Client, consumer: &str, sql: &str) {
    let (ok, what) = match tokio::time::timeout(TIMEOUT, client.simple_query(sql)).await {
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
                format!("failed without a refusal: {}", describe_error(&e)),
            ),
        },
        Ok(Ok(_)) => (false, "answered: C3 left the gateway".into()),
        Err(_) => (false, "timed out".into()),
    };
    report.push(ok, "postgres", consumer, format!("{sql} → {what}"));
}
