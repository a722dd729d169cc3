//! The per-session plan cache never outlives what a plan was built from: after a
//! policy reload, the next result of an open session — same statement, same
//! RowDescription — is masked under the new policy.

mod common;

use common::PolicyDir;
use common::gateway::demo_policy;
use common::pg;
use tokio_postgres::NoTls;

async fn mobiles(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .expect("select")
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_reload_applies_to_the_next_result_of_an_open_session() {
    let server = pg::server();
    let db = server.demo_database("gw_plan_cache", 5, 5);
    let dir = PolicyDir::new();
    let path = demo_policy(&dir, server, "", "");
    let options = tuomin::serve::ServeOptions {
        http_listen: Some("127.0.0.1:0".parse().unwrap()),
        admin_listen: None,
        grace: None,
    };
    let running = tuomin::serve::start(&path, options).await.expect("serve");
    let port = running.postgres_addr.expect("postgres listener").port();
    let info = format!("host=127.0.0.1 port={port} user=qa password=qa-secret-1 dbname={db}");
    let (qa, conn) = tokio_postgres::connect(&info, NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    let sql = "select mobile from customers order by customer_id";
    let before = mobiles(&qa, sql).await;
    assert_eq!(before.len(), 5);
    assert_eq!(
        mobiles(&qa, sql).await,
        before,
        "deterministic, from the cached plan"
    );

    // Another pseudonym domain for customers.mobile: other keys, other pseudonyms.
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "mobile = { category = \"mobile\", domain = \"mobile\" }",
        "mobile = { category = \"mobile\", domain = \"mobile-after-reload\" }",
        1,
    );
    std::fs::write(&path, text).unwrap();
    running.live.reload().expect("reload");
    let after = mobiles(&qa, sql).await;
    assert_eq!(after.len(), 5);
    for (old, new) in before.iter().zip(&after) {
        assert_ne!(old, new, "a plan of the old policy was reused");
        assert_eq!(
            old[..3],
            new[..3],
            "still fpe_mobile: the network prefix stays"
        );
    }
    running.shutdown().await;
}
