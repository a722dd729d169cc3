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

/// The message of the gateway's refusal of `sql`.
async fn refusal(client: &tokio_postgres::Client, sql: &str) -> String {
    let refused = client.query(sql, &[]).await.expect_err("a refusal");
    let db = refused.as_db_error().expect("an error from the gateway");
    assert_eq!(db.code().code(), "42501", "{}", db.message());
    db.message().to_owned()
}

/// `tuomin serve` with the demo policy (written in `dir`) in front of `db`, and a
/// session as `qa`.
async fn serve_and_connect(
    dir: &PolicyDir,
    server: &pg::PgServer,
    db: &str,
) -> (
    tuomin::serve::Running,
    std::path::PathBuf,
    tokio_postgres::Client,
) {
    let path = demo_policy(dir, server, "", "");
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
    (running, path, qa)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_reload_applies_to_the_next_result_of_an_open_session() {
    let server = pg::server();
    let db = server.demo_database("gw_plan_cache", 5, 5);
    let dir = PolicyDir::new();
    let (running, path, qa) = serve_and_connect(&dir, server, &db).await;
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

/// What a session keeps of its last statement (the gate, its analysis of the text,
/// the policy and catalog snapshot it was made on) is not reused once the search
/// path or the catalog changed: the same text then reads another table, and is
/// judged on that table. A policy reload marks the catalog stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_text_is_judged_again_after_the_search_path_or_the_catalog_changed() {
    let server = pg::server();
    let db = server.demo_database("gw_kept_analysis", 5, 6);
    server.psql(
        &db,
        "create schema shadow; \
         create table shadow.customers (mobile text); \
         insert into shadow.customers values ('13800138000');",
    );
    let dir = PolicyDir::new();
    let (running, _, qa) = serve_and_connect(&dir, server, &db).await;
    // (Not ordered by the masked column: the gate refuses that.)
    let sql = "select mobile from customers";
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let masked = sorted(mobiles(&qa, sql).await);
    assert_eq!(masked.len(), 5);
    assert_eq!(
        sorted(mobiles(&qa, sql).await),
        masked,
        "the same text, kept"
    );

    // The same text now reads shadow.customers, which the dictionary does not know:
    // the demo policy refuses unclassified columns.
    qa.batch_execute("set search_path = shadow, public")
        .await
        .expect("set search_path");
    let message = refusal(&qa, sql).await;
    assert!(
        message.contains("shadow.customers"),
        "judged on the table it reads now: {message}"
    );
    assert!(!message.contains("13800138000"), "{message}");

    // Back on public, then a catalog change made straight on the upstream (DDL through
    // the gateway is refused for qa): public.customers set aside, shadow.customers
    // moved into its place.
    qa.batch_execute("set search_path = public")
        .await
        .expect("reset search_path");
    assert_eq!(sorted(mobiles(&qa, sql).await), masked, "public again");
    server.psql(
        &db,
        "alter table public.customers rename to customers_old; \
         alter table shadow.customers set schema public;",
    );
    // Before the reload the gateway still reads the old catalog: the table moved in
    // is known to it as shadow.customers, and the result is withheld (fail closed).
    let message = refusal(&qa, sql).await;
    assert!(message.contains("shadow.customers"), "{message}");
    // A reload marks the catalog stale: the same text is judged again on the moved
    // table, now public.customers, whose mobile the dictionary masks.
    running.live.reload().expect("reload");
    let moved = mobiles(&qa, sql).await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_ne!(moved[0], "13800138000", "masked");
    assert_eq!(&moved[0][..3], "138", "fpe_mobile keeps the network prefix");
    running.shutdown().await;
}
