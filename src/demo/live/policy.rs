//! The live demo's policy, `.tuomin/demo-serve.toml`: the demo policy as shipped plus
//! what this machine's demo needs — listen addresses, the sample API as every route's
//! upstream, a `[postgres]` section for the server found, each consumer's SCRAM
//! verifier and API-key hash. No plaintext secret: the upstream password is named by
//! `password_file` (0600). Relative file names of the source are made absolute, so the
//! file also runs as it is: `tuomin serve --config .tuomin/demo-serve.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::credentials::Credentials;
use crate::config::http::hash_api_key;
use crate::demo::postgres::Server;
use crate::pg::auth::ScramVerifier;
use crate::pg::auth::verifier::DEFAULT_ITERATIONS;

/// The upstream the sample API stood for in the shipped policy.
const SHIPPED_API_UPSTREAM: &str = "http://127.0.0.1:8080";

/// Where the derived policy's listeners go and what they talk to.
#[derive(Debug)]
pub struct Plan<'a> {
    pub http_listen: SocketAddr,
    /// The sample API's address (the routes' upstream).
    pub api: SocketAddr,
    pub postgres: Option<PostgresPlan<'a>>,
    pub credentials: &'a Credentials,
}

/// The `[postgres]` section to add.
#[derive(Debug)]
pub struct PostgresPlan<'a> {
    pub listen: SocketAddr,
    pub upstream: &'a Server,
    /// A 0600 file holding the upstream password, when the server wants one.
    pub password_file: Option<PathBuf>,
}

/// The derived policy's text, from the source policy's text at `source`.
pub fn derive(source_text: &str, source: &Path, plan: &Plan<'_>) -> Result<String, String> {
    let mut doc: Table = source_text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", source.display()))?;
    let dir = source
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::path::absolute(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    absolutize(&mut doc, &dir);
    add_credentials(&mut doc, plan.credentials)?;
    set_http(&mut doc, plan)?;
    if let Some(pg) = &plan.postgres {
        doc.insert("postgres".into(), Value::Table(postgres_section(pg)));
    }
    let body = toml::to_string(&doc).map_err(|e| format!("cannot write the demo policy: {e}"))?;
    Ok(format!(
        "# Written by `tuomin demo` from {} on every run; edit that file instead.\n\
         # Credentials: verifiers and hashes only; the secrets are in demo-credentials (0600).\n\n{body}",
        source.display()
    ))
}

/// Makes every relative file name of the policy absolute against `dir`.
fn absolutize(doc: &mut Table, dir: &Path) {
    let fix = |v: &mut Value| {
        if let Value::String(s) = v
            && Path::new(s.as_str()).is_relative()
        {
            *s = lexical(&dir.join(s.as_str())).display().to_string();
        }
    };
    let each = |table: Option<&mut Table>, keys: &[&str]| {
        if let Some(t) = table {
            for k in keys {
                if let Some(v) = t.get_mut(*k) {
                    fix(v);
                }
            }
        }
    };
    each(table_mut(doc, "keys"), &["master_key_file"]);
    each(table_mut(doc, "audit"), &["file"]);
    if let Some(http) = table_mut(doc, "http") {
        each(
            table_mut(http, "tls"),
            &["cert_file", "key_file", "client_ca_file"],
        );
        for route in array_tables_mut(http, "routes") {
            each(Some(route), &["upstream_ca_file"]);
        }
    }
    if let Some(keys) = table_mut(doc, "keys") {
        for previous in array_tables_mut(keys, "previous") {
            each(Some(previous), &["master_key_file"]);
        }
    }
}

/// `path` with `.` and `a/..` folded away (without touching the file system).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn table_mut<'t>(t: &'t mut Table, key: &str) -> Option<&'t mut Table> {
    t.get_mut(key).and_then(Value::as_table_mut)
}

fn array_tables_mut<'t>(t: &'t mut Table, key: &str) -> impl Iterator<Item = &'t mut Table> {
    t.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table_mut)
}

/// Each consumer's verifier and API-key hash (replacing any the source had).
fn add_credentials(doc: &mut Table, credentials: &Credentials) -> Result<(), String> {
    let consumers =
        table_mut(doc, "consumers").ok_or("the demo policy has no [consumers] section")?;
    for (name, secrets) in &credentials.consumers {
        let consumer = table_mut(consumers, name)
            .ok_or_else(|| format!("the demo policy has no [consumers.{name}]"))?;
        let verifier = ScramVerifier::generate(&secrets.password, DEFAULT_ITERATIONS);
        consumer.insert("scram_verifier".into(), Value::String(verifier.to_string()));
        consumer.insert(
            "api_keys".into(),
            Value::Array(vec![Value::String(hash_api_key(&secrets.api_key))]),
        );
    }
    Ok(())
}

