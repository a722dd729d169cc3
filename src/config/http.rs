//! The `[http]` section (the vendor gateway) and the HTTP identity fields of
//! `[consumers.NAME]`: schema, defaults and compilation into [`HttpConfig`].
//!
//! ```toml
//! [http]
//! listen = "127.0.0.1:8443"               # a non-loopback address needs [http.tls]
//! api_key_header = "x-api-key"            # default
//! [http.tls]
//! cert_file = "tls/server.pem"            # relative to the policy file
//! key_file = "tls/server.key"
//! client_ca_file = "tls/clients.pem"      # optional: mutual TLS
//! require_client_cert = false             # default: API keys still accepted
//! [http.timeouts]
//! header_read = "10s"                     # defaults: 10s, 60s, 30s
//! idle = "60s"
//! upstream = "30s"
//! [http.limits]
//! max_upstream_body = 8388608             # bytes, as received (default 8 MiB)
//! max_decompressed_body = 33554432        # bytes, after decoding (default 32 MiB)
//! max_request_body = 1048576              # default 1 MiB
//! max_connections = 1024
//! [[http.routes]]
//! name = "cards"                          # sources are http.cards.<path>
//! method = "GET"                          # default GET
//! path = "/api/customers/{id}/cards"
//! upstream = "http://127.0.0.1:8080"      # http or https (with upstream_ca_file)
//! c3 = "refuse"                           # refuse (default) | remove
//! pass_through = ["application/pdf"]      # non-JSON types allowed unmasked
//! fields = { "$.data[*].card_no" = "card_number" }
//! lookups = [{ segment = "id", field = "public.customers.customer_id" }]
//!
//! [consumers.vendor]
//! api_keys = ["sha256:…"]                 # `tuomin passwd --api-key`
//! client_cert = ["CN=vendor-a", "DNS:vendor-a.example"]
//! requests_per_second = 50
//! records_per_hour = 100000
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::load::Problems;
use super::schema::{ConsumerDef, Unclassified};
use crate::http::jsonpath::JsonPath;
use crate::http::routes::RoutePattern;
use crate::policy::Access;

/// `[http]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpDef {
    pub listen: Spanned<String>,
    pub tls: Option<TlsDef>,
    /// The header carrying API keys. Default `x-api-key`.
    pub api_key_header: Option<Spanned<String>>,
    #[serde(default)]
    pub timeouts: TimeoutsDef,
    #[serde(default)]
    pub limits: LimitsDef,
    #[serde(default)]
    pub routes: Vec<Spanned<RouteDef>>,
}

/// `[http.tls]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsDef {
    pub cert_file: String,
    pub key_file: String,
    /// Clients presenting a certificate signed by this CA are known by it.
    pub client_ca_file: Option<String>,
    /// Refuse TLS clients without a certificate. Default false.
    #[serde(default)]
    pub require_client_cert: bool,
}

/// `[http.timeouts]`, as durations (`"10s"`, `"500ms"`).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsDef {
    pub header_read: Option<Spanned<String>>,
    pub idle: Option<Spanned<String>>,
    pub upstream: Option<Spanned<String>>,
}

/// `[http.limits]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LimitsDef {
    pub max_upstream_body: Option<usize>,
    pub max_decompressed_body: Option<usize>,
    pub max_request_body: Option<usize>,
    pub max_connections: Option<usize>,
}

/// What happens to C3 (and auxiliary authentication data) found in a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum C3Mode {
    /// The whole response is refused (403 naming the field and rule). Default.
    #[default]
    Refuse,
    /// The field is removed and the rest of the response returned.
    Remove,
}

/// `[[http.routes]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteDef {
    pub name: String,
    pub method: Option<String>,
    pub path: String,
    pub upstream: Option<String>,
    pub upstream_ca_file: Option<String>,
    #[serde(default)]
    pub pass_through: Vec<String>,
    #[serde(default)]
    pub c3: C3Mode,
    #[serde(default)]
    pub fields: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    pub lookups: Vec<LookupDef>,
    /// Requests without credentials are served as this consumer (default: none → 401).
    pub anonymous_consumer: Option<String>,
    /// Leaves classified neither by path nor key name; default `[defaults] unclassified`.
    pub unclassified: Option<Unclassified>,
    pub unclassified_pass_reason: Option<String>,
}

/// A lookup declaration: where a pseudonym arrives, and the field it is a pseudonym of.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupDef {
    pub segment: Option<String>,
    pub query: Option<String>,
    pub body: Option<String>,
    /// A dictionary source (`public.cards.card_no`, `json.card_no`, `http.route.$.path`).
    pub field: String,
}

