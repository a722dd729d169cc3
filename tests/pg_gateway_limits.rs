//! The PostgreSQL listener's limits: a client that stalls in its login is closed after
//! `login_timeout_secs` (a logged-in session is not), connections past `max_sessions`
//! are told 53300 (a cancel request is still carried out), and an upstream that accepts
//! but never answers ends the login with a clear error after `connect_timeout_secs`, as
//! a catalog query it never answers does after `catalog_timeout_secs`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::gateway::{Gateway, assert_cancel_ends_a_sleep};
use common::pg::{self, PgServer};
use common::wire::{errors_until_close, logged_in, login, message, read_message, startup};

/// A raw connection to the gateway that gives up reading after 20 s.
fn raw(gw: &Gateway) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Whether the gateway closed `s`: end of stream, not the 20 s read timeout.
fn closed_by_gateway(s: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(s.read(&mut byte), Ok(0))
}

/// Asserts a simple query on a raw logged-in session is answered without an error.
fn answers(s: &mut TcpStream) {
    s.write_all(&message(b'Q', b"select 1\0")).unwrap();
    let mut tags = Vec::new();
    while let Some((tag, body)) = read_message(s) {
        assert_ne!(tag, b'E', "{}", String::from_utf8_lossy(&body));
        tags.push(tag);
        if tag == b'Z' {
            break;
        }
    }
    assert_eq!(tags, b"TDCZ");
}

#[test]
fn a_client_that_stalls_in_its_login_is_closed_and_a_logged_in_session_is_not() {
    let server = pg::server();
    let db = server.demo_database("gw_login_timeout", 3, 8);
    let gw = Gateway::start_with(server, "login_timeout_secs = 1", "");
    // Connects and says nothing.
    let mut silent = raw(&gw);
    // Sends its startup packet, then never answers the password request.
    let mut stalled = raw(&gw);
    stalled.write_all(&startup("qa", &db, &[])).unwrap();
    let (tag, body) = read_message(&mut stalled).expect("the password request");
    assert_eq!((tag, &body[..4]), (b'R', &10u32.to_be_bytes()[..]));
    // Logged in before either is closed, used after.
    let mut session = logged_in(&gw, &db);
    assert!(closed_by_gateway(&mut silent), "a silent client is closed");
    assert!(closed_by_gateway(&mut stalled), "a stalled login is closed");
    std::thread::sleep(Duration::from_millis(1500));
    answers(&mut session);
}

#[test]
fn connections_past_max_sessions_are_told_53300_until_one_ends() {
    let server = pg::server();
    let db = server.demo_database("gw_max_sessions", 3, 8);
    let gw = Gateway::start_with(server, "max_sessions = 2", "");
    let first = logged_in(&gw, &db);
    let mut second = logged_in(&gw, &db);
    let refusal = login(&gw, &db).expect_err("the third connection is refused");
    assert!(refusal.contains("C53300"), "{refusal}");
    assert!(refusal.contains("max_sessions"), "{refusal}");
    assert!(refusal.contains("at most 2"), "{refusal}");
    // The same for a client that asked for TLS first (the gateway has none: 'N').
    let mut tls_first = raw(&gw);
    tls_first.write_all(&[0, 0, 0, 8, 4, 210, 22, 47]).unwrap();
    let mut answer = [0u8; 1];
    tls_first.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"N");
    tls_first.write_all(&startup("qa", &db, &[])).unwrap();
    let errors = errors_until_close(&mut tls_first);
    assert!(
        errors.len() == 1 && errors[0].contains("C53300"),
        "{errors:?}"
    );
    // Both refusals are in the audit trail, under the name each gave.
    let full = |records: &[serde_json::Value]| {
        records
            .iter()
            .filter(|r| {
                r["decision"] == "refused"
                    && r["consumer"] == "qa"
                    && r["reason"]
                        .as_str()
                        .is_some_and(|m| m.contains("max_sessions"))
            })
            .count()
    };
    let records = gw.audit_records_until(|r| full(r) >= 2);
    assert_eq!(full(&records), 2, "each refusal is audited: {records:#?}");
    // The sessions served go on; when one ends, its place is free again.
    answers(&mut second);
    drop(first);
    let mut attempts = 0;
    let mut third = loop {
        match login(&gw, &db) {
            Ok(s) => break s,
            Err(e) if e.contains("C53300") && attempts < 100 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("a place should have been freed: {e}"),
        }
    };
    answers(&mut third);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_request_is_carried_out_when_the_listener_is_full() {
    let server = pg::server();
    let db = server.fresh_database("gw_cancel_full");
    let gw = Gateway::start_with(server, "max_sessions = 1", "");
    let client = gw.tokio_client("qa", &db).await;
    assert_cancel_ends_a_sleep(client).await;
}

