//! Compiling `[http]` (schema and model in [`super::http`]): the listener's settings,
//! each route with its pattern, upstream, JSON path rules (added to the dictionary as
//! table `http.ROUTE`, so they are decided and validated like any field) and lookups.
//! Every problem is recorded with its line.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use toml::Spanned;

use super::compile::field;
use super::http::{
    HttpConfig, HttpDef, Lookup, LookupAt, RouteConfig, RouteDef, TlsFiles, Upstream,
};
use super::load::Problems;
use super::schema::Unclassified;
use crate::http::jsonpath::JsonPath;
use crate::http::routes::RoutePattern;
use crate::policy::{Category, Consumer, Field};

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

#[cfg(test)]
mod tests {
    use super::*;

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
