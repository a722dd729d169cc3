//! What the live demo prints once everything runs: where each part listens, where
//! its files are, and the exact psql and curl commands to type as each consumer.
//! The commands name the shell variables of `.tuomin/demo-credentials`, never a
//! secret, so they are the same on every run and in the README.

use std::fmt::Write as _;

use super::Demo;
use super::credentials::{api_key_var, password_var};
use crate::policy::Decision;
use crate::transform::Context;

/// The consumers the commands show, with what their scenario gives them.
const SHOWN: [(&str, &str); 2] = [
    ("qa", "dev_test: realistic, format-preserving pseudonyms"),
    ("vendor_collections", "outsourced: masks and tokens"),
];

/// The text shown after start; `audit` is the audit trail's path, if any.
pub fn render(demo: &Demo, config: &str, audit: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ntuomin demo: the fictional demo bank behind both gateways. Ctrl-C stops everything.\n"
    );
    listeners(&mut out, demo);
    let _ = writeln!(
        out,
        "  policy        {}  ({config} + listeners, verifiers, key hashes)",
        demo.policy_path.display()
    );
    let _ = writeln!(
        out,
        "  credentials   {}  (mode 0600)",
        demo.credentials_path.display()
    );
    if let Some(audit) = audit {
        let _ = writeln!(out, "  audit trail   {audit}");
    }
    for note in &demo.notes {
        let _ = writeln!(out, "  note          {note}");
    }
    let _ = writeln!(
        out,
        "\nIn another terminal, in this folder, load the demo consumers' credentials:\n\n  . {}\n",
        demo.credentials_path.display()
    );
    psql(&mut out, demo);
    curl(&mut out, demo);
    let others: Vec<String> = demo
        .credentials
        .consumers
        .keys()
        .filter(|c| !SHOWN.iter().any(|(s, _)| s == c))
        .map(|c| format!("{c} (${}, ${})", password_var(c), api_key_var(c)))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "The other consumers work the same way: {}.",
            others.join(", ")
        );
    }
    if let Some(audit) = audit {
        let _ = writeln!(
            out,
            "Every statement and request is recorded: tuomin audit verify --config {config} {audit}"
        );
    }
    out
}

/// Where each part listens (also the head of the self-check's report).
pub fn listeners_text(demo: &Demo) -> String {
    let mut out = String::new();
    listeners(&mut out, demo);
    out
}

fn listeners(out: &mut String, demo: &Demo) {
    let _ = writeln!(
        out,
        "  sample API          http://{}   (plays production: returns everything, C3 included)",
        demo.api.addr
    );
    if let Some(addr) = demo.running.http_addr {
        let _ = writeln!(out, "  HTTP gateway        http://{addr}");
    }
    match (demo.running.postgres_addr, &demo.postgres) {
        (Some(addr), Some(found)) => {
            let _ = writeln!(
                out,
                "  PostgreSQL gateway  {addr}, database {}\n                      in front of {}",
                demo.database,
                found.describe()
            );
        }
        _ => {
            let why = demo
                .postgres_missing
                .as_deref()
                .unwrap_or("no [postgres] section");
            let _ = writeln!(out, "  PostgreSQL gateway  not started: {why}");
        }
    }
}

fn psql(out: &mut String, demo: &Demo) {
    let Some(addr) = demo.running.postgres_addr else {
        return;
    };
    let _ = writeln!(
        out,
        "PostgreSQL (psql), the same table as two consumers, then a C3 column:\n"
    );
    let conn = |consumer: &str| {
        format!(
            "PGPASSWORD=${} psql \"host={} port={} user={consumer} dbname={}\"",
            password_var(consumer),
            addr.ip(),
            addr.port(),
            demo.database
        )
    };
    for (consumer, what) in SHOWN {
        let _ = writeln!(out, "  # {consumer} ({what})");
        let _ = writeln!(
            out,
            "  {} -c \"select name, id_number, mobile from customers limit 3\"",
            conn(consumer)
        );
    }
    let _ = writeln!(
        out,
        "  # C3 never leaves: ERROR 42501, naming the column and the rule"
    );
    let _ = writeln!(
        out,
        "  {} -c \"select cvv from cards limit 1\"\n",
        conn("qa")
    );
}

fn curl(out: &mut String, demo: &Demo) {
    let Some(gateway) = demo.running.http_addr else {
        return;
    };
    let id = demo.data.cards.first().map_or(1, |c| c.customer_id);
    let _ = writeln!(out, "HTTP (curl), the same bank as JSON:\n");
    let _ = writeln!(
        out,
        "  # the upstream itself, no gateway: everything, C3 included"
    );
    let _ = writeln!(out, "  curl -s http://{}/api/customers/{id}", demo.api.addr);
    for (consumer, what) in SHOWN {
        let _ = writeln!(out, "  # {consumer} ({what})");
        let _ = writeln!(
            out,
            "  curl -s -H \"x-api-key: ${}\" http://{gateway}/api/customers/{id}",
            api_key_var(consumer)
        );
    }
    let _ = writeln!(out, "  # cvv, expiry and track2 are removed on this route");
    let _ = writeln!(
        out,
        "  curl -s -H \"x-api-key: ${}\" http://{gateway}/api/customers/{id}/cards",
        api_key_var("vendor_collections")
    );
    let card = card_seen_by(demo, "qa").unwrap_or_else(|| "CARD_NO".into());
    let _ = writeln!(
        out,
        "  # one card with its CVV, by the card number qa sees: 403, refused whole"
    );
    let _ = writeln!(
        out,
        "  curl -s -H \"x-api-key: ${}\" http://{gateway}/api/cards/{card}\n",
        api_key_var("qa")
    );
}

/// The first card's number as `consumer` sees it over HTTP (its pseudonym).
fn card_seen_by(demo: &Demo, consumer: &str) -> Option<String> {
    let card = demo.data.cards.first()?;
    let policy = demo.running.live.policy();
    match policy.decide_json_key(consumer, "card_no")? {
        Decision::Transform { transform, .. } => transform
            .apply(&card.card_no, &Context::default())
            .ok()
            .flatten(),
        _ => None,
    }
}
