//! The gateway at the byte level: startup-phase requests, malformed and oversized
//! messages (the session ends with an error, never a panic, and the gateway keeps
//! serving), TLS on both sides with throwaway certificates, plaintext after an
//! SSLRequest, replication refused, and graceful shutdown.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::gateway::Gateway;
use common::pg;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};

fn startup(user: &str, db: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut body = 196608u32.to_be_bytes().to_vec();
    for (k, v) in [("user", user), ("database", db)].iter().chain(extra) {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut out = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Reads one backend message (tag, body).
fn read_message(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).ok()?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0u8; len - 4];
    s.read_exact(&mut body).ok()?;
    Some((head[0], body))
}

/// A raw connection logged in as `qa`, positioned after the first ReadyForQuery.
fn logged_in(gw: &Gateway, db: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(&startup("qa", db, &[])).unwrap();
    let mut scram = ScramSha256::new(b"qa-secret-1", ChannelBinding::unsupported());
    loop {
        let (tag, body) = read_message(&mut s).expect("login reply");
        match (
            tag,
            body.get(..4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])),
        ) {
            (b'R', Some(10)) => {
                let mut b = b"SCRAM-SHA-256\0".to_vec();
                b.extend_from_slice(&(scram.message().len() as u32).to_be_bytes());
                b.extend_from_slice(scram.message());
                s.write_all(&message(b'p', &b)).unwrap();
            }
            (b'R', Some(11)) => {
                scram.update(&body[4..]).unwrap();
                s.write_all(&message(b'p', scram.message())).unwrap();
            }
            (b'Z', _) => return s,
            (b'E', _) => panic!("login failed: {}", String::from_utf8_lossy(&body)),
            _ => {}
        }
    }
}

/// Reads until the connection closes; returns every ErrorResponse body seen.
fn errors_until_close(s: &mut TcpStream) -> Vec<String> {
    let mut errors = Vec::new();
    while let Some((tag, body)) = read_message(s) {
        if tag == b'E' {
            errors.push(String::from_utf8_lossy(&body).into_owned());
        }
    }
    errors
}

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
