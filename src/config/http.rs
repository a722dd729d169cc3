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

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::compile::field;
use super::load::Problems;
use super::schema::{ConsumerDef, Unclassified};
use crate::http::jsonpath::JsonPath;
use crate::http::routes::RoutePattern;
use crate::policy::{Access, Category, Consumer, Field};

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

const DEFAULT_HEADER: &str = "x-api-key";

/// Compiles `[http]`: adds each route's path rules to the dictionary as `http.ROUTE`.
pub(super) fn compile(
    def: &HttpDef,
    categories: &BTreeMap<String, Category>,
    dictionary: &mut BTreeMap<String, BTreeMap<String, Field>>,
    consumers: &BTreeMap<String, Consumer>,
    default_unclassified: Unclassified,
    p: &mut Problems,
) -> Option<HttpConfig> {
    let listen = match def.listen.get_ref().parse::<SocketAddr>() {
        Ok(addr) => Some(addr),
        Err(_) => {
            p.at(
                def.listen.span(),
                "[http] listen must be an address and port, like \"127.0.0.1:8443\"".into(),
            );
            None
        }
    };
    let tls = def.tls.as_ref().map(|t| TlsFiles {
        cert: p.policy_dir().join(&t.cert_file),
        key: p.policy_dir().join(&t.key_file),
        client_ca: t.client_ca_file.as_ref().map(|f| p.policy_dir().join(f)),
        require_client_cert: t.require_client_cert,
    });
    if let (Some(addr), None) = (listen, &tls)
        && !addr.ip().is_loopback()
    {
        p.at(
            def.listen.span(),
            "[http] listens beyond loopback without TLS; add [http.tls] with cert_file and key_file"
                .into(),
        );
    }
    if let Some(t) = &tls
        && t.require_client_cert
        && t.client_ca.is_none()
    {
        p.at(
            def.listen.span(),
            "[http.tls] require_client_cert needs client_ca_file".into(),
        );
    }
    let api_key_header = header_name(def.api_key_header.as_ref(), p);
    let mut routes = Vec::new();
    let mut names = HashMap::new();
    for route in &def.routes {
        let line = p.line_of(route.span().start);
        if let Some(earlier) = names.insert(route.get_ref().name.clone(), line) {
            p.push(
                Some(line),
                format!(
                    "route name {} is used at line {earlier} too",
                    route.get_ref().name
                ),
            );
        }
        let ctx = RouteCtx {
            categories,
            consumers,
            default_unclassified,
            line,
        };
        if let Some(r) = compile_route(route.get_ref(), &ctx, dictionary, p) {
            routes.push(r);
        }
    }
    for route in &routes {
        for lookup in &route.lookups {
            check_lookup_field(lookup, dictionary, route, p);
        }
    }
    let t = &def.timeouts;
    let l = &def.limits;
    Some(HttpConfig {
        listen: listen?,
        tls,
        api_key_header,
        header_read_timeout: duration(t.header_read.as_ref(), 10, p),
        idle_timeout: duration(t.idle.as_ref(), 60, p),
        upstream_timeout: duration(t.upstream.as_ref(), 30, p),
        max_upstream_body: l.max_upstream_body.unwrap_or(8 << 20),
        max_decompressed_body: l.max_decompressed_body.unwrap_or(32 << 20),
        max_request_body: l.max_request_body.unwrap_or(1 << 20),
        max_connections: l.max_connections.unwrap_or(1024).max(1),
        routes,
    })
}

fn header_name(def: Option<&Spanned<String>>, p: &mut Problems) -> String {
    let Some(name) = def else {
        return DEFAULT_HEADER.to_owned();
    };
    match http::HeaderName::from_bytes(name.get_ref().as_bytes()) {
        Ok(h) => h.as_str().to_owned(),
        Err(_) => {
            p.at(
                name.span(),
                "api_key_header is not a valid header name".into(),
            );
            DEFAULT_HEADER.to_owned()
        }
    }
}

