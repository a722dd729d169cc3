//! tuomin (脱敏): a data-masking gateway.
//!
//! # Layout
//!
//! - [`keys`]: the master key and every key derived from it (HKDF, per purpose, scope
//!   and field); never printed.
//! - [`transform`]: one file per transform family (FF1, formats, tokens, masks,
//!   generalization, noise, date shift, fakes); knows nothing of SQL or HTTP.
//! - [`config`]: the policy file's TOML schema, loading with line numbers, validation.
//! - [`policy`]: the compiled policy: taxonomy of categories and grades, dictionary,
//!   consumers and scenarios, and the decision for each (consumer, field).
//! - [`staticmask`]: masking of CSV and JSON-lines files for hand-off to vendors.
//! - [`demo`]: the demo bank: its schema and a generator of realistic, fictional data.
//! - [`cli`]: the commands behind the `tuomin` binary.
#![forbid(unsafe_code)]

pub mod audit;
pub mod cli;
pub mod config;
pub mod http;
pub mod keys;
pub mod policy;
pub mod sample_api;
pub mod serve;
pub mod staticmask;
pub mod transform;
