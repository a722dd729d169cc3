//! The policy file: its TOML schema ([`schema`]), loading with file-and-line errors
//! ([`load`]), and the checks that refuse a dangerous policy before it takes effect
//! ([`validate`]). [`postgres`] is the PostgreSQL gateway's section, [`admin`] the
//! operations listener's. A policy that fails any check never becomes the running policy.

pub mod admin;
mod compile;
mod error;
pub mod http;
mod http_compile;
mod keyring;
mod load;
pub mod postgres;
mod scan;
pub mod schema;
pub mod sql;
mod validate;

pub use compile::JSON_TABLE;
pub use error::{PolicyError, PolicyErrors};
pub use load::{load, load_str};
pub use schema::{ScanHit, Unclassified};
pub use sql::{SqlSettings, StarPolicy};
