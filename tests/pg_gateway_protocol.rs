//! The gateway at the byte level: startup-phase requests, malformed and oversized
//! messages (the session ends with an error, never a panic, and the gateway keeps
//! serving), TLS on both sides with throwaway certificates, plaintext after an
//! SSLRequest, replication refused, upstream login refusals, and graceful shutdown.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::gateway::Gateway;
use common::pg;
use common::wire::{errors_until_close, logged_in, login, message, read_message, startup};

#[test]
fn malformed_and_oversized_messages_end_the_session_with_an_error_and_others_go_on() {
    let server = pg::server();
    let db = server.demo_database("gw_bytes", 3, 7);
    let gw = Gateway::start(server);
    let cases: Vec<Vec<u8>> = vec![
        message(b'?', b"junk"),
        b"Q\x7f\xff\xff\xff".to_vec(),
        message(b'B', b"\0\0\xff\xff"),
        message(b'Q', b"no terminator"),
        b"Q\0\0\0\x02".to_vec(),
    ];
    for bytes in cases {
        let mut s = logged_in(&gw, &db);
        s.write_all(&bytes).unwrap();
        let errors = errors_until_close(&mut s);
        assert!(
            errors
                .iter()
                .any(|e| e.contains("08P01") || e.contains("54000")),
            "{errors:?}"
        );
    }
    let qa = gw.as_consumer("qa", &db);
    assert_eq!(
        qa.psql(&db, "select 1").trim(),
        "1",
        "the gateway keeps serving"
    );
}

#[test]
fn oversized_startup_packets_and_replication_are_refused() {
    let server = pg::server();
    let db = server.fresh_database("gw_start");
    let gw = Gateway::start(server);
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.write_all(&[0, 1, 0, 0, 0, 3, 0, 0]).unwrap();
    assert!(
        errors_until_close(&mut s)
            .iter()
            .any(|e| e.contains("54000") || e.contains("08P01"))
    );
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.write_all(&startup("qa", &db, &[("replication", "database")]))
        .unwrap();
    let errors = errors_until_close(&mut s);
    assert!(
        errors.iter().any(|e| e.contains("replication")),
        "{errors:?}"
    );
}

#[test]
fn gssenc_is_answered_no_and_startup_goes_on() {
    let server = pg::server();
    let db = server.fresh_database("gw_gss");
    let gw = Gateway::start(server);
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]).unwrap();
    let mut answer = [0u8; 1];
    s.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"N");
    s.write_all(&startup("qa", &db, &[])).unwrap();
    let (tag, _) = read_message(&mut s).unwrap();
    assert_eq!(tag, b'R', "authentication request follows");
}

#[test]
fn protocol_3_2_and_unknown_options_are_negotiated_down() {
    let server = pg::server();
    let db = server.fresh_database("gw_nego");
    let gw = Gateway::start(server);
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    let mut packet = startup("qa", &db, &[("_pq_.compression", "on")]);
    packet[4..8].copy_from_slice(&0x0003_0002u32.to_be_bytes());
    s.write_all(&packet).unwrap();
    let (tag, body) = read_message(&mut s).unwrap();
    assert_eq!(tag, b'v');
    assert_eq!(&body[..4], &0i32.to_be_bytes());
    assert!(String::from_utf8_lossy(&body).contains("_pq_.compression"));
}

#[test]
fn shutdown_ends_idle_sessions_with_admin_shutdown() {
    let server = pg::server();
    let db = server.fresh_database("gw_stop");
    let gw = Gateway::start(server);
    let mut s = logged_in(&gw, &db);
    gw.shutdown();
    let errors = errors_until_close(&mut s);
    assert!(errors.iter().any(|e| e.contains("57P01")), "{errors:?}");
    assert!(
        TcpStream::connect(("127.0.0.1", gw.port)).is_err() || {
            std::thread::sleep(Duration::from_millis(200));
            TcpStream::connect(("127.0.0.1", gw.port)).is_err()
        }
    );
}

/// After the client's Terminate the upstream closes, and the session ends there: the
/// replies still owed come back, and no error about the upstream closing follows them.
#[test]
fn terminate_ends_the_session_without_an_error_after_the_replies_owed() {
    let server = pg::server();
    let db = server.demo_database("gw_terminate", 3, 8);
    let gw = Gateway::start(server);
    let mut s = logged_in(&gw, &db);
    let mut bytes = message(b'Q', b"select 1\0");
    bytes.extend(message(b'X', b""));
    s.write_all(&bytes).unwrap();
    let mut tags = Vec::new();
    while let Some((tag, body)) = read_message(&mut s) {
        assert_ne!(tag, b'E', "{}", String::from_utf8_lossy(&body));
        tags.push(tag);
    }
    assert_eq!(tags, b"TDCZ", "the query's replies, then the end");
}

