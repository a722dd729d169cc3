//! `[postgres]`: the PostgreSQL gateway — where it listens, its TLS, and the one
//! upstream server it connects to with tuomin's own service credentials. Consumers log
//! in with SCRAM-SHA-256 against `[consumers.NAME] scram_verifier` (printed by
//! `tuomin passwd`); the password itself is never in the policy.
//!
//! ```toml
//! [postgres]
//! listen = "127.0.0.1:6432"          # required
//! shutdown_grace_secs = 10           # default 10: sessions get this long to finish
//! catalog_refresh_secs = 30          # default 30: periodic re-read of the upstream catalog
//! catalog_timeout_secs = 30          # default 30: one read of the catalog, or it fails
//! login_timeout_secs = 60            # default 60: a client's TLS, startup and password
//!                                    #   exchange must be over by then, or it is closed
//! max_sessions = 1024                # default 1024: connections beyond are refused (53300)
//! login_failure_limit = 10           # default 10 (0: off): failed logins of one user from
//! login_failure_window_secs = 300    #   one address within 300 s, then refused for 300 s
//! login_failure_address_limit = 50   # default 50 (0: off): failed logins from one address,
//!                                    #   any names, within the window: every name refused
//!
//! [postgres.tls]                     # optional: TLS on the listener
//! cert_file = "certs/tuomin.crt"     # PEM chain, relative to the policy file
//! key_file = "certs/tuomin.key"      # PEM private key
//! required = true                    # default false: refuse clients without TLS
//!
//! [postgres.upstream]
//! host = "127.0.0.1"                 # required
//! port = 5432                        # default 5432
//! user = "tuomin"                    # required: the gateway's service account
//! password_file = "secrets/pg.pass"  # optional, relative to the policy file
//! password_env = "TUOMIN_PG_PASSWORD"# optional; wins over the file when set
//! tls = "verify-full"                # disable (default) | require | verify-ca | verify-full
//! ca_file = "certs/upstream-ca.crt"  # required for verify-ca / verify-full
//! server_name = "db.bank.internal"   # default: host (for verify-full)
//! connect_timeout_secs = 10          # default 10: connecting, TLS and tuomin's login upstream
//! channel_binding = "prefer"         # disable | prefer (default) | require: SCRAM bound to TLS
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::load::Problems;
use super::schema::PolicyFile;
use crate::pg::auth::ScramVerifier;

/// `[postgres]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresDef {
    pub listen: String,
    #[serde(default = "default_grace")]
    pub shutdown_grace_secs: u64,
    #[serde(default = "default_refresh")]
    pub catalog_refresh_secs: u64,
    #[serde(default = "default_catalog_timeout")]
    pub catalog_timeout_secs: u64,
    #[serde(default = "default_login_timeout")]
    pub login_timeout_secs: u64,
    #[serde(default = "default_max_sessions")]
    pub max_sessions: usize,
    #[serde(default = "default_login_failure_limit")]
    pub login_failure_limit: u32,
    #[serde(default = "default_login_failure_window")]
    pub login_failure_window_secs: u64,
    #[serde(default = "default_login_failure_address_limit")]
    pub login_failure_address_limit: u32,
    pub tls: Option<ListenerTlsDef>,
    pub upstream: UpstreamDef,
}

fn default_grace() -> u64 {
    10
}

fn default_refresh() -> u64 {
    30
}

fn default_catalog_timeout() -> u64 {
    30
}

/// PostgreSQL's own `authentication_timeout` default.
fn default_login_timeout() -> u64 {
    60
}

fn default_max_sessions() -> usize {
    1024
}

/// Failed logins of one user name from one address before it is refused for a while.
fn default_login_failure_limit() -> u32 {
    10
}

fn default_login_failure_window() -> u64 {
    300
}

/// Failed logins from one address, whatever the user names (password spraying),
/// before every name from it is refused for a while: far above what the people behind
/// one address mistype in a window, far below a useful spraying run.
fn default_login_failure_address_limit() -> u32 {
    50
}

fn default_connect_timeout() -> u64 {
    10
}

/// `[postgres.tls]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerTlsDef {
    pub cert_file: String,
    pub key_file: String,
    #[serde(default)]
    pub required: bool,
}

/// `[postgres.upstream]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamDef {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub user: String,
    pub password_file: Option<String>,
    pub password_env: Option<String>,
    #[serde(default)]
    pub tls: UpstreamTlsMode,
    pub ca_file: Option<String>,
    pub server_name: Option<String>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(default)]
    pub channel_binding: UpstreamChannelBinding,
}

fn default_port() -> u16 {
    5432
}

/// How tuomin's connection to the upstream is protected (libpq's `sslmode` names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpstreamTlsMode {
    /// Plain TCP.
    #[default]
    Disable,
    /// TLS, certificate not checked.
    Require,
    /// TLS, certificate chain checked against `ca_file`, name not checked.
    VerifyCa,
    /// TLS, chain and server name checked.
    VerifyFull,
}

/// Whether tuomin binds its SCRAM login upstream to the upstream's TLS certificate
/// (libpq's `channel_binding` names and default): a man in the middle holding another
/// certificate — possible with `tls = "require"`, which checks none — cannot then
/// relay tuomin's password proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpstreamChannelBinding {
    /// Never bind.
    Disable,
    /// Bind when the upstream offers SCRAM-SHA-256-PLUS over TLS.
    #[default]
    Prefer,
    /// Log in only with channel binding: no trust, password or MD5 login, no
    /// SCRAM without binding.
    Require,
}

