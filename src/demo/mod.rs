//! The demo bank: its PostgreSQL schema ([`SCHEMA_SQL`]) and a deterministic generator
//! of realistic, fictional data for it ([`DemoData`]) — valid card numbers (Luhn, BIN
//! 62…), valid ID numbers (real region codes and birth dates, GB 11643 check
//! character), mobiles, Chinese names and addresses — written as SQL, CSV or JSON
//! lines. Table and column names are stable: the demo policy, tests and docs use them.
//!
//! Layout: `generate` (the records and the generator), `values` (one generator per
//! kind of value, and their check digits), `write` (SQL, CSV and JSON-lines writers);
//! `postgres` (the PostgreSQL the live demo finds or starts, and the bank loaded into
//! it) and `live` (`tuomin demo`: both gateways in front of the bank, the printed
//! commands, the self-check).

pub mod generate;
pub mod live;
pub mod postgres;
pub mod values;
pub mod write;

pub use generate::{Account, Card, Customer, DemoData, SmsCode, Transaction};
pub use write::Table;

/// The schema the generated data loads into (`CREATE TABLE` statements).
pub const SCHEMA_SQL: &str = include_str!("schema.sql");

#[cfg(test)]
mod tests;
