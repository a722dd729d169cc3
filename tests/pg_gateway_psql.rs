//! The gateway in front of the demo bank, with psql as the client: masked values per
//! consumer, C3 refused, psql's `\d` working, writes refused.

mod common;

use std::io::Write;

use common::gateway::Gateway;
use common::pg;

#[test]
fn qa_sees_masked_card_numbers_and_never_the_real_ones() {
    let server = pg::server();
    let db = server.demo_database("gw_psql", 20, 7);
    let gw = Gateway::start(server);
    let real = server.psql(&db, "select card_no from cards order by card_id");
    let qa = gw.as_consumer("qa", &db);
    let masked = qa.psql(&db, "select card_no from cards order by card_id");
    assert_eq!(real.lines().count(), masked.lines().count());
    for (r, m) in real.lines().zip(masked.lines()) {
        assert_ne!(r, m);
        assert_eq!(r[..6], m[..6], "BIN kept");
        assert_eq!(r.len(), m.len());
    }
    let again = qa.psql(&db, "select card_no from cards order by card_id");
    assert_eq!(masked, again, "deterministic across connections");
}

#[test]
fn c3_columns_are_refused_with_42501_naming_the_column() {
    let server = pg::server();
    let db = server.demo_database("gw_c3", 10, 7);
    let gw = Gateway::start(server);
    let qa = gw.as_consumer("qa", &db);
    let out = qa.psql_output(
        &db,
        &["-X", "-A", "-t", "-c", "select card_id, cvv from cards"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cvv") && stderr.contains("C3"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
}

#[test]
fn psql_describe_commands_work_through_the_gateway() {
    let server = pg::server();
    let db = server.demo_database("gw_d", 5, 7);
    let gw = Gateway::start(server);
    let qa = gw.as_consumer("qa", &db);
    let list = qa.psql_output(&db, &["-X", "-c", "\\d"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(String::from_utf8_lossy(&list.stdout).contains("customers"));
    let table = qa.psql_output(&db, &["-X", "-c", "\\d customers"]);
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    assert!(String::from_utf8_lossy(&table.stdout).contains("id_number"));
}

#[test]
fn vendor_and_qa_see_different_masks() {
    let server = pg::server();
    let db = server.demo_database("gw_two", 10, 7);
    let gw = Gateway::start(server);
    let sql = "select customer_id, name, mobile from customers order by customer_id";
    let real = server.psql(&db, sql);
    let qa = gw.as_consumer("qa", &db).psql(&db, sql);
    let vendor = gw.as_consumer("vendor_collections", &db).psql(&db, sql);
    assert_ne!(qa, vendor);
    assert_ne!(qa, real);
    assert_ne!(vendor, real);
}

#[test]
fn writes_are_refused_for_read_only_consumers() {
    let server = pg::server();
    let db = server.demo_database("gw_write", 3, 7);
    let gw = Gateway::start(server);
    let qa = gw.as_consumer("qa", &db);
    for sql in [
        "delete from cards",
        "create table x as select * from customers",
        "copy cards from stdin",
    ] {
        let out = qa.psql_output(&db, &["-X", "-c", sql]);
        assert!(!out.status.success(), "{sql}");
    }
    assert_ne!(server.psql(&db, "select count(*) from cards").trim(), "0");
}

#[test]
fn a_wrong_password_is_refused() {
    let server = pg::server();
    let db = server.fresh_database("gw_pw");
    let gw = Gateway::start(server);
    let (ok, stderr) = gw.try_login("qa", &db, Some("wrong"));
    assert!(!ok);
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    let (ok, stderr) = gw.try_login("nobody", &db, Some("x"));
    assert!(!ok);
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
}

#[test]
fn every_statement_leaves_one_audit_record_without_values() {
    let server = pg::server();
    let db = server.demo_database("gw_audit", 5, 7);
    let gw = Gateway::start(server);
    let qa = gw.as_consumer("qa", &db);
    qa.psql(&db, "select card_no from cards where card_id = 1");
    let _ = qa.psql_output(&db, &["-X", "-c", "select cvv from cards"]);
    let real = server.psql(&db, "select card_no from cards where card_id = 1");
    let decided =
        |records: &[serde_json::Value], d: &str| records.iter().any(|r| r["decision"] == d);
    gw.audit_records_until(|r| decided(r, "refused") && decided(r, "masked"));
    let text = gw.audit_text();
    assert!(text.contains("\"channel\":\"postgres\""), "{text}");
    assert!(
        text.contains("public.cards.card_no") && text.contains("fpe_card"),
        "{text}"
    );
    assert!(
        text.contains("\"masked\"") && text.contains("\"refused\""),
        "{text}"
    );
    assert!(!text.contains(real.trim()), "no value in the audit trail");
    assert!(
        text.contains("card_id = ?"),
        "literals removed from the fingerprint: {text}"
    );
}

#[test]
fn refused_logins_and_replication_connections_leave_audit_records_without_the_password() {
    let server = pg::server();
    let db = server.fresh_database("gw_audit_login");
    let gw = Gateway::start(server);
    assert!(!gw.try_login("qa", &db, Some("a-wrong-guess")).0);
    // A name no consumer has, longer than any PostgreSQL identifier: cut in the record.
    let long = format!("intruder{}", "x".repeat(200));
    assert!(!gw.try_login(&long, &db, Some("x")).0);
    let logins = |records: &[serde_json::Value]| {
        records
            .iter()
            .filter(|r| r["fingerprint"] == "login")
            .cloned()
            .collect::<Vec<_>>()
    };
    let records = logins(&gw.audit_records_until(|r| logins(r).len() == 2));
    assert_eq!(records.len(), 2, "{records:?}");
    let (qa, intruder) = (&records[0], &records[1]);
    assert_eq!(qa["consumer"], "qa");
    assert_eq!(qa["scenario"], "dev_test");
    assert_eq!(qa["decision"], "refused");
    assert_eq!(qa["channel"], "postgres");
    assert_eq!(qa["source"][0], db.as_str());
    assert_eq!(qa["rows"], 0);
    assert!(
        qa["client"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{qa}"
    );
    let reason = qa["reason"].as_str().unwrap();
    assert!(
        reason.contains("password authentication failed"),
        "{reason}"
    );
    let name = intruder["consumer"].as_str().unwrap();
    assert_eq!(name.len(), 63, "{name}");
    assert!(long.starts_with(name));
    assert_eq!(intruder["scenario"], "unknown");
    assert!(!intruder["reason"].as_str().unwrap().contains(&long));
    assert!(
        !gw.audit_text().contains("a-wrong-guess"),
        "no password in the trail"
    );

    // A replication connection (a way to copy the whole database) is refused at its
    // startup, and recorded too.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    s.write_all(&common::wire::startup(
        "qa",
        &db,
        &[("replication", "database")],
    ))
    .unwrap();
    let errors = common::wire::errors_until_close(&mut s);
    assert!(
        errors[0].contains("replication connections are refused"),
        "{errors:?}"
    );
    let is_replication = |r: &serde_json::Value| {
        r["fingerprint"] == "login"
            && r["reason"]
                .as_str()
                .is_some_and(|m| m.contains("replication"))
    };
    let replication = gw
        .audit_records_until(|r| r.iter().any(is_replication))
        .into_iter()
        .find(is_replication)
        .expect("the refused replication connection is audited");
    assert_eq!(replication["consumer"], "qa");
    assert_eq!(replication["decision"], "refused");
}
