//! The policy file's TOML schema, as written by a security engineer. Every table
//! rejects unknown fields; every field's default is stated here.
//!
//! ```toml
//! version = 1
//!
//! [keys]
//! master_key_file = "keys/master.key"   # relative to the policy file
//! master_key_env = "TUOMIN_MASTER_KEY"  # wins over the file when set
//!
//! [defaults]
//! unclassified = "refuse"               # pass | refuse | scan
//! scan_hit = "mask"                     # under scan: mask | refuse a detected value
//!
//! [categories.loyalty_no]               # custom categories need a grade
//! grade = "C2"
//!
//! [dictionary."public.customers"]       # schema.table → column → category
//! name = "name"
//! mobile = { category = "mobile", domain = "mobile" }
//!
//! [json_keys]                          # a key name anywhere in a JSON document
//! cvv = "cvv"
//!
//! [consumers.qa]
//! scenario = "dev_test"
//! key_scope = "test-env"
//!
//! [[rules]]                             # scenario or consumer × category or grade
//! scenario = "outsourced"
//! category = "card_number"
//! transform = "mask"
//! params = { keep_first = 6, keep_last = 4 }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::policy::{Grade, Scenario};

/// The whole policy file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Schema version of the file; only 1 exists.
    pub version: Spanned<u32>,
    /// Where the master key comes from (never the key itself).
    pub keys: KeysSection,
    /// Defaults for what the dictionary does not classify.
    #[serde(default)]
    pub defaults: DefaultsSection,
    /// Custom categories, by name.
    #[serde(default)]
    pub categories: BTreeMap<String, Spanned<CategoryDef>>,
    /// `schema.table` → column → category (a string) or an entry table.
    #[serde(default)]
    pub dictionary: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    /// JSON key name → category, wherever the key appears in a document (a `cvv` key
    /// three levels deep is still C3). Same entry forms as the dictionary.
    #[serde(default)]
    pub json_keys: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// Consumers, by name (for PostgreSQL, the user name they log in with).
    #[serde(default)]
    pub consumers: BTreeMap<Spanned<String>, Spanned<ConsumerDef>>,
    /// Rules that override the scenario defaults.
    #[serde(default)]
    pub rules: Vec<Spanned<RuleDef>>,
    /// The audit trail. Without this section nothing is recorded, which
    /// `tuomin check` points out.
    pub audit: Option<AuditSection>,
    /// The HTTP/JSON gateway for vendors (see [`super::http`]).
    pub http: Option<super::http::HttpDef>,
    /// The SQL gate's knobs (`super::sql`); defaults when absent.
    #[serde(default)]
    pub sql: super::sql::SqlSection,
    /// The PostgreSQL gateway (see [`super::postgres`]).
    pub postgres: Option<super::postgres::PostgresDef>,
    /// The operations listener: metrics, health, reload (see [`super::admin`]).
    pub admin: Option<super::admin::AdminDef>,
}

/// `[audit]`: where the tamper-evident trail is written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    /// A JSON-lines file, relative to the policy file; rotated to `FILE.1`, `FILE.2`, ….
    pub file: Option<String>,
    /// Also (or only) write records to standard output. Default false.
    #[serde(default)]
    pub stdout: bool,
    /// Rotate the file when it would exceed this many bytes. Default 100 MiB.
    #[serde(default = "default_rotate_bytes")]
    pub rotate_bytes: u64,
    /// `required` (default): stop serving when records cannot be written;
    /// `best_effort`: go on, loudly.
    #[serde(default)]
    pub mode: AuditModeDef,
}

fn default_rotate_bytes() -> u64 {
    100 * 1024 * 1024
}

/// `[audit] mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuditModeDef {
    #[default]
    Required,
    BestEffort,
}

/// `[keys]`: where the master key is read from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysSection {
    /// A key file written by `tuomin keygen`, relative to the policy file. Optional
    /// when `master_key_env` is given.
    pub master_key_file: Option<String>,
    /// An environment variable holding the key; wins over the file when set.
    /// Default: `TUOMIN_MASTER_KEY`.
    #[serde(default = "default_key_env")]
    pub master_key_env: String,
    /// The version of the master key (carried with reversible pseudonyms). Default 1.
    #[serde(default = "default_key_id")]
    pub key_id: u32,
    /// Earlier master key versions, kept so pseudonyms issued under them can still be
    /// reversed (masked-value lookup) and audit records sealed with them verified.
    #[serde(default)]
    pub previous: Vec<PreviousKeyDef>,
}

