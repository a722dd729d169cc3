//! The real `tuomin serve` binary with a PostgreSQL listener, stopped by SIGTERM: a
//! statement in flight finishes and its rows arrive, new connections are refused at
//! once, and the process exits 0 as soon as its sessions are done (well within the
//! grace). The HTTP side of the same is in `http_edges.rs`.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::gateway::{PASSWORDS, demo_policy};
use common::{PolicyDir, pg};

/// The real binary, killed on drop.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

#[test]
fn sigterm_lets_the_statement_in_flight_finish_then_exits_0() {
    let server = pg::server();
    let db = server.demo_database("gw_sigterm", 5, 41);
    let dir = PolicyDir::new();
    let path = demo_policy(&dir, server, "", "");
    let (pg_addr, http_addr) = (free_port(), free_port());
    let text = std::fs::read_to_string(&path)
        .expect("policy")
        .replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"{pg_addr}\""),
        )
        .replace("shutdown_grace_secs = 1", "shutdown_grace_secs = 60")
        .replace(
            "listen = \"127.0.0.1:8443\"",
            &format!("listen = \"{http_addr}\""),
        );
    std::fs::write(&path, text).expect("policy");
    let mut serve = Serve(
        Command::new(env!("CARGO_BIN_EXE_tuomin"))
            .args(["serve", "--config"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tuomin serve"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(pg_addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "tuomin serve did not listen on {pg_addr}"
        );
        assert!(
            serve.0.try_wait().expect("wait").is_none(),
            "tuomin serve exited"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let password = PASSWORDS.iter().find(|(c, _)| *c == "qa").expect("qa").1;
    let conninfo = format!(
        "host=127.0.0.1 port={} user=qa password={password} dbname={db}",
        pg_addr.port()
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (client, conn) = runtime
        .block_on(tokio_postgres::connect(&conninfo, tokio_postgres::NoTls))
        .expect("connect through the gateway");
    let conn = runtime.spawn(conn);
    let in_flight = runtime.spawn(async move {
        let rows = client
            .simple_query("select pg_sleep(1.5), customer_id, mobile from customers order by 2")
            .await;
        drop(client); // the session ends once its statement is answered
        rows
    });
    std::thread::sleep(Duration::from_millis(500));
    let pid = serve.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        std::net::TcpStream::connect(pg_addr).is_err(),
        "no new connection once stopping"
    );
    let messages = runtime
        .block_on(in_flight)
        .expect("task")
        .expect("the statement in flight is answered after SIGTERM");
    let rows = messages
        .iter()
        .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
        .count();
    assert_eq!(rows, 5, "every row of the statement in flight arrives");
    let _ = runtime.block_on(conn);
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = serve.0.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "tuomin serve still running 30 s after its last session ended (grace is 60 s)"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful stop exits 0: {exit}");
}