/// The compiled `[http]` section.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    pub tls: Option<TlsFiles>,
    /// Lower case.
    pub api_key_header: String,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub upstream_timeout: Duration,
    pub max_upstream_body: usize,
    pub max_decompressed_body: usize,
    pub max_request_body: usize,
    pub max_connections: usize,
    pub routes: Vec<RouteConfig>,
}

/// TLS files, resolved against the policy's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: Option<PathBuf>,
    pub require_client_cert: bool,
}

/// The upstream of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// `http` or `https`.
    pub scheme: String,
    /// `host:port`.
    pub authority: String,
    /// Prefix prepended to the request path; no trailing slash.
    pub base_path: String,
    pub ca_file: Option<PathBuf>,
}

/// Where a looked-up pseudonym arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupAt {
    Segment(String),
    Query(String),
    Body(JsonPath),
}

/// A compiled lookup: the place, and the dictionary field whose transform is reversed.
#[derive(Clone, Debug)]
pub struct Lookup {
    pub at: LookupAt,
    /// `schema.table` (or `json`, `http.ROUTE`) and column (or key, or path).
    pub table: String,
    pub column: String,
}

/// One compiled route.
#[derive(Clone, Debug)]
pub struct RouteConfig {
    pub name: String,
    pub method: http::Method,
    pub pattern: RoutePattern,
    pub upstream: Upstream,
    /// Lower-case media types (no parameters).
    pub pass_through: Vec<String>,
    pub c3: C3Mode,
    /// JSON path rules: the path and the column of `http.NAME` it is classified under.
    pub fields: Vec<(JsonPath, String)>,
    pub lookups: Vec<Lookup>,
    pub anonymous_consumer: Option<String>,
    pub unclassified: Unclassified,
}

impl RouteConfig {
    /// The dictionary table of the route's path rules.
    pub fn table(&self) -> String {
        format!("http.{}", self.name)
    }
}

/// The HTTP identity and limits of one consumer.
pub(super) fn access(name: &str, def: &Spanned<ConsumerDef>, p: &mut Problems) -> Access {
    let c = def.get_ref();
    let mut api_key_hashes = Vec::new();
    for key in &c.api_keys {
        match parse_key_hash(key.get_ref()) {
            Some(hash) => api_key_hashes.push(hash),
            None => p.at(
                key.span(),
                format!(
                    "consumer {name}: api_keys hold hashes written \"sha256:<64 hex digits>\" \
                     (`tuomin passwd --api-key` prints one), never a key itself"
                ),
            ),
        }
    }
    for cert in &c.client_cert {
        let ok = cert
            .strip_prefix("CN=")
            .or_else(|| cert.strip_prefix("DNS:"));
        if ok.is_none_or(str::is_empty) {
            p.at(
                def.span(),
                format!("consumer {name}: client_cert entries are \"CN=…\" or \"DNS:…\""),
            );
        }
    }
    if c.requests_per_second == Some(0) || c.records_per_hour == Some(0) {
        p.at(
            def.span(),
            format!(
                "consumer {name}: a limit of 0 refuses everything; disable the consumer instead"
            ),
        );
    }
    Access {
        api_key_hashes,
        client_cert: c.client_cert.clone(),
        requests_per_second: c.requests_per_second,
        records_per_hour: c.records_per_hour,
    }
}

/// `sha256:<hex>` → the 32 bytes.
pub fn parse_key_hash(text: &str) -> Option<[u8; 32]> {
    let hex_part = text.strip_prefix("sha256:")?;
    let bytes = hex::decode(hex_part).ok()?;
    bytes.try_into().ok()
}

/// A new random API key: 32 random bytes, hex, prefixed `tmk_`. Only its
/// [`hash_api_key`] belongs in a policy.
pub fn new_api_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("tmk_{}", hex::encode(bytes))
}

/// The hash line of an API key, as written in the policy.
pub fn hash_api_key(key: &str) -> String {
    format!("sha256:{}", hex::encode(api_key_digest(key)))
}

/// SHA-256 of an API key.
pub fn api_key_digest(key: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_round_trips_through_its_policy_form() {
        let line = hash_api_key("tmk_example");
        assert_eq!(parse_key_hash(&line), Some(api_key_digest("tmk_example")));
    }

    #[test]
    fn a_plain_key_is_not_accepted_as_a_hash() {
        assert_eq!(parse_key_hash("tmk_example"), None);
        assert_eq!(parse_key_hash("sha256:abcd"), None);
    }
}
