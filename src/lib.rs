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
//! - [`discovery`]: detectors of sensitive values (cards, ID numbers, mobiles, e-mails,
//!   USCCs, names, addresses, track data), the column profiles and policy fragment of
//!   `tuomin scan`, and the egress scan of unclassified values.
//! - [`audit`]: the HMAC-chained audit trail: records, writer, verification.
//! - [`report`]: the delegated-processing report and the self-inspection inventory.
//! - [`staticmask`]: masking of CSV and JSON-lines files for hand-off to vendors.
//! - [`demo`]: the demo bank: its schema and a generator of realistic, fictional data;
//!   the PostgreSQL the demo finds or starts; `tuomin demo` live (both gateways in
//!   front of the bank, the commands to try, the self-check).
//! - [`pg`]: the PostgreSQL gateway: wire-protocol codec (framing with size caps, one
//!   file per message) and value codecs (text/binary per type OID); no I/O yet.
//! - [`http`]: the HTTP/JSON gateway for vendors: identity (mTLS / API key), routes,
//!   upstream, capped decoding, JSON masking by path and key name, lookups, limits.
//! - [`serve`]: the running gateway: the live policy (reload on SIGHUP or
//!   `POST /reload`), the connection registry that cuts a disabled consumer off, the
//!   listeners.
//! - [`admin`]: operations: Prometheus metrics, `/healthz` and `/readyz`, the admin
//!   listener of `[admin]`.
//! - [`sample_api`]: the demo bank's JSON API, the upstream the demo stands in front of.
//! - [`sql`]: the SQL gate: lineage analysis of every statement, refusal of every use
//!   of a sensitive column the policy does not allow, masked-value lookup rewrites.
//! - [`cli`]: the commands behind the `tuomin` binary.
#![forbid(unsafe_code)]

pub mod admin;
pub mod audit;
pub mod cli;
pub mod config;
pub mod demo;
pub mod discovery;
pub mod http;
pub mod keys;
pub mod pg;
pub mod policy;
pub mod report;
pub mod sample_api;
pub mod serve;
pub mod sql;
pub mod staticmask;
pub mod transform;