#[test]
fn an_upstream_that_never_answers_ends_the_login_with_a_clear_error() {
    // Accepts connections (the kernel completes them) and never reads or answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = PgServer::local(silent.local_addr().unwrap().port());
    let gw = Gateway::start_with(&upstream, "", "connect_timeout_secs = 1");
    let refusal = login(&gw, "bank").expect_err("no upstream session");
    assert!(refusal.contains("C08006"), "{refusal}");
    assert!(refusal.contains("connect_timeout_secs"), "{refusal}");
    assert!(refusal.contains("within 1 s"), "{refusal}");
    // Where the upstream is stays with the operator.
    let port = silent.local_addr().unwrap().port().to_string();
    assert!(!refusal.contains(&port), "{refusal}");
    drop(silent);
}

/// A server that logs anyone in without a password and then never answers: each
/// connection gets AuthenticationOk and ReadyForQuery after its startup packet, and is
/// read from until it closes. Counts the logins.
fn mute_upstream() -> (PgServer, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let logins = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&logins);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let counted = Arc::clone(&counted);
            std::thread::spawn(move || {
                let mut len = [0u8; 4];
                if s.read_exact(&mut len).is_err() {
                    return;
                }
                let mut startup = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
                if s.read_exact(&mut startup).is_err() {
                    return;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let mut reply = message(b'R', &0u32.to_be_bytes());
                reply.extend(message(b'Z', b"I"));
                if s.write_all(&reply).is_err() {
                    return;
                }
                let mut sink = [0u8; 1024];
                while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
            });
        }
    });
    (PgServer::local(port), logins)
}

#[test]
fn a_catalog_query_the_upstream_never_answers_ends_the_session_with_a_clear_error() {
    let (upstream, logins) = mute_upstream();
    let gw = Gateway::start_with(&upstream, "catalog_timeout_secs = 1", "");
    for attempt in 1..=2 {
        let mut s = logged_in(&gw, "bank");
        s.write_all(&message(b'Q', b"select 1\0")).unwrap();
        let errors = errors_until_close(&mut s);
        assert!(
            errors.len() == 1
                && errors[0].contains("C08006")
                && errors[0].contains("catalog_timeout_secs"),
            "attempt {attempt}: {errors:?}"
        );
        // Each attempt: the session's upstream login and a catalog read of its own
        // (a failed read is not kept).
        assert_eq!(logins.load(Ordering::SeqCst), 2 * attempt);
    }
}

#[test]
fn an_upstream_that_refuses_connections_is_an_error_that_does_not_say_where_it_is() {
    let (_held, port) = common::refusing_port();
    let gw = Gateway::start_with(&PgServer::local(port), "", "");
    let refusal = login(&gw, "bank").expect_err("no upstream");
    assert!(refusal.contains("C08006"), "{refusal}");
    assert!(
        refusal.contains("cannot connect to the upstream server"),
        "{refusal}"
    );
    assert!(!refusal.contains(&port.to_string()), "{refusal}");
    assert!(!refusal.contains("127.0.0.1"), "{refusal}");
}

#[test]
fn a_catalog_query_the_upstream_refuses_ends_the_session_without_the_upstreams_words() {
    let server = pg::server();
    let db = server.demo_database("gw_catalog_refused", 3, 8);
    // tuomin's service role may log in, but not read pg_class in this database.
    let role = format!("gw_catalog_svc_{}", std::process::id());
    server.psql(
        &db,
        &format!(
            "CREATE ROLE {role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; \
             REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC"
        ),
    );
    let mut service = server.clone();
    service.user = role.clone();
    let gw = Gateway::start(&service);
    let mut s = logged_in(&gw, &db);
    s.write_all(&message(b'Q', b"select full_name from customers\0"))
        .unwrap();
    let errors = errors_until_close(&mut s);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let refusal = &errors[0];
    assert!(refusal.contains("C08006"), "{refusal}");
    assert!(
        refusal.contains("catalog query (SQLSTATE 42501)"),
        "{refusal}"
    );
    assert!(refusal.contains("operator"), "{refusal}");
    // The upstream's message names its table and tuomin's service role.
    assert!(!refusal.contains("pg_class"), "{refusal}");
    assert!(!refusal.contains(&role), "{refusal}");
    server.psql(&db, "GRANT SELECT ON pg_catalog.pg_class TO PUBLIC");
}

