//! The PostgreSQL test harness itself: it finds or starts a server and loads the demo
//! bank, so every gateway test can rely on it.

mod common;

use common::pg;

#[test]
fn the_demo_bank_loads_into_a_fresh_database() {
    let server = pg::server();
    let db = server.demo_database("harness", 20, 7);
    let count = server.psql(&db, "select count(*) from customers");
    assert_eq!(count.trim(), "20");
    let cards = server.psql(&db, "select count(*) > 0 from cards");
    assert_eq!(cards.trim(), "t");
}

#[test]
fn fresh_databases_are_distinct() {
    let server = pg::server();
    let a = server.fresh_database("harness");
    let b = server.fresh_database("harness");
    assert_ne!(a, b);
}
