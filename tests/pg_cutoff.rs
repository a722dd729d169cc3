//! Cut-off for PostgreSQL sessions: a policy reload that disables a consumer closes
//! its open PostgreSQL sessions within one second, as it does HTTP connections; other
//! consumers' sessions go on.

mod common;

use std::time::{Duration, Instant};

use common::PolicyDir;
use common::gateway::demo_policy;
use common::pg;
use tokio_postgres::NoTls;

async fn connect(port: u16, consumer: &str, password: &str, db: &str) -> tokio_postgres::Client {
    let info =
        format!("host=127.0.0.1 port={port} user={consumer} password={password} dbname={db}");
    let (client, conn) = tokio_postgres::connect(&info, NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_consumer_closes_its_open_postgres_sessions_within_one_second() {
    let server = pg::server();
    let db = server.demo_database("gw_cutoff", 3, 5);
    let dir = PolicyDir::new();
    let path = demo_policy(&dir, server, "", "");
    let options = tuomin::serve::ServeOptions {
        http_listen: Some("127.0.0.1:0".parse().unwrap()),
        ..Default::default()
    };
    let running = tuomin::serve::start(&path, options).await.expect("serve");
    let port = running.postgres_addr.expect("postgres listener").port();
    let vendor = connect(port, "vendor_collections", "vendor-secret-2", &db).await;
    let qa = connect(port, "qa", "qa-secret-1", &db).await;
    assert!(vendor.simple_query("select 1").await.is_ok());
    assert!(qa.simple_query("select 1").await.is_ok());

    let text = std::fs::read_to_string(&path).unwrap().replace(
        "[consumers.vendor_collections]\n",
        "[consumers.vendor_collections]\nenabled = false\n",
    );
    std::fs::write(&path, text).unwrap();
    let started = Instant::now();
    let cut = running.live.reload().expect("reload").cut_off;
    assert!(cut >= 1, "the vendor's session is cut off");
    while !vendor.is_closed() {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the vendor's session is still open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(vendor.simple_query("select 1").await.is_err());
    assert!(qa.simple_query("select 1").await.is_ok(), "qa goes on");
    running.shutdown().await;
}
