//! `tuomin scan`: discovery of sensitive columns in a PostgreSQL database.
//!
//! Connects to `--upstream` as an ordinary client, lists every user table (ordinary,
//! partitioned and materialized; not `pg_catalog`, `information_schema` or TOAST),
//! samples up to `--sample` rows of each (`TABLESAMPLE SYSTEM` on large tables, a plain
//! `LIMIT` on small ones), every column cast to text, and runs the detectors on every
//! value. Prints the findings per column (hit rates and masked examples, never a raw
//! value), compared with `--config`'s dictionary when given, and writes the dictionary
//! fragment to `--out`.
//!
//! The session is read-only (`default_transaction_read_only`) with a statement
//! timeout. TLS is not used by this command (`NoTls`): it is meant to run inside the
//! institution's network next to the database, by an operator; the password may come
//! from `PGPASSWORD` instead of the URL (which `ps` would show).

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context as _, Result};
use tokio_postgres::{Client, NoTls};

use crate::discovery::fragment::fragment;
use crate::discovery::profile::ColumnProfile;
use crate::discovery::review::{self, TableFindings};

/// The most rows sampled per table.
const MAX_SAMPLE: u64 = 1_000_000;
/// Type categories (`pg_type.typcategory`) that cannot hold what the detectors find:
/// booleans, dates and times, intervals, geometry, network addresses, bit strings,
/// ranges.
const SKIPPED_TYPES: &[&str] = &["B", "D", "T", "G", "I", "V", "R"];

/// The options of one scan.
pub struct ScanArgs {
    pub upstream: String,
    pub sample: u64,
    pub config: Option<PathBuf>,
    pub out: Option<PathBuf>,
}

/// Runs the scan; returns the printed report.
pub fn run(args: &ScanArgs) -> Result<String> {
    anyhow::ensure!(
        (1..=MAX_SAMPLE).contains(&args.sample),
        "--sample must be from 1 to {MAX_SAMPLE}"
    );
    let policy = args
        .config
        .as_deref()
        .map(crate::config::load)
        .transpose()?;
    let mut config = tokio_postgres::Config::from_str(&args.upstream)
        .map_err(|e| anyhow::anyhow!("--upstream is not a PostgreSQL URL: {e}"))?;
    if config.get_password().is_none()
        && let Some(password) = std::env::var_os("PGPASSWORD")
    {
        config.password(password.to_string_lossy().as_bytes());
    }
    let origin = origin(&config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let tables = runtime.block_on(sample_database(&config, args.sample))?;
    let mut text = format!(
        "tuomin scan of {origin}: {} table(s), at most {} row(s) sampled per table\n\n",
        tables.len(),
        args.sample
    );
    text.push_str(&review::render(&tables, policy.as_ref()));
    if let Some(out) = &args.out {
        let body = fragment(&tables, policy.as_ref(), &origin);
        std::fs::write(out, body).with_context(|| format!("cannot write {}", out.display()))?;
        text.push_str(&format!(
            "wrote the dictionary fragment {}\n",
            out.display()
        ));
    }
    Ok(text)
}

/// `database bank on 127.0.0.1:5432 as scanner` (never the password).
fn origin(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "database {} on {host}:{port} as {}",
        config.get_dbname().unwrap_or("(default)"),
        config.get_user().unwrap_or("(default user)")
    )
}

async fn sample_database(
    config: &tokio_postgres::Config,
    sample: u64,
) -> Result<Vec<TableFindings>> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .context("cannot connect to the upstream database")?;
    let task = tokio::spawn(connection);
    client
        .batch_execute("SET default_transaction_read_only = on; SET statement_timeout = '120s'")
        .await
        .context("cannot set the session read-only")?;
    let mut out = Vec::new();
    for table in list_tables(&client).await? {
        let findings = sample_table(&client, &table, sample)
            .await
            .with_context(|| format!("sampling {}.{} failed", table.schema, table.name))?;
        out.push(findings);
    }
    drop(client);
    let _ = task.await;
    Ok(out)
}

