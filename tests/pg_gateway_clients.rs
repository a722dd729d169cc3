//! The gateway under the clients test environments and vendors really use, each with
//! its own connection setup and introspection: SQLAlchemy 2 reflection (an ORM, over
//! psycopg 3), asyncpg (type introspection, prepared statements) and pgjdbc
//! (DatabaseMetaData as IDEs and ORMs call it). Each must work through the SQL gate,
//! see masked values only, and have C3 refused with 42501. The client programs are
//! under `tests/clients/`; `.ci/run` installs the clients.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::gateway::{Gateway, assert_no_secret, secrets};
use common::pg;

fn client(name: &str) -> PathBuf {
    common::repo_root().join("tests/clients").join(name)
}

/// Runs a client program with a generous bound (a hung client fails, not hangs).
fn run(cmd: &mut Command, what: &str) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = common::output_within_limit(cmd);
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    assert!(
        status.success(),
        "{what} failed: {status}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

fn require_python_module(module: &str, install: &str) {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "python module {module} is missing: run `{install}`");
}

/// The masked rows a client printed (`row a|b|c`), at least `min` of them.
fn rows(out: &str, min: usize) -> Vec<&str> {
    let rows: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("row ")).collect();
    assert!(rows.len() >= min, "expected at least {min} rows:\n{out}");
    rows
}

fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key).map(str::trim))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{out}"))
}

#[test]
fn sqlalchemy_reflects_the_schema_and_selects_masked_values() {
    require_python_module("sqlalchemy", "pip install sqlalchemy \"psycopg[binary]\"");
    require_python_module("psycopg", "pip install \"psycopg[binary]\"");
    let server = pg::server();
    let db = server.demo_database("gw_sqlalchemy", 10, 23);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let c = gw.as_consumer("qa", &db);
    let url = format!(
        "postgresql+psycopg://{}:{}@127.0.0.1:{}/{db}",
        c.user,
        c.password.unwrap_or_default(),
        c.port
    );
    let out = run(
        Command::new("python3")
            .arg(client("sqlalchemy_reflect.py"))
            .arg(&url),
        "SQLAlchemy",
    );
    assert_no_secret(&out, &secrets);
    assert_eq!(line(&out, "has_table"), "True", "{out}");
    assert!(line(&out, "tables").contains("cards,customers"), "{out}");
    assert!(line(&out, "columns").contains("mobile"), "{out}");
    assert_eq!(line(&out, "pk"), "card_id", "{out}");
    assert_eq!(line(&out, "fks"), "customers", "{out}");
    assert_eq!(line(&out, "c3 refused"), "42501", "{out}");
    for row in rows(&out, 5) {
        let mobile = row.split('|').nth(1).expect("mobile");
        assert_eq!(mobile.len(), 11, "a masked mobile keeps its shape: {row}");
    }
}

#[test]
fn asyncpg_introspects_and_fetches_masked_values() {
    require_python_module("asyncpg", "pip install asyncpg");
    let server = pg::server();
    let db = server.demo_database("gw_asyncpg", 10, 29);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let c = gw.as_consumer("vendor_collections", &db);
    let out = run(
        Command::new("python3")
            .arg(client("asyncpg_fetch.py"))
            .args([
                "127.0.0.1".to_owned(),
                c.port.to_string(),
                c.user.clone(),
                c.password.clone().unwrap_or_default(),
                db.clone(),
            ]),
        "asyncpg",
    );
    assert_no_secret(&out, &secrets);
    assert_eq!(line(&out, "introspected"), "True", "{out}");
    assert_eq!(line(&out, "c3 refused"), "42501", "{out}");
    for row in rows(&out, 3) {
        let mobile = row.split('|').nth(1).expect("mobile");
        assert!(
            mobile.contains('*'),
            "the vendor sees a masked mobile: {row}"
        );
    }
}

#[test]
fn pgjdbc_metadata_and_prepared_statements_work_through_the_gateway() {
    let jar = PathBuf::from("/usr/share/java/postgresql.jar");
    assert!(
        jar.exists(),
        "pgjdbc is missing: run `apt-get install libpostgresql-jdbc-java default-jdk-headless`"
    );
    let server = pg::server();
    let db = server.demo_database("gw_pgjdbc", 10, 31);
    let secrets = secrets(server, &db);
    let gw = Gateway::start(server);
    let c = gw.as_consumer("qa", &db);
    let url = format!(
        "jdbc:postgresql://127.0.0.1:{}/{db}?sslmode=disable",
        c.port
    );
    let out = run(
        Command::new("java")
            .arg("-cp")
            .arg(&jar)
            .arg(client("Jdbc.java"))
            .args([url, c.user.clone(), c.password.clone().unwrap_or_default()]),
        "pgjdbc",
    );
    assert_no_secret(&out, &secrets);
    assert!(line(&out, "tables").contains("customers"), "{out}");
    assert!(line(&out, "columns").contains("mobile"), "{out}");
    assert_eq!(line(&out, "pk"), "card_id", "{out}");
    assert_eq!(line(&out, "fk"), "customers", "{out}");
    assert_eq!(line(&out, "c3 refused"), "42501", "{out}");
    rows(&out, 3);
}
