//! `[admin]`: the operations listener of `tuomin serve` — Prometheus metrics, health
//! and readiness, and policy reload over HTTP (see `docs/operations.md`). Without the
//! section there is no admin listener.
//!
//! ```toml
//! [admin]
//! listen = "127.0.0.1:9090"          # default; a non-loopback address needs allow_remote
//! allow_remote = false               # default: only loopback (POST /reload is unauthenticated)
//! upstream_check_secs = 5            # default 5: how often /readyz's PostgreSQL check runs
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::load::Problems;

/// The address used when `[admin]` names none.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9090";

/// `[admin]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminDef {
    /// Default `127.0.0.1:9090`.
    pub listen: Option<Spanned<String>>,
    /// Allow an address beyond loopback (for a Prometheus scraper on another host, or
    /// a pod IP). Default false. Anyone who reaches the port can read the metrics and
    /// ask for a reload of the file on disk; restrict it at the network.
    #[serde(default)]
    pub allow_remote: bool,
    /// Seconds between two checks that the PostgreSQL upstream accepts connections.
    /// Default 5.
    #[serde(default = "default_check")]
    pub upstream_check_secs: u64,
}

fn default_check() -> u64 {
    5
}

/// The compiled `[admin]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminSettings {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    pub upstream_check: Duration,
}

/// Compiles `[admin]`; problems (with their line) go to `p`.
pub(super) fn compile(def: &AdminDef, p: &mut Problems) -> Option<AdminSettings> {
    let text = def
        .listen
        .as_ref()
        .map_or(DEFAULT_LISTEN, |l| l.get_ref().as_str());
    let place = |p: &mut Problems, message: String| match &def.listen {
        Some(l) => p.at(l.span(), message),
        None => p.push(None, message),
    };
    let Ok(listen) = text.parse::<SocketAddr>() else {
        place(
            p,
            format!(
                "[admin] listen = {text:?} is not an address and port, like \"127.0.0.1:9090\""
            ),
        );
        return None;
    };
    if !listen.ip().is_loopback() && !def.allow_remote {
        place(
            p,
            format!(
                "[admin] listen = {text:?} is beyond loopback: anyone who reaches it can read \
                 the metrics and trigger POST /reload; listen on 127.0.0.1, or set \
                 allow_remote = true and restrict the port at the network (e.g. only the \
                 Prometheus scraper)"
            ),
        );
    }
    Some(AdminSettings {
        listen,
        allow_remote: def.allow_remote,
        upstream_check: Duration::from_secs(def.upstream_check_secs.max(1)),
    })
}
