//! The demo database: created when missing, and the bank (re)loaded into it in one
//! transaction — the five tables dropped and made again from [`crate::demo::SCHEMA_SQL`],
//! so every run starts from the same rows and a re-run cleanly reuses the database.

use super::{Server, describe_error};
use crate::demo::{DemoData, SCHEMA_SQL, Table};

/// The default name of the demo database.
pub const DEMO_DATABASE: &str = "tuomin_demo";

/// Creates `db` on `server` unless it exists.
pub async fn ensure_database(server: &Server, db: &str) -> Result<(), String> {
    if !is_identifier(db) {
        return Err(format!(
            "database name {db:?}: use lowercase letters, digits and _ (like {DEMO_DATABASE})"
        ));
    }
    let client = server
        .connect(&server.maintenance_db)
        .await
        .map_err(|e| format!("cannot connect to {server}: {}", describe_error(&e)))?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
        .await
        .map_err(|e| {
            format!(
                "cannot list the databases of {server}: {}",
                describe_error(&e)
            )
        })?
        .is_some();
    if !exists {
        client
            .batch_execute(&format!(
                "CREATE DATABASE {db} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .await
            .map_err(|e| {
                format!(
                    "cannot create the database {db} on {server}: {}",
                    describe_error(&e)
                )
            })?;
    }
    Ok(())
}

/// Replaces the demo tables of `db` with `data`, atomically.
pub async fn load_bank(server: &Server, db: &str, data: &DemoData) -> Result<(), String> {
    let client = server
        .connect(db)
        .await
        .map_err(|e| format!("cannot connect to {db} on {server}: {}", describe_error(&e)))?;
    let mut sql = String::from("SET lock_timeout = '10s';\nBEGIN;\n");
    let tables: Vec<&str> = Table::ALL.iter().rev().map(|t| t.name()).collect();
    sql.push_str(&format!("DROP TABLE IF EXISTS {};\n", tables.join(", ")));
    sql.push_str(SCHEMA_SQL);
    let mut inserts = Vec::new();
    data.write_inserts(&mut inserts)
        .map_err(|e| format!("cannot write the demo bank: {e}"))?;
    sql.push_str(&String::from_utf8_lossy(&inserts));
    sql.push_str("COMMIT;\n");
    client.batch_execute(&sql).await.map_err(|e| {
        format!(
            "cannot load the demo bank into {db} on {server}: {} (is another tuomin demo \
             using it? stop it, or choose another database with --database)",
            describe_error(&e)
        )
    })
}

fn is_identifier(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_lowercase_database_names_are_accepted() {
        assert!(is_identifier("tuomin_demo"));
        assert!(is_identifier("demo_2"));
        assert!(!is_identifier("Demo"));
        assert!(!is_identifier("2demo"));
        assert!(!is_identifier("x; drop table customers"));
        assert!(!is_identifier(""));
    }
}
