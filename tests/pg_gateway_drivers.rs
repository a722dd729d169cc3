//! The gateway with real drivers: tokio-postgres (text via the simple protocol, binary
//! via the extended protocol, pipelined, prepared), psycopg 3, and psql's COPY; error
//! scrubbing and cancel. No sensitive plaintext of the demo bank may reach a masked
//! consumer by any of these paths.

mod common;

use common::gateway::Gateway;
use common::pg;
use tokio_postgres::SimpleQueryMessage;

use common::gateway::{assert_cancel_ends_a_sleep, assert_no_secret, secrets};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_and_text_formats_give_the_same_masked_values() {
    let server = pg::server();
    let db = server.demo_database("gw_fmt", 15, 11);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let client = gw.tokio_client("qa", &db).await;
    let sql = "select customer_id, id_number, mobile, email, birth_date, created_at from customers order by customer_id";
    let binary = client.query(sql, &[]).await.expect("binary query");
    let text = client.simple_query(sql).await.expect("text query");
    let text_rows: Vec<_> = text
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(binary.len(), text_rows.len());
    let mut seen = String::new();
    for (b, t) in binary.iter().zip(text_rows) {
        let id: String = b.get(1);
        let mobile: String = b.get(2);
        assert_eq!(Some(id.as_str()), t.get(1));
        assert_eq!(Some(mobile.as_str()), t.get(2));
        seen.push_str(&format!("{id} {mobile} {:?}\n", t.get(3)));
    }
    assert_no_secret(&seen, &secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_prepared_statements_are_masked_and_c3_is_refused_in_the_pipeline() {
    let server = pg::server();
    let db = server.demo_database("gw_pipe", 10, 12);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let client = gw.tokio_client("vendor_collections", &db).await;
    let cards = client
        .prepare("select card_no from cards where card_id > $1 order by card_id")
        .await
        .unwrap();
    let accounts = client
        .prepare("select account_no from accounts order by account_id")
        .await
        .unwrap();
    let (a, b, c, d) = tokio::join!(
        client.query(&cards, &[&0i64]),
        client.query(&accounts, &[]),
        client.query("select cvv from cards", &[]),
        client.query(&cards, &[&3i64]),
    );
    let a = a.expect("cards");
    let b = b.expect("accounts");
    let err = c.expect_err("cvv refused");
    let db_err = err.as_db_error().expect("a server error");
    assert_eq!(db_err.code().code(), "42501");
    assert!(db_err.message().contains("cvv"));
    let d = d.expect("cards again, after the refusal");
    let mut seen = String::new();
    for r in a.iter().chain(&d) {
        let card: String = r.get(0);
        assert!(
            card.starts_with('*') || card.contains('*'),
            "vendor sees a masked card"
        );
        seen.push_str(&card);
    }
    for r in &b {
        let acct: String = r.get(0);
        seen.push_str(&acct);
    }
    assert_no_secret(&seen, &secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_fetch_through_a_portal_is_masked() {
    let server = pg::server();
    let db = server.demo_database("gw_portal", 10, 13);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let mut client = gw.tokio_client("qa", &db).await;
    let tx = client.transaction().await.unwrap();
    let stmt = tx
        .prepare("select mobile from customers order by customer_id")
        .await
        .unwrap();
    let portal = tx.bind(&stmt, &[]).await.unwrap();
    let first = tx.query_portal(&portal, 3).await.unwrap();
    let rest = tx.query_portal(&portal, 100).await.unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(first.len() + rest.len(), 10);
    let seen: String = first
        .iter()
        .chain(&rest)
        .map(|r| r.get::<_, String>(0))
        .collect();
    assert_no_secret(&seen, &secrets);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_never_quote_a_sensitive_value() {
    let server = pg::server();
    let db = server.demo_database("gw_err", 10, 14);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let client = gw.tokio_client("qa", &db).await;
    for sql in [
        "select customer_id from cards where card_no::int > 0",
        "select customer_id from customers where email::int > 0",
        "select customer_id from customers where id_number::numeric::int > 0",
        "select card_no::int from cards",
    ] {
        let err = client.simple_query(sql).await.expect_err(sql);
        let db_err = err.as_db_error().expect("server error");
        let all = format!(
            "{} {:?} {:?} {:?}",
            db_err.message(),
            db_err.detail(),
            db_err.hint(),
            db_err.where_()
        );
        assert_no_secret(&all, &secrets);
    }
    assert!(
        client.simple_query("select 1").await.is_ok(),
        "the session goes on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bound_current_setting_name_is_checked_at_bind() {
    // SQLAlchemy's reflection sends `current_setting($1::VARCHAR)`: the name arrives
    // only with Bind, where it is checked as a literal name is.
    let server = pg::server();
    let db = server.demo_database("gw_setting", 3, 15);
    let gw = Gateway::start(server);
    let client = gw.tokio_client("qa", &db).await;
    let sql = "select current_setting($1::varchar)";
    let row = client
        .query_one(sql, &[&"default_table_access_method"])
        .await
        .expect("a harmless parameter is read");
    assert_eq!(row.get::<_, String>(0), "heap");
    for secret in ["archive_command", "primary_conninfo", "app.secret"] {
        let err = client.query_one(sql, &[&secret]).await.expect_err(secret);
        let db_err = err.as_db_error().expect("server error");
        assert_eq!(
            db_err.code().code(),
            "42501",
            "{secret}: {}",
            db_err.message()
        );
    }
    let none: Option<&str> = None;
    let err = client
        .query_one(sql, &[&none])
        .await
        .expect_err("NULL name");
    assert_eq!(
        err.as_db_error().expect("server error").code().code(),
        "42501"
    );
    assert!(
        client.simple_query("select 1").await.is_ok(),
        "the session goes on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn computed_columns_over_sensitive_tables_are_refused_and_plain_ones_pass() {
    let server = pg::server();
    let db = server.demo_database("gw_expr", 5, 15);
    let gw = Gateway::start(server);
    let client = gw.tokio_client("qa", &db).await;
    for sql in [
        "select card_no || '' from cards",
        "select lower(email) from customers",
        "select c from cards c",
        "select row_to_json(c) from cards c",
        "select cards from cards",
        "select most_common_vals::text from pg_stats",
    ] {
        let err = client.simple_query(sql).await.expect_err(sql);
        assert_eq!(
            err.as_db_error().map(|e| e.code().code()),
            Some("42501"),
            "{sql}"
        );
    }
    assert!(
        client
            .simple_query("select 1 + 1, now(), version()")
            .await
            .is_ok()
    );
    // The SQL gate knows count(*) reads no value (the old token check refused it).
    assert!(
        client
            .simple_query("select count(*) from cards")
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_request_reaches_the_upstream_through_our_own_key() {
    let server = pg::server();
    let db = server.fresh_database("gw_cancel");
    let gw = Gateway::start(server);
    let client = gw.tokio_client("qa", &db).await;
    assert_cancel_ends_a_sleep(client).await;
}

#[test]
fn copy_out_is_masked_in_text_and_csv_and_binary_is_refused() {
    let server = pg::server();
    let db = server.demo_database("gw_copy", 10, 16);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let qa = gw.as_consumer("qa", &db);
    let rows_of = |table: &str| -> usize {
        let n = server.psql(&db, &format!("select count(*) from {table}"));
        n.trim().parse().unwrap()
    };
    let text = qa.psql(&db, "copy cards (card_id, card_no, status) to stdout");
    let csv = qa.psql(&db, "copy (select customer_id, mobile, email from customers) to stdout with (format csv, header)");
    assert_eq!(text.lines().count(), rows_of("cards"));
    assert!(csv.starts_with("customer_id,mobile,email"));
    assert_no_secret(&text, &secrets);
    assert_no_secret(&csv, &secrets);
    // A whole relation, without a column list (psql's `\copy accounts to …`).
    let whole = qa.psql(&db, "copy accounts to stdout with (format csv)");
    assert_eq!(whole.lines().count(), rows_of("accounts"));
    assert_no_secret(&whole, &secrets);
    for sql in [
        "copy cards (card_id, card_no) to stdout with (format binary)",
        "copy cards to stdout",
    ] {
        let out = qa.psql_output(&db, &["-X", "-c", sql]);
        assert!(!out.status.success(), "{sql}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("refused by tuomin"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_secret(&String::from_utf8_lossy(&out.stdout), &secrets);
    }
}

#[test]
fn psycopg_sees_masked_values_in_text_and_binary_and_c3_refused() {
    let check = std::process::Command::new("python3")
        .args(["-c", "import psycopg"])
        .status();
    assert!(
        check.is_ok_and(|s| s.success()),
        "psycopg 3 is missing: run `pip install \"psycopg[binary]\"`"
    );
    let server = pg::server();
    let db = server.demo_database("gw_psycopg", 10, 17);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let script = r#"
import sys, psycopg
conn = psycopg.connect(sys.argv[1])
out = []
for binary in (False, True):
    with conn.cursor(binary=binary) as cur:
        cur.execute("select card_no, mobile, email from cards join customers using (customer_id) order by card_id")
        out += ["|".join(map(str, r)) for r in cur.fetchall()]
try:
    conn.execute("select track2 from cards")
    print("NOT REFUSED")
except psycopg.errors.InsufficientPrivilege as e:
    print("REFUSED", e.sqlstate)
print("\n".join(out))
"#;
    let out = common::output_within_limit(std::process::Command::new("python3").args([
        "-c",
        script,
        &gw.conninfo("qa", &db),
    ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("REFUSED 42501"), "{stdout}");
    assert!(stdout.lines().count() > 10);
    assert_no_secret(&stdout, &secrets);
    let lines: Vec<&str> = stdout.lines().skip(1).collect();
    let (text, binary) = lines.split_at(lines.len() / 2);
    assert_eq!(text, binary, "text and binary formats agree");
}