/// After the gateway refuses a row mid-block, PostgreSQL runs on to the Sync: what it
/// runs there (an Execute, a simple Query) gets no reply, a refusal of the gateway's
/// own on the way (a DELETE) goes out to no one — and each is still in the audit trail.
#[test]
fn statements_dropped_inside_a_refused_block_are_still_audited() {
    let server = pg::server();
    let db = server.demo_database("gw_withheld", 3, 9);
    // Not a mainland mobile: FPE cannot mask it, so the row is refused.
    server.psql(
        &db,
        "update customers set mobile = '12345' where customer_id = 1",
    );
    let gw = Gateway::start(server);
    let mut s = logged_in(&gw, &db);
    let parse = |sql: &str| {
        let mut b = vec![0];
        b.extend_from_slice(sql.as_bytes());
        b.extend_from_slice(&[0, 0, 0]);
        message(b'P', &b)
    };
    let bind = message(b'B', &[0, 0, 0, 0, 0, 0, 0, 0]);
    let describe = message(b'D', b"P\0");
    let execute = message(b'E', &[0, 0, 0, 0, 0]);
    let mut bytes = Vec::new();
    for m in [
        parse("select mobile from customers where customer_id = 1"),
        bind.clone(),
        describe,
        execute.clone(),
        parse("select customer_id from customers where customer_id = 2"),
        bind,
        execute,
        message(b'Q', b"select 77 as seventy_seven\0"),
        parse("delete from cards"),
        message(b'S', b""),
        message(b'Q', b"select 4242\0"),
    ] {
        bytes.extend(m);
    }
    s.write_all(&bytes).unwrap();
    let mut replies = Vec::new();
    let mut errors = Vec::new();
    let mut readies = 0;
    while readies < 2 {
        let (tag, body) = read_message(&mut s).expect("the session answers");
        if tag == b'E' {
            errors.push(String::from_utf8_lossy(&body).into_owned());
        }
        readies += usize::from(tag == b'Z');
        replies.push(tag);
    }
    assert_eq!(errors.len(), 1, "one error for the block: {errors:?}");
    assert!(errors[0].contains("42501"), "{errors:?}");
    assert_eq!(
        replies.iter().filter(|t| **t == b'D').count(),
        1,
        "only `select 4242` sends a row: {:?}",
        String::from_utf8_lossy(&replies)
    );

    let wanted = [
        "select mobile",
        "select customer_id",
        "seventy_seven",
        "delete from cards",
    ];
    let fingerprint = |r: &serde_json::Value| r["fingerprint"].as_str().unwrap_or("").to_owned();
    let records = gw.audit_records_until(|records| {
        wanted
            .iter()
            .all(|w| records.iter().any(|r| fingerprint(r).contains(w)))
    });
    let record = |needle: &str| {
        let found: Vec<&serde_json::Value> = records
            .iter()
            .filter(|r| fingerprint(r).contains(needle))
            .collect();
        assert_eq!(found.len(), 1, "one record for {needle}: {records:#?}");
        found[0].clone()
    };
    let refused_row = record("select mobile");
    assert_eq!(refused_row["decision"], "refused");
    for withheld in ["select customer_id", "seventy_seven"] {
        let r = record(withheld);
        assert_eq!(r["decision"], "refused", "{r}");
        assert!(
            r["reason"].as_str().unwrap_or("").contains("withheld"),
            "{r}"
        );
    }
    let delete = record("delete from cards");
    assert_eq!(delete["decision"], "refused");
    assert!(
        !delete["reason"].as_str().unwrap_or("").contains("withheld"),
        "the DELETE was refused for what it is: {delete}"
    );
    assert!(!records.iter().any(|r| r.to_string().contains("12345")));
}

/// An upstream login refusal reaches the client with its SQLSTATE where the client
/// can act on it (the database it asked for does not exist: 3D000); a refusal of
/// tuomin's own service account (a role the upstream does not know: 28000 there) is
/// 08006, not a login error of the client, whose own login succeeded, and the
/// upstream's message (naming the service account) stays in tuomin's log.
#[test]
fn upstream_login_refusals_pass_their_sqlstate_only_where_the_client_can_act() {
    let server = pg::server();
    let db = server.demo_database("gw_upstream_codes", 3, 8);
    let gw = Gateway::start(server);
    let refusal = login(&gw, "gw_no_such_database").expect_err("no such database");
    assert!(refusal.contains("C3D000"), "{refusal}");
    assert!(refusal.contains("gw_no_such_database"), "{refusal}");
    logged_in(&gw, &db);

    let mut stranger = server.clone();
    stranger.user = "gw_no_such_role".into();
    let gw = Gateway::start(&stranger);
    let refusal = login(&gw, &db).expect_err("the service role is unknown");
    assert!(refusal.contains("C08006"), "{refusal}");
    assert!(refusal.contains("SQLSTATE 28000"), "{refusal}");
    assert!(refusal.contains("operator"), "{refusal}");
    // The upstream's message names tuomin's service account: not the client's affair.
    assert!(!refusal.contains("gw_no_such_role"), "{refusal}");
}
