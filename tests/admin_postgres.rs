//! The admin listener in front of the PostgreSQL gateway (a real PostgreSQL from the
//! test harness, a real driver): sessions and statements counted by consumer and
//! decision, values by transform, and `/readyz` following the upstream check — 503
//! while the upstream is unreachable, 200 once it answers again.

#[path = "common/admin.rs"]
mod admin;
mod common;

use std::time::{Duration, Instant};

use admin::{ADMIN, metrics, sample, wait_for};
use common::PolicyDir;
use common::gateway::demo_policy;
use common::pg::{self, PgServer};
use tokio_postgres::{NoTls, SimpleQueryMessage};
use tuomin::serve::{Running, ServeOptions};

async fn start(path: &std::path::Path) -> Running {
    let options = ServeOptions {
        http_listen: Some("127.0.0.1:0".parse().unwrap()),
        grace: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    tuomin::serve::start(path, options)
        .await
        .unwrap_or_else(|e| panic!("gateway did not start: {e}"))
}

/// The demo policy for `upstream`, with an admin listener.
fn policy(dir: &PolicyDir, upstream: &PgServer) -> std::path::PathBuf {
    let path = demo_policy(dir, upstream, "", "");
    let text = std::fs::read_to_string(&path).unwrap() + ADMIN;
    std::fs::write(&path, text).unwrap();
    path
}

/// `/readyz` until it answers `status`, for at most ten seconds; the last body.
async fn readyz_until(admin: std::net::SocketAddr, status: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (s, body) = admin::get(admin, "/readyz").await;
        if s == status {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz stays {s}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_postgres_sessions_statements_and_values_by_transform() {
    let server = pg::server();
    let db = server.demo_database("gw_admin", 4, 11);
    let dir = PolicyDir::new();
    let running = start(&policy(&dir, server)).await;
    let admin = running.admin_addr.expect("admin listener");
    let port = running.postgres_addr.expect("postgres listener").port();
    let body = readyz_until(admin, 200).await;
    assert!(body.contains("\"ready\""), "{body}");

    let info = format!("host=127.0.0.1 port={port} user=qa password=qa-secret-1 dbname={db}");
    let (qa, conn) = tokio_postgres::connect(&info, NoTls)
        .await
        .expect("connect");
    let conn = tokio::spawn(conn);
    let rows = qa
        .simple_query("select card_no from cards")
        .await
        .expect("masked select");
    let cards = rows
        .iter()
        .filter(|m| matches!(m, SimpleQueryMessage::Row(_)))
        .count();
    assert!(cards > 0);
    assert!(
        qa.simple_query("select cvv from cards").await.is_err(),
        "C3 is refused"
    );

    let text = wait_for(
        admin,
        "tuomin_pg_statements_total{consumer=\"qa\",decision=\"refused\"}",
        1.0,
    )
    .await;
    let expect = [
        ("tuomin_pg_sessions_opened_total{consumer=\"qa\"}", 1.0),
        ("tuomin_pg_sessions_active{consumer=\"qa\"}", 1.0),
        (
            "tuomin_pg_statements_total{consumer=\"qa\",decision=\"masked\"}",
            1.0,
        ),
        (
            "tuomin_pg_statements_total{consumer=\"qa\",decision=\"refused\"}",
            1.0,
        ),
        (
            "tuomin_pg_statement_duration_seconds_count{decision=\"masked\"}",
            1.0,
        ),
        (
            "tuomin_values_transformed_total{listener=\"postgres\",transform=\"fpe_card\"}",
            cards as f64,
        ),
    ];
    for (series, value) in expect {
        assert_eq!(sample(&text, series), Some(value), "{series}:\n{text}");
    }
    // The same cards again come from the FPE memo: every value a hit. (The memo
    // counters are process-wide, so other tests' memos may add to them.)
    qa.simple_query("select card_no from cards")
        .await
        .expect("masked select again");
    let text = metrics(admin).await;
    let memo = |series: &str| sample(&text, series).unwrap_or(0.0);
    assert!(
        memo("tuomin_pseudonym_memo_hits_total") >= cards as f64,
        "{text}"
    );
    assert!(memo("tuomin_pseudonym_memo_misses_total") >= 1.0, "{text}");
    assert!(memo("tuomin_pseudonym_memo_entries") >= 1.0, "{text}");
    // The session's memo of whole masked rows holds the cards' rows (each counted
    // with at least its 48 bytes of record header and index entry).
    assert!(
        memo("tuomin_row_memo_bytes") >= 48.0 * cards as f64,
        "{text}"
    );
    for real in common::gateway::secrets(server, &db) {
        assert!(!text.contains(&real), "a value reached /metrics");
    }

    // Refused logins by reason: every reason shown from the start; a port probe
    // (connect, close) is no refusal; a wrong password is one.
    for reason in tuomin::pg::error::LOGIN_REFUSALS {
        let series = format!("tuomin_pg_logins_refused_total{{reason=\"{reason}\"}}");
        assert_eq!(sample(&text, &series), Some(0.0), "{series}:\n{text}");
    }
    drop(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("probe"),
    );
    let wrong = format!("host=127.0.0.1 port={port} user=qa password=not-it dbname={db}");
    let refused = tokio::time::timeout(
        Duration::from_secs(20),
        tokio_postgres::connect(&wrong, NoTls),
    )
    .await
    .expect("the refusal comes within 20 s");
    assert!(refused.is_err(), "a wrong password is refused");
    wait_exactly(
        admin,
        "tuomin_pg_logins_refused_total{reason=\"authentication\"}",
        1.0,
    )
    .await;
    let text = metrics(admin).await;
    let refusals: f64 = tuomin::pg::error::LOGIN_REFUSALS
        .iter()
        .map(|reason| {
            sample(
                &text,
                &format!("tuomin_pg_logins_refused_total{{reason=\"{reason}\"}}"),
            )
            .unwrap_or(0.0)
        })
        .sum();
    assert_eq!(refusals, 1.0, "the probe is not counted:\n{text}");

    // Cancel requests by outcome: none yet; the session's own key is forwarded; a
    // key no session has (a guess) is ignored and counted apart.
    for outcome in ["forwarded", "unknown", "failed"] {
        let series = format!("tuomin_pg_cancel_requests_total{{outcome=\"{outcome}\"}}");
        assert_eq!(sample(&text, &series), Some(0.0), "{series}:\n{text}");
    }
    qa.cancel_token()
        .cancel_query(NoTls)
        .await
        .expect("cancel request sent");
    let mut guess = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect for a cancel request");
    let mut request = Vec::new();
    request.extend_from_slice(&16i32.to_be_bytes());
    request.extend_from_slice(&80_877_102i32.to_be_bytes());
    request.extend_from_slice(&7i32.to_be_bytes());
    request.extend_from_slice(&[1, 2, 3, 4]);
    tokio::io::AsyncWriteExt::write_all(&mut guess, &request)
        .await
        .expect("cancel request written");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::io::AsyncReadExt::read_to_end(&mut guess, &mut rest),
    )
    .await;
    assert!(
        matches!(closed, Ok(Ok(0))),
        "the gateway closes after a cancel request, answering nothing: {closed:?}"
    );
    wait_exactly(
        admin,
        "tuomin_pg_cancel_requests_total{outcome=\"forwarded\"}",
        1.0,
    )
    .await;
    wait_exactly(
        admin,
        "tuomin_pg_cancel_requests_total{outcome=\"unknown\"}",
        1.0,
    )
    .await;

    drop(qa);
    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = metrics(admin).await;
        if sample(&text, "tuomin_pg_sessions_active{consumer=\"qa\"}") == Some(0.0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the session stays active:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.shutdown().await;
}

/// Scrapes until `series` is exactly `value` (at most five seconds).
async fn wait_exactly(admin: std::net::SocketAddr, series: &str, value: f64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = metrics(admin).await;
        if sample(&text, series) == Some(value) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{series} is not {value}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_vanishes_without_terminate_ends_its_session_and_its_upstream() {
    let server = pg::server();
    let db = server.demo_database("gw_vanish", 2, 3);
    let dir = PolicyDir::new();
    let running = start(&policy(&dir, server)).await;
    let admin = running.admin_addr.expect("admin listener");
    let port = running.postgres_addr.expect("postgres listener").port();
    let upstream_sessions = || {
        server.psql(
            &db,
            &format!("select count(*) from pg_stat_activity where datname = '{db}' and pid <> pg_backend_pid()"),
        )
    };
    let info = format!("host=127.0.0.1 port={port} user=qa password=qa-secret-1 dbname={db}");
    let (qa, conn) = tokio_postgres::connect(&info, NoTls)
        .await
        .expect("connect");
    let conn = tokio::spawn(conn);
    qa.simple_query("select 1").await.expect("select");
    let active = "tuomin_pg_sessions_active{consumer=\"qa\"}";
    wait_exactly(admin, active, 1.0).await;
    // The socket closes without a Terminate message (the client crashed).
    conn.abort();
    let _ = conn.await;
    wait_exactly(admin, active, 0.0).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while upstream_sessions().trim() != "0" {
        assert!(Instant::now() < deadline, "the upstream session stays open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = metrics(admin).await;
    assert_eq!(
        sample(
            &text,
            "tuomin_upstream_errors_total{listener=\"postgres\",kind=\"session\"}"
        ),
        None,
        "a client leaving is not an upstream error:\n{text}"
    );
    drop(qa);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_while_the_postgres_upstream_is_unreachable_and_200_once_it_answers() {
    // A port nobody listens on, held so that nobody else takes it meanwhile.
    let (held, port) = common::refusing_port();
    let upstream = PgServer {
        host: "127.0.0.1".into(),
        port,
        user: "tuomin".into(),
        password: None,
        maintenance_db: "postgres".into(),
    };
    let dir = PolicyDir::new();
    let running = start(&policy(&dir, &upstream)).await;
    let admin = running.admin_addr.expect("admin listener");

    let body = readyz_until(admin, 503).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut body = body;
    while !body.contains("unreachable at the last check") {
        assert!(Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        body = admin::get(admin, "/readyz").await.1;
    }
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "not_ready");
    wait_for(
        admin,
        "tuomin_upstream_errors_total{listener=\"postgres\",kind=\"check\"}",
        1.0,
    )
    .await;
    assert_eq!(
        admin::get(admin, "/healthz").await.0,
        200,
        "alive all along"
    );

    // The upstream comes back: the next check makes the gateway ready.
    let _listener = held.listen(16).expect("the upstream's port listening");
    let body = readyz_until(admin, 200).await;
    assert!(body.contains("\"ready\""), "{body}");
    running.shutdown().await;
}
