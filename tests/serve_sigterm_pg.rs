//! The real `tuomin serve` binary with a PostgreSQL listener, stopped by SIGTERM: a
//! statement in flight finishes and its rows arrive, new connections are refused at
//! once, and the process exits 0 as soon as its sessions are done (well within the
//! grace). The HTTP side of the same is in `http_edges.rs`.

#[path = "common/cli.rs"]
mod cli;
mod common;

use std::time::Duration;

use common::gateway::{PASSWORDS, demo_policy};
use common::{PolicyDir, pg};

#[test]
fn sigterm_lets_the_statement_in_flight_finish_then_exits_0() {
    let server = pg::server();
    let db = server.demo_database("gw_sigterm", 5, 41);
    let dir = PolicyDir::new();
    let path = demo_policy(&dir, server, "", "");
    let (pg_addr, http_addr) = (cli::free_loopback_addr(), cli::free_loopback_addr());
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
    let config = path.display().to_string();
    let mut serve = cli::start(dir.path(), &["serve", "--config", &config], &[]);
    serve.wait_listening(pg_addr, Duration::from_secs(60));
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
    serve.signal("TERM");
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
    // Well within the 60 s grace: the process ends once its last session has.
    let exit = serve.wait(Duration::from_secs(30));
    assert!(
        exit.status.success(),
        "graceful stop exits 0\n{}",
        exit.both()
    );
}