/// A login (`Gateway::try_login`'s outcome) refused at its password exchange.
fn wrong_password((ok, stderr): (bool, String)) {
    assert!(
        !ok && stderr.contains("password authentication failed"),
        "{stderr}"
    );
}

#[test]
fn password_guessing_is_refused_after_the_limit_for_that_user_from_that_address_only() {
    let server = pg::server();
    let db = server.fresh_database("gw_login_failures");
    let gw = Gateway::start_with(server, "login_failure_limit = 3", "");
    let psql = |consumer: &str, password: Option<&str>| gw.try_login(consumer, &db, password);
    // A client that leaves when asked for its password (as psql does before it
    // prompts) has not failed a login.
    for _ in 0..5 {
        let mut s = raw(&gw);
        s.write_all(&startup("qa", &db, &[])).unwrap();
        let (tag, _) = read_message(&mut s).expect("the password request");
        assert_eq!(tag, b'R');
    }
    assert!(psql("qa", None).0, "not counted as failures");
    for _ in 0..3 {
        wrong_password(psql("qa", Some("a-guess")));
    }
    // The right password is refused now, with no exchange, and says for how long.
    let (ok, stderr) = psql("qa", None);
    assert!(!ok, "refused after three failures");
    assert!(
        stderr.contains("too many failed logins for user \"qa\""),
        "{stderr}"
    );
    assert!(stderr.contains("try again in"), "{stderr}");
    // Another consumer from the same address is not.
    assert!(psql("analyst", None).0);
    // An unknown name is counted the same way: the refusal tells nothing of names.
    for _ in 0..3 {
        assert!(!psql("nobody", Some("x")).0);
    }
    assert!(
        psql("nobody", Some("x"))
            .1
            .contains("too many failed logins")
    );

    // login_failure_limit = 0: never refused.
    let gw = Gateway::start_with(server, "login_failure_limit = 0", "");
    for _ in 0..4 {
        assert!(!gw.try_login("qa", &db, Some("a-guess")).0);
    }
    assert!(gw.try_login("qa", &db, None).0);
}

#[test]
fn password_spraying_is_refused_for_every_name_from_that_address() {
    let server = pg::server();
    let db = server.fresh_database("gw_login_spraying");
    let gw = Gateway::start_with(server, "login_failure_address_limit = 4", "");
    let psql = |consumer: &str, password: Option<&str>| gw.try_login(consumer, &db, password);
    // One guess at each of four names (none reaches the per-name limit, 10), with a
    // successful login among them, which does not clear the address's count.
    for (i, name) in ["qa", "analyst", "vendor_collections", "nobody"]
        .into_iter()
        .enumerate()
    {
        if i == 2 {
            assert!(psql("analyst", None).0, "below the address limit");
        }
        wrong_password(psql(name, Some("Spring2026!")));
    }
    // Now every name from this address is refused, the right password too, with no
    // exchange.
    for (name, password) in [("qa", None), ("offshore_hq", None), ("someone", Some("x"))] {
        let (ok, stderr) = psql(name, password);
        assert!(!ok, "{name} refused");
        assert!(
            stderr.contains("too many failed logins from this address")
                && stderr.contains("login_failure_address_limit")
                && stderr.contains("try again in"),
            "{stderr}"
        );
    }
    let sprayed = |records: &[serde_json::Value]| {
        records
            .iter()
            .filter(|r| {
                r["reason"]
                    .as_str()
                    .is_some_and(|m| m.contains("login_failure_address_limit"))
            })
            .count()
    };
    let records = gw.audit_records_until(|r| sprayed(r) >= 3);
    assert_eq!(
        sprayed(&records),
        3,
        "each refusal is audited: {records:#?}"
    );
    assert!(
        !gw.audit_text().contains("Spring2026!"),
        "no password in the trail"
    );
}