/// `[http] listen`, and the sample API as upstream of the routes that pointed at it.
fn set_http(doc: &mut Table, plan: &Plan<'_>) -> Result<(), String> {
    let http = table_mut(doc, "http").ok_or("the demo policy has no [http] section")?;
    http.insert("listen".into(), Value::String(plan.http_listen.to_string()));
    let api = format!("http://{}", plan.api);
    for route in array_tables_mut(http, "routes") {
        if route.get("upstream").and_then(Value::as_str) == Some(SHIPPED_API_UPSTREAM) {
            route.insert("upstream".into(), Value::String(api.clone()));
        }
    }
    Ok(())
}

fn postgres_section(pg: &PostgresPlan<'_>) -> Table {
    let mut upstream = Table::new();
    upstream.insert("host".into(), Value::String(pg.upstream.host.clone()));
    upstream.insert("port".into(), Value::Integer(i64::from(pg.upstream.port)));
    upstream.insert("user".into(), Value::String(pg.upstream.user.clone()));
    if let Some(file) = &pg.password_file {
        upstream.insert(
            "password_file".into(),
            Value::String(file.display().to_string()),
        );
    }
    let mut section = Table::new();
    section.insert("listen".into(), Value::String(pg.listen.to_string()));
    section.insert("shutdown_grace_secs".into(), Value::Integer(2));
    section.insert("upstream".into(), Value::Table(upstream));
    section
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::live::credentials::Credentials;
    use crate::keys::{KeyId, MasterKey};

    const SHIPPED: &str = include_str!("../../../config/demo.toml");

    /// A checkout layout with the shipped policy and a key; the derived policy's path.
    fn derived(dir: &Path, with_postgres: bool) -> (PathBuf, Credentials) {
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::create_dir_all(dir.join(".tuomin")).unwrap();
        let source = dir.join("config/demo.toml");
        std::fs::write(&source, SHIPPED).unwrap();
        MasterKey::from_bytes(KeyId(1), [7; 32])
            .write_new_file(&dir.join(".tuomin/demo.key"))
            .unwrap();
        let names: Vec<String> = ["qa", "vendor_collections", "analyst", "offshore_hq"]
            .map(String::from)
            .to_vec();
        let (credentials, _) =
            Credentials::load_or_create(&dir.join(".tuomin/creds"), &names).unwrap();
        let upstream = Server {
            host: "127.0.0.1".into(),
            port: 5999,
            user: "postgres".into(),
            password: Some("upstream-secret".into()),
            maintenance_db: "postgres".into(),
        };
        let plan = Plan {
            http_listen: "127.0.0.1:9443".parse().unwrap(),
            api: "127.0.0.1:9080".parse().unwrap(),
            postgres: with_postgres.then(|| PostgresPlan {
                listen: "127.0.0.1:7432".parse().unwrap(),
                upstream: &upstream,
                password_file: Some(dir.join(".tuomin/upstream-password")),
            }),
            credentials: &credentials,
        };
        let text = derive(SHIPPED, &source, &plan).unwrap();
        let out = dir.join(".tuomin/demo-serve.toml");
        std::fs::write(&out, text).unwrap();
        (out, credentials)
    }

    #[test]
    fn the_derived_policy_loads_with_both_gateways_and_no_plaintext_secret() {
        let dir = tempfile::tempdir().unwrap();
        let (path, credentials) = derived(dir.path(), true);
        std::fs::write(
            dir.path().join(".tuomin/upstream-password"),
            "upstream-secret\n",
        )
        .unwrap();
        let policy = crate::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let pg = policy.postgres.as_ref().expect("[postgres]");
        assert_eq!(pg.listen, "127.0.0.1:7432");
        assert_eq!(
            (pg.upstream.host.as_str(), pg.upstream.port),
            ("127.0.0.1", 5999)
        );
        assert_eq!(pg.verifiers.len(), 4, "a verifier per consumer");
        let http = policy.http.as_ref().expect("[http]");
        assert_eq!(http.listen.to_string(), "127.0.0.1:9443");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("http://127.0.0.1:9080") && !text.contains(SHIPPED_API_UPSTREAM));
        assert!(!text.contains("upstream-secret"));
        for s in credentials.consumers.values() {
            assert!(!text.contains(&s.password) && !text.contains(&s.api_key));
        }
    }

    #[test]
    fn relative_files_of_the_source_become_absolute_and_tidy() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = derived(dir.path(), false);
        let text = std::fs::read_to_string(&path).unwrap();
        let key = std::path::absolute(dir.path().join(".tuomin/demo.key")).unwrap();
        assert!(
            text.contains(&format!("master_key_file = \"{}\"", key.display())),
            "{text}"
        );
        assert!(!text.contains(".."), "{text}");
        assert!(!text.contains("[postgres]"));
    }

    #[test]
    fn lexical_folds_parent_and_current_folders() {
        assert_eq!(lexical(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(lexical(Path::new("../x")), PathBuf::from("../x"));
    }
}