/// The compiled `[postgres]` section.
#[derive(Clone, Debug)]
pub struct PostgresSettings {
    pub listen: String,
    pub shutdown_grace: Duration,
    pub catalog_refresh: Duration,
    /// How long one read of the upstream catalog (its query, after the connection) may take.
    pub catalog_timeout: Duration,
    /// How long a client has for TLS, startup and the password exchange.
    pub login_timeout: Duration,
    /// Connections served at once (in login or in session); more are refused.
    pub max_sessions: usize,
    /// Failed logins of one user name from one address (within the window of each
    /// other) after which that pair is refused until the window has passed; 0: never.
    pub login_failure_limit: u32,
    pub login_failure_window: Duration,
    /// Failed logins from one address, any user names (within the window of each
    /// other), after which every name from it is refused until the window has passed;
    /// 0: never.
    pub login_failure_address_limit: u32,
    pub tls: Option<ListenerTls>,
    pub upstream: Upstream,
    /// Consumer name → SCRAM verifier.
    pub verifiers: BTreeMap<String, ScramVerifier>,
}

/// The listener's certificate and key files.
#[derive(Clone, Debug)]
pub struct ListenerTls {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub required: bool,
}

/// The upstream server and tuomin's credentials for it.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<Secret>,
    pub tls: UpstreamTlsMode,
    pub ca_file: Option<PathBuf>,
    pub server_name: String,
    /// How long connecting, TLS and tuomin's login upstream may take together.
    pub connect_timeout: Duration,
    /// Whether tuomin's SCRAM login is bound to the upstream's certificate.
    pub channel_binding: UpstreamChannelBinding,
}

/// A password: `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Compiles `[postgres]` and the consumers' verifiers; problems go to `p`.
pub(super) fn compile(file: &PolicyFile, p: &mut Problems) -> Option<PostgresSettings> {
    let verifiers = verifiers(file, p);
    let def = file.postgres.as_ref()?;
    if def.listen.parse::<std::net::SocketAddr>().is_err() {
        p.push(
            None,
            format!(
                "[postgres] listen = {:?} is not an address like \"127.0.0.1:6432\"",
                def.listen
            ),
        );
    }
    let dir = p.policy_dir().to_owned();
    let tls = def.tls.as_ref().map(|t| ListenerTls {
        cert_file: dir.join(&t.cert_file),
        key_file: dir.join(&t.key_file),
        required: t.required,
    });
    let up = &def.upstream;
    let needs_ca = matches!(
        up.tls,
        UpstreamTlsMode::VerifyCa | UpstreamTlsMode::VerifyFull
    );
    if needs_ca && up.ca_file.is_none() {
        p.push(
            None,
            "[postgres.upstream] tls = verify-ca / verify-full needs ca_file".into(),
        );
    }
    if up.channel_binding == UpstreamChannelBinding::Require && up.tls == UpstreamTlsMode::Disable {
        p.push(
            None,
            "[postgres.upstream] channel_binding = \"require\" needs TLS upstream \
             (tls = require, verify-ca or verify-full): a login is bound to a TLS certificate"
                .into(),
        );
    }
    for (name, value) in [
        ("[postgres] catalog_timeout_secs", def.catalog_timeout_secs),
        ("[postgres] login_timeout_secs", def.login_timeout_secs),
        ("[postgres] max_sessions", def.max_sessions as u64),
        (
            "[postgres] login_failure_window_secs",
            def.login_failure_window_secs,
        ),
        (
            "[postgres.upstream] connect_timeout_secs",
            up.connect_timeout_secs,
        ),
    ] {
        if value == 0 {
            p.push(None, format!("{name} = 0: it must be at least 1"));
        }
    }
    let password = upstream_password(up, &dir, p);
    Some(PostgresSettings {
        listen: def.listen.clone(),
        shutdown_grace: Duration::from_secs(def.shutdown_grace_secs),
        catalog_refresh: Duration::from_secs(def.catalog_refresh_secs.max(1)),
        catalog_timeout: Duration::from_secs(def.catalog_timeout_secs),
        login_timeout: Duration::from_secs(def.login_timeout_secs),
        max_sessions: def.max_sessions,
        login_failure_limit: def.login_failure_limit,
        login_failure_window: Duration::from_secs(def.login_failure_window_secs),
        login_failure_address_limit: def.login_failure_address_limit,
        tls,
        upstream: Upstream {
            host: up.host.clone(),
            port: up.port,
            user: up.user.clone(),
            password,
            tls: up.tls,
            ca_file: up.ca_file.as_ref().map(|f| dir.join(f)),
            server_name: up.server_name.clone().unwrap_or_else(|| up.host.clone()),
            connect_timeout: Duration::from_secs(up.connect_timeout_secs),
            channel_binding: up.channel_binding,
        },
        verifiers,
    })
}

fn upstream_password(up: &UpstreamDef, dir: &std::path::Path, p: &mut Problems) -> Option<Secret> {
    if let Some(var) = &up.password_env
        && let Ok(value) = std::env::var(var)
    {
        return Some(Secret(value));
    }
    let file = up.password_file.as_ref()?;
    match std::fs::read_to_string(dir.join(file)) {
        Ok(text) => Some(Secret(text.trim_end_matches(['\n', '\r']).to_owned())),
        Err(e) => {
            p.push(
                None,
                format!("[postgres.upstream] password_file {file}: cannot read it: {e}"),
            );
            None
        }
    }
}

fn verifiers(file: &PolicyFile, p: &mut Problems) -> BTreeMap<String, ScramVerifier> {
    let mut out = BTreeMap::new();
    for (name, def) in &file.consumers {
        let Some(text) = &def.get_ref().scram_verifier else {
            continue;
        };
        match ScramVerifier::parse(text.get_ref()) {
            Ok(v) => {
                out.insert(name.get_ref().clone(), v);
            }
            Err(e) => p.at(text.span(), format!("consumer {}: {e}", name.get_ref())),
        }
    }
    out
}
