//! The SQL gate in front of the PostgreSQL gateway, end to end: both corpora through a
//! real gateway against the demo bank, one connection per consumer. Every bypass is
//! refused with 42501 (or comes back masked where the corpus says so), every
//! legitimate query succeeds, and no sensitive plaintext of the demo bank reaches the
//! client in rows, errors, notices or COPY output. Then masked-value lookup: a
//! pseudonym the consumer saw finds its row, in the simple and the extended protocol.

mod common;

use std::sync::{Arc, Mutex};

use common::corpus::{Case, cases, short};
use common::gateway::{Gateway, assert_no_secret, secrets};
use common::pg::{self, PgServer};
use tokio_postgres::{AsyncMessage, Client, NoTls, SimpleQueryMessage};

/// A client connection and every notice it received.
struct Conn {
    client: Client,
    notices: Arc<Mutex<Vec<String>>>,
}

async fn connect(gw: &Gateway, consumer: &str, db: &str) -> Conn {
    let c = gw.as_consumer(consumer, db);
    let info = format!(
        "host=127.0.0.1 port={} user={} password={} dbname={db}",
        c.port,
        c.user,
        c.password.unwrap_or_default()
    );
    let (client, mut conn) = tokio_postgres::connect(&info, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect as {consumer}: {e}"));
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sink = notices.clone();
    tokio::spawn(async move {
        while let Some(m) = std::future::poll_fn(|cx| conn.poll_message(cx)).await {
            match m {
                Ok(AsyncMessage::Notice(n)) => sink.lock().unwrap().push(format!(
                    "{} {:?} {:?} {:?}",
                    n.message(),
                    n.detail(),
                    n.hint(),
                    n.where_()
                )),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    Conn { client, notices }
}

fn setup() -> (&'static PgServer, String, Vec<String>, Gateway) {
    let server = pg::server();
    let db = server.demo_database("gw_corpus", 12, 23);
    let extra = std::fs::read_to_string(common::repo_root().join("tests/corpus/schema.sql"))
        .expect("corpus schema");
    server.psql(&db, &extra);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    (server, db, secrets, gw)
}

/// What one case gave the client.
struct Outcome {
    ok: bool,
    code: Option<String>,
    text: String,
}

/// Runs one corpus line: psql for COPY (tokio-postgres does not take COPY through
/// `simple_query`), else the consumer's connection.
async fn run(
    gw: &Gateway,
    db: &str,
    conns: &mut [(String, Conn)],
    consumer: &str,
    sql: &str,
) -> Outcome {
    if sql.trim_start().to_lowercase().starts_with("copy") {
        let out = gw
            .as_consumer(consumer, db)
            .psql_output(db, &["-X", "-A", "-t", "-c", sql]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = stderr
            .contains("refused by tuomin")
            .then(|| "42501".to_owned());
        return Outcome {
            ok: out.status.success(),
            code,
            text: format!("{}{stderr}", String::from_utf8_lossy(&out.stdout)),
        };
    }
    let i = conns.iter().position(|(c, _)| c == consumer).expect("conn");
    if conns[i].1.client.is_closed() {
        conns[i].1 = connect(gw, consumer, db).await;
    }
    let conn = &conns[i].1;
    let sql = match sql
        .split_whitespace()
        .next()
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("savepoint" | "declare" | "fetch" | "close") => format!("BEGIN; {sql}; ROLLBACK"),
        _ => sql.to_owned(),
    };
    // A statement with parameters is what a driver prepares: Parse and Describe it
    // (extended protocol) instead of running it without values.
    let result = if sql.contains("$1") {
        conn.client.prepare(&sql).await.map(|_| Vec::new())
    } else {
        conn.client.simple_query(&sql).await
    };
    let mut text = String::new();
    let outcome = match result {
        Ok(messages) => {
            for m in messages {
                if let SimpleQueryMessage::Row(row) = m {
                    for j in 0..row.len() {
                        text.push_str(row.get(j).unwrap_or(""));
                        text.push('\t');
                    }
                    text.push('\n');
                }
            }
            Outcome {
                ok: true,
                code: None,
                text,
            }
        }
        Err(e) => {
            let code = e.code().map(|c| c.code().to_owned());
            if let Some(db) = e.as_db_error() {
                text = format!(
                    "{} {:?} {:?} {:?}",
                    db.message(),
                    db.detail(),
                    db.hint(),
                    db.where_()
                );
            } else {
                text = e.to_string();
            }
            Outcome {
                ok: false,
                code,
                text,
            }
        }
    };
    // Leave no transaction, search_path or prepared statement behind.
    let _ = conn.client.simple_query("ROLLBACK").await;
    let _ = conn.client.simple_query("DISCARD ALL").await;
    outcome
}

async fn consumers_of(gw: &Gateway, db: &str, cases: &[Case]) -> Vec<(String, Conn)> {
    let mut conns = Vec::new();
    for case in cases {
        for c in &case.consumers {
            if !conns.iter().any(|(n, _): &(String, Conn)| n == c) {
                conns.push((c.clone(), connect(gw, c, db).await));
            }
        }
    }
    conns
}

fn notices(conns: &[(String, Conn)]) -> String {
    conns
        .iter()
        .map(|(_, c)| c.notices.lock().unwrap().join("\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bypass_is_refused_or_masked_through_the_gateway() {
    let (_server, db, secrets, gw) = setup();
    let cases = cases("bypass.sql");
    let mut conns = consumers_of(&gw, &db, &cases).await;
    let mut failures = Vec::new();
    for case in &cases {
        for consumer in &case.consumers {
            let out = run(&gw, &db, &mut conns, consumer, &case.sql).await;
            if secrets.iter().any(|s| out.text.contains(s.as_str())) {
                failures.push(format!(
                    "line {} [{consumer}] LEAKED a real value",
                    case.line
                ));
            } else if out.ok && !case.masked {
                failures.push(format!(
                    "line {} [{consumer}] allowed: {}",
                    case.line,
                    short(&case.sql)
                ));
            } else if !out.ok && !case.masked && out.code.as_deref() != Some("42501") {
                failures.push(format!(
                    "line {} [{consumer}] failed with {:?}, not refused: {}\n    {}",
                    case.line,
                    out.code,
                    short(&case.sql),
                    short(&out.text)
                ));
            }
        }
    }
    assert_no_secret(&notices(&conns), &secrets);
    assert!(
        failures.is_empty(),
        "{} of the bypass corpus:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_legitimate_query_succeeds_through_the_gateway() {
    let (_server, db, secrets, gw) = setup();
    let cases = cases("legit.sql");
    let mut conns = consumers_of(&gw, &db, &cases).await;
    let mut failures = Vec::new();
    for case in &cases {
        for consumer in &case.consumers {
            let out = run(&gw, &db, &mut conns, consumer, &case.sql).await;
            if secrets.iter().any(|s| out.text.contains(s.as_str())) {
                failures.push(format!(
                    "line {} [{consumer}] LEAKED a real value",
                    case.line
                ));
            } else if !out.ok {
                failures.push(format!(
                    "line {} [{consumer}] {:?}: {}\n    {}",
                    case.line,
                    out.code,
                    short(&case.sql),
                    short(&out.text)
                ));
            }
        }
    }
    assert_no_secret(&notices(&conns), &secrets);
    assert!(
        failures.is_empty(),
        "{} legitimate queries failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The (card_id, card_no) rows of a simple query.
async fn card_rows(client: &tokio_postgres::Client, sql: &str) -> Vec<(String, String)> {
    let found = client.simple_query(sql).await.expect("simple query");
    found
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some((r.get(0)?.to_owned(), r.get(1)?.to_owned())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pseudonym_finds_its_row_which_comes_back_masked() {
    let (server, db, secrets, gw) = setup();
    let conn = connect(&gw, "qa", &db).await;
    let client = &conn.client;
    let rows = client
        .query(
            "select card_id, card_no from cards order by card_id limit 2",
            &[],
        )
        .await
        .expect("masked read");
    let id: i64 = rows[0].get::<_, i64>(0);
    let pseudonym: String = rows[0].get(1);
    let (id2, pseudonym2): (i64, String) = (rows[1].get(0), rows[1].get(1));
    let real = server.psql(
        &db,
        &format!("select card_no from cards where card_id = {id}"),
    );
    assert_ne!(real.trim(), pseudonym, "the consumer sees a pseudonym");

    // Simple protocol, the pseudonym as a literal: the row found comes back masked.
    let by_literal = |p: &str| format!("select card_id, card_no from cards where card_no = '{p}'");
    assert_eq!(
        card_rows(client, &by_literal(&pseudonym)).await,
        [(id.to_string(), pseudonym.clone())],
        "the row is found, and comes back masked"
    );
    // The same statement with another pseudonym, right after: the same shape, but a
    // lookup reads its literal, so it is analysed again (not the last one's analysis).
    assert_eq!(
        card_rows(client, &by_literal(&pseudonym2)).await,
        [(id2.to_string(), pseudonym2.clone())],
        "the second card's row"
    );
    // Texts of one shape that the gate may share an analysis for (no literal read):
    // each still reads its own row.
    for (want, masked) in [(id, &pseudonym), (id2, &pseudonym2), (id, &pseudonym)] {
        let sql = format!("select card_id, card_no from cards where card_id = {want}");
        assert_eq!(
            card_rows(client, &sql).await,
            [(want.to_string(), masked.clone())]
        );
    }

    // Extended protocol, the pseudonym bound to $1.
    let rows = client
        .query(
            "select card_id, card_no from cards where card_no = $1",
            &[&pseudonym],
        )
        .await
        .expect("lookup by parameter");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i64>(0), id);
    assert_eq!(rows[0].get::<_, String>(1), pseudonym);

    // Not a pseudonym: refused, not passed.
    let err = client
        .simple_query("select card_id from cards where card_no = 'not-a-card'")
        .await
        .expect_err("invalid literal");
    assert_eq!(err.code().map(|c| c.code()), Some("42501"));
    let err = client
        .query(
            "select card_id from cards where card_no = $1",
            &[&"not-a-card"],
        )
        .await
        .expect_err("invalid parameter");
    assert_eq!(err.code().map(|c| c.code()), Some("42501"));
    // The real value itself is not a pseudonym either.
    let err = client
        .query(
            "select card_id from cards where card_no = $1",
            &[&real.trim()],
        )
        .await;
    if let Ok(rows) = &err {
        assert!(
            rows.is_empty(),
            "a real value must not work as a lookup key"
        );
    }
    assert!(
        client.simple_query("select 1").await.is_ok(),
        "the session goes on"
    );
    assert_no_secret(&conn.notices.lock().unwrap().join("\n"), &secrets);
}