/// A user table to sample.
struct TableRef {
    schema: String,
    name: String,
    oid: u32,
    /// The planner's row estimate (negative or zero when never analysed).
    estimate: f64,
}

async fn list_tables(client: &Client) -> Result<Vec<TableRef>> {
    let rows = client
        .query(
            "SELECT n.nspname::text, c.relname::text, c.oid, c.reltuples::float8 \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
             ORDER BY 1, 2",
            &[],
        )
        .await
        .context("cannot list the tables")?;
    rows.iter()
        .map(|r| {
            Ok(TableRef {
                schema: r.try_get(0)?,
                name: r.try_get(1)?,
                oid: r.try_get(2)?,
                estimate: r.try_get(3)?,
            })
        })
        .collect()
}

/// A column of a table: its name, whether it is sampled, whether it is numeric.
struct ColumnRef {
    name: String,
    sampled: bool,
    numeric: bool,
}

async fn columns(client: &Client, table: &TableRef) -> Result<Vec<ColumnRef>> {
    let rows = client
        .query(
            "SELECT a.attname::text, t.typcategory::text \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&table.oid],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let category: String = r.try_get(1)?;
            Ok(ColumnRef {
                name: r.try_get(0)?,
                sampled: !SKIPPED_TYPES.contains(&category.as_str()),
                numeric: category == "N",
            })
        })
        .collect()
}

async fn sample_table(client: &Client, table: &TableRef, sample: u64) -> Result<TableFindings> {
    let columns = columns(client, table).await?;
    let mut profiles: Vec<(String, ColumnProfile)> = columns
        .iter()
        .map(|c| (c.name.clone(), ColumnProfile::new(c.numeric)))
        .collect();
    let sampled: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].sampled).collect();
    let mut rows_read = 0;
    if !sampled.is_empty() {
        let list: Vec<String> = sampled
            .iter()
            .map(|&i| format!("{}::text", ident(&columns[i].name)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {}.{}{} LIMIT {sample}",
            list.join(", "),
            ident(&table.schema),
            ident(&table.name),
            tablesample(table.estimate, sample)
        );
        for row in client.query(&sql, &[]).await? {
            rows_read += 1;
            for (at, &i) in sampled.iter().enumerate() {
                let value: Option<&str> = row.try_get(at)?;
                profiles[i].1.add(value);
            }
        }
    }
    Ok(TableFindings {
        table: format!("{}.{}", table.schema, table.name),
        sampled: rows_read,
        columns: profiles,
    })
}

/// `TABLESAMPLE SYSTEM (p)` when the table is much larger than the sample (pages are
/// picked at random, about four times the rows needed); nothing for small tables.
fn tablesample(estimate: f64, sample: u64) -> String {
    let wanted = 4.0 * sample as f64;
    if estimate <= 10.0 * sample as f64 {
        return String::new();
    }
    let percent = (100.0 * wanted / estimate).clamp(0.0001, 100.0);
    format!(" TABLESAMPLE SYSTEM ({percent:.4})")
}

/// A quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_with_inner_quotes_doubled() {
        assert_eq!(ident("memo"), "\"memo\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn only_large_tables_are_sampled_by_pages() {
        assert_eq!(tablesample(-1.0, 100), "");
        assert_eq!(tablesample(500.0, 100), "");
        assert_eq!(
            tablesample(1_000_000.0, 100),
            " TABLESAMPLE SYSTEM (0.0400)"
        );
    }

    #[test]
    fn the_origin_never_shows_the_password() {
        let config =
            tokio_postgres::Config::from_str("postgres://scanner:s3cret@db.example:6432/bank")
                .unwrap();
        let text = origin(&config);
        assert_eq!(text, "database bank on db.example:6432 as scanner");
    }
}