fn duration(def: Option<&Spanned<String>>, default_secs: u64, p: &mut Problems) -> Duration {
    let Some(text) = def else {
        return Duration::from_secs(default_secs);
    };
    match humantime::parse_duration(text.get_ref()) {
        Ok(d) if !d.is_zero() => d,
        _ => {
            p.at(
                text.span(),
                "write a positive duration like \"10s\" or \"500ms\"".into(),
            );
            Duration::from_secs(default_secs)
        }
    }
}

struct RouteCtx<'a> {
    categories: &'a BTreeMap<String, Category>,
    consumers: &'a BTreeMap<String, Consumer>,
    default_unclassified: Unclassified,
    line: usize,
}

fn compile_route(
    def: &RouteDef,
    ctx: &RouteCtx<'_>,
    dictionary: &mut BTreeMap<String, BTreeMap<String, Field>>,
    p: &mut Problems,
) -> Option<RouteConfig> {
    let line = Some(ctx.line);
    let name = &def.name;
    let mut ok = true;
    let mut fail = |p: &mut Problems, message: String| {
        p.push(line, format!("route {name}: {message}"));
        ok = false;
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        fail(p, "name must be letters, digits, `_` or `-`".into());
    }
    let method = def.method.as_deref().unwrap_or("GET");
    let method = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes());
    if method.is_err() {
        fail(p, "method is not an HTTP method".into());
    }
    let pattern = RoutePattern::parse(&def.path);
    if let Err(e) = &pattern {
        fail(p, format!("path {}: {e}", def.path));
    }
    let upstream = match &def.upstream {
        None => {
            fail(p, "no upstream; add upstream = \"http://host:port\"".into());
            None
        }
        Some(url) => match upstream(url, def.upstream_ca_file.as_deref(), p) {
            Ok(u) => Some(u),
            Err(e) => {
                fail(p, e);
                None
            }
        },
    };
    let unclassified = def.unclassified.unwrap_or(ctx.default_unclassified);
    if unclassified == Unclassified::Pass && def.unclassified_pass_reason.is_none() {
        fail(
            p,
            "unclassified = \"pass\" needs unclassified_pass_reason = \"…\"".into(),
        );
    }
    if let Some(anon) = &def.anonymous_consumer
        && !ctx.consumers.contains_key(anon)
    {
        fail(p, format!("anonymous_consumer {anon} is not a consumer"));
    }
    for t in &def.pass_through {
        let t = t.to_ascii_lowercase();
        if t.contains("json") {
            fail(p, format!("pass_through {t}: JSON is always masked"));
        }
    }
    let table = format!("http.{name}");
    let mut fields = Vec::new();
    let mut dict = BTreeMap::new();
    for (path, entry) in &def.fields {
        match JsonPath::parse(path.get_ref()) {
            Ok(parsed) => {
                if let Some(f) = field(&table, path, entry, ctx.categories, p) {
                    fields.push((parsed, path.get_ref().clone()));
                    dict.insert(path.get_ref().clone(), f);
                }
            }
            Err(e) => p.at(
                path.span(),
                format!("route {name}: JSON path {}: {e}", path.get_ref()),
            ),
        }
    }
    dictionary.insert(table, dict);
    let lookups = lookups(def, pattern.as_ref().ok(), p, ctx.line);
    Some(RouteConfig {
        name: name.clone(),
        method: method.ok()?,
        pattern: pattern.ok()?,
        upstream: upstream?,
        pass_through: def
            .pass_through
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .collect(),
        c3: def.c3,
        fields,
        lookups: lookups?,
        anonymous_consumer: def.anonymous_consumer.clone(),
        unclassified,
    })
    .filter(|_| ok)
}

