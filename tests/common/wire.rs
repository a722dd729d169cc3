//! The PostgreSQL wire protocol by hand, for tests that need the bytes themselves:
//! startup packets, framed messages, a raw login through the gateway.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};

use super::gateway::{Gateway, PASSWORDS};

/// A StartupMessage (protocol 3.0) for `user` on `db`, with `extra` parameters.
pub fn startup(user: &str, db: &str, extra: &[(&str, &str)]) -> Vec<u8> {
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

/// A frontend message: tag, length, body.
pub fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Reads one backend message (tag, body).
pub fn read_message(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).ok()?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0u8; len - 4];
    s.read_exact(&mut body).ok()?;
    Some((head[0], body))
}

/// A raw connection logged in as `qa`, positioned after the first ReadyForQuery.
pub fn logged_in(gw: &Gateway, db: &str) -> TcpStream {
    login(gw, db).unwrap_or_else(|e| panic!("login failed: {e}"))
}

/// Logs in as `qa` on a raw connection: the connection after the first ReadyForQuery,
/// or the body of the ErrorResponse the gateway answered with.
pub fn login(gw: &Gateway, db: &str) -> Result<TcpStream, String> {
    login_as(gw, db, "qa")
}

/// [`login`] as any demo consumer (with its password from [`PASSWORDS`]).
pub fn login_as(gw: &Gateway, db: &str, consumer: &str) -> Result<TcpStream, String> {
    let password = PASSWORDS
        .iter()
        .find(|(c, _)| *c == consumer)
        .map(|(_, p)| *p)
        .expect("a demo consumer");
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(&startup(consumer, db, &[])).unwrap();
    let mut scram = ScramSha256::new(password.as_bytes(), ChannelBinding::unsupported());
    loop {
        let (tag, body) = read_message(&mut s).ok_or("the connection closed during login")?;
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
            (b'Z', _) => return Ok(s),
            (b'E', _) => return Err(String::from_utf8_lossy(&body).into_owned()),
            _ => {}
        }
    }
}

/// Reads until the connection closes; returns every ErrorResponse body seen.
pub fn errors_until_close(s: &mut TcpStream) -> Vec<String> {
    let mut errors = Vec::new();
    while let Some((tag, body)) = read_message(s) {
        if tag == b'E' {
            errors.push(String::from_utf8_lossy(&body).into_owned());
        }
    }
    errors
}