/// `[[keys.previous]]`: an earlier master key version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousKeyDef {
    pub key_id: u32,
    /// Its key file, relative to the policy file (`tuomin keys retire` destroys it).
    pub master_key_file: Option<String>,
    /// Or an environment variable holding it.
    pub master_key_env: Option<String>,
}

fn default_key_env() -> String {
    "TUOMIN_MASTER_KEY".to_owned()
}

fn default_key_id() -> u32 {
    1
}

/// What happens to a column or field the dictionary does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unclassified {
    /// Unknown fields pass unchanged (needs `unclassified_pass_reason`).
    Pass,
    /// Unknown fields are refused (the default: fail closed).
    #[default]
    Refuse,
    /// Unknown fields are scanned for sensitive values on the way out.
    Scan,
}

/// Under `unclassified = "scan"`: what happens when a sensitive value is detected in
/// an unclassified field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScanHit {
    /// The detected span is masked as its category, with the consumer's decision for
    /// that category (the default).
    #[default]
    Mask,
    /// The statement, response or file is refused.
    Refuse,
}

/// `[defaults]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSection {
    /// Default `refuse`.
    pub unclassified: Option<Spanned<Unclassified>>,
    /// What a detected value does under `unclassified = "scan"`. Default `mask`.
    #[serde(default)]
    pub scan_hit: ScanHit,
    /// Why unclassified data may pass: required with `unclassified = "pass"`, recorded.
    pub unclassified_pass_reason: Option<String>,
    /// Outputs each format-preserving transform remembers (per consumer and field), so
    /// a value seen again is not encrypted again; 0 turns the memo off (and with it
    /// the PostgreSQL gateway's memo of whole masked rows, `pg::rows::row_memo`).
    /// Default [`crate::transform::memo::DEFAULT_ENTRIES`]. See `transform::memo`.
    pub pseudonym_memo: Option<usize>,
}

/// `[categories.NAME]`: a custom category.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    pub grade: Grade,
    /// Auxiliary authentication data (like SMS codes): never shared. Default false.
    #[serde(default)]
    pub auxiliary_auth: bool,
    #[serde(default)]
    pub description: String,
}

/// The table form of a dictionary entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryDef {
    pub category: String,
    /// The pseudonym domain: columns with the same domain get the same pseudonym for
    /// the same value, so they still join. Default: `schema.table.column`.
    pub domain: Option<String>,
    /// A column of the same table whose value identifies the person this value belongs
    /// to (for `date_shift` and `noise`, which treat one person's values alike).
    pub subject: Option<String>,
    /// Why a column whose name looks like authentication data is not C3 (recorded).
    pub not_secret: Option<String>,
}

/// `[consumers.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerDef {
    pub scenario: Scenario,
    /// Pseudonyms differ between scopes: two vendors cannot join their data.
    pub key_scope: String,
    #[serde(default)]
    pub description: String,
    /// A disabled consumer is refused everything. Default true.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// For `offshore`: the reference of the approved cross-border transfer (security
    /// assessment, consent, contract). Without it, C2 is refused offshore.
    pub approved_transfer: Option<String>,
    /// HTTP API keys, as hashes `sha256:<hex>` (never the key). Default none.
    #[serde(default)]
    pub api_keys: Vec<Spanned<String>>,
    /// Client certificate names that identify this consumer over mutual TLS:
    /// `CN=<subject common name>` or `DNS:<subject alternative name>`. Default none.
    #[serde(default)]
    pub client_cert: Vec<String>,
    /// Requests per second over HTTP (burst of the same size). Default unlimited.
    pub requests_per_second: Option<u32>,
    /// Records returned per hour over HTTP. Default unlimited.
    pub records_per_hour: Option<u64>,
    /// The consumer's PostgreSQL password as a SCRAM-SHA-256 verifier (from
    /// `tuomin passwd`), never the password. Without one the consumer cannot log in to
    /// the PostgreSQL gateway. Default none.
    pub scram_verifier: Option<Spanned<String>>,
}

fn default_true() -> bool {
    true
}

/// `[[rules]]`: who (a scenario or one consumer) × what (a category or a grade) → action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub scenario: Option<Scenario>,
    pub consumer: Option<String>,
    pub category: Option<String>,
    pub grade: Option<Grade>,
    /// `pass` or a transform name.
    pub transform: String,
    pub params: Option<toml::Table>,
    /// Why a loosening is acceptable (reversible-only protection for `outsourced`,
    /// C2 passed to analysts); recorded and shown by `tuomin check`.
    pub acknowledge: Option<String>,
}