fn upstream(url: &str, ca: Option<&str>, p: &Problems) -> Result<Upstream, String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| format!("upstream {url} is not a URL"))?;
    let scheme = uri.scheme_str().unwrap_or_default().to_owned();
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "upstream {url} must start with http:// or https://"
        ));
    }
    if scheme == "http" && ca.is_some() {
        return Err("upstream_ca_file needs an https:// upstream".into());
    }
    if scheme == "https" && ca.is_none() {
        return Err("an https:// upstream needs upstream_ca_file (the CA that signs it)".into());
    }
    if uri.query().is_some() {
        return Err(format!("upstream {url} must not have a query"));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("upstream {url} has no host"))?
        .to_string();
    if authority.contains('@') {
        return Err("upstream must not carry credentials".into());
    }
    Ok(Upstream {
        scheme,
        authority,
        base_path: uri.path().trim_end_matches('/').to_owned(),
        ca_file: ca.map(|f| p.policy_dir().join(f)),
    })
}

fn lookups(
    def: &RouteDef,
    pattern: Option<&RoutePattern>,
    p: &mut Problems,
    line: usize,
) -> Option<Vec<Lookup>> {
    let mut out = Vec::new();
    let mut ok = true;
    for l in &def.lookups {
        let mut fail = |m: String| {
            p.push(Some(line), format!("route {}: lookup: {m}", def.name));
            ok = false;
        };
        let at = match (&l.segment, &l.query, &l.body) {
            (Some(s), None, None) => {
                if pattern.is_some_and(|pat| !pat.has_param(s)) {
                    fail(format!("the path has no segment {{{s}}}"));
                }
                LookupAt::Segment(s.clone())
            }
            (None, Some(q), None) => LookupAt::Query(q.clone()),
            (None, None, Some(b)) => match JsonPath::parse(b) {
                Ok(path) if path.is_concrete() => LookupAt::Body(path),
                Ok(_) => {
                    fail(format!("body {b}: name one field (no `*` or `..`)"));
                    continue;
                }
                Err(e) => {
                    fail(format!("body {b}: {e}"));
                    continue;
                }
            },
            _ => {
                fail("name exactly one of segment, query or body".into());
                continue;
            }
        };
        let Some((table, column)) = split_source(&l.field) else {
            fail(format!(
                "field {} must be a dictionary source like public.cards.card_no",
                l.field
            ));
            continue;
        };
        out.push(Lookup { at, table, column });
    }
    ok.then_some(out)
}

/// `schema.table.column` → (`schema.table`, `column`); `json.key` and `http.route.$…` too.
fn split_source(source: &str) -> Option<(String, String)> {
    if let Some(key) = source.strip_prefix("json.") {
        return Some(("json".into(), key.into()));
    }
    if let Some(rest) = source.strip_prefix("http.") {
        let (route, path) = rest.split_once('.')?;
        return Some((format!("http.{route}"), path.into()));
    }
    let (table, column) = source.rsplit_once('.')?;
    table
        .contains('.')
        .then(|| (table.to_owned(), column.to_owned()))
}

fn check_lookup_field(
    lookup: &Lookup,
    dictionary: &BTreeMap<String, BTreeMap<String, Field>>,
    route: &RouteConfig,
    p: &mut Problems,
) {
    let known = dictionary
        .get(&lookup.table)
        .is_some_and(|t| t.contains_key(&lookup.column));
    if !known {
        p.push(
            None,
            format!(
                "route {}: lookup field {}.{} is not in the dictionary",
                route.name, lookup.table, lookup.column
            ),
        );
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

    #[test]
    fn sources_split_into_table_and_column() {
        assert_eq!(
            split_source("public.cards.card_no"),
            Some(("public.cards".into(), "card_no".into()))
        );
        assert_eq!(
            split_source("json.cvv"),
            Some(("json".into(), "cvv".into()))
        );
        assert_eq!(
            split_source("http.cards.$.data[*].card_no"),
            Some(("http.cards".into(), "$.data[*].card_no".into()))
        );
        assert_eq!(split_source("card_no"), None);
    }
}
