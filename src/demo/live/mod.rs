//! `tuomin demo`, live: the demo bank behind both gateways on this machine. The
//! sample API serves the generated bank in-process (it plays production); the same
//! bank is loaded into a PostgreSQL found or started ([`crate::demo::postgres`]); both
//! gateways run in-process on a policy derived from the demo policy ([`policy`]) with
//! generated credentials ([`credentials`]); then the user is shown what to type
//! ([`guide`]), or [`check`] runs it all as two consumers.
//!
//! - [`ports`]: the three loopback ports, checked before anything starts.
//! - [`Demo`]: everything started, and stopped again in reverse order.

pub mod check;
pub mod credentials;
pub mod guide;
pub mod policy;
pub mod ports;

use std::path::{Path, PathBuf};
use std::time::Duration;

use credentials::Credentials;
use ports::{Ports, loopback};

use super::DemoData;
use super::postgres::{self, FindError, Found, Origin};
use crate::sample_api::{SampleApi, SampleData};
use crate::serve::{Running, ServeOptions};

/// The generator seed of the live demo's bank (the file walkthrough uses it too).
pub const SEED: u64 = 2026;
/// Customers in the live demo's bank.
pub const CUSTOMERS: usize = 100;

/// What `tuomin demo` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// The demo policy.
    pub config: PathBuf,
    /// The demo's folder (`.tuomin/` beside the policy's folder).
    pub home: PathBuf,
    pub ports: Ports,
    /// The database the bank is loaded into.
    pub database: String,
    /// When PostgreSQL cannot be found or started: go on without the PostgreSQL
    /// gateway (the interactive demo) instead of failing.
    pub postgres_optional: bool,
}

/// The running demo.
pub struct Demo {
    pub policy_path: PathBuf,
    pub credentials_path: PathBuf,
    pub credentials: Credentials,
    pub data: DemoData,
    pub api: SampleApi,
    pub running: Running,
    /// The PostgreSQL behind the gateway (holds the demo cluster, if one was started).
    pub postgres: Option<Found>,
    /// Why there is no PostgreSQL gateway, when there is none.
    pub postgres_missing: Option<String>,
    pub database: String,
    /// What was tried on the way, for the user.
    pub notes: Vec<String>,
}

impl Demo {
    /// Starts the sample API, finds PostgreSQL and loads the bank, writes the derived
    /// policy and starts both gateways.
    pub async fn start(options: &Options) -> Result<Demo, String> {
        options.ports.ensure_free()?;
        let policy = crate::config::load(&options.config).map_err(|e| e.to_string())?;
        let consumers: Vec<String> = policy.consumers.keys().cloned().collect();
        let credentials_path = options.home.join("demo-credentials");
        let (credentials, changed) = Credentials::load_or_create(&credentials_path, &consumers)?;
        if changed {
            credentials.write(&credentials_path)?;
        }
        let data = DemoData::generate(SEED, CUSTOMERS);
        let api = SampleApi::start(loopback(options.ports.api), SampleData::from_demo(&data))
            .await
            .map_err(|e| {
                listen_error(options, options.ports.api, "the sample API", &e.to_string())
            })?;
        let mut notes = Vec::new();
        let (postgres, postgres_missing) = match find_and_load(options, &data, &mut notes).await {
            Ok(found) => (Some(found), None),
            // A machine without PostgreSQL still gets the HTTP half of the demo.
            Err(FindError::NotInstalled(why)) if options.postgres_optional => (None, Some(why)),
            Err(e) if options.postgres_optional => return Err(format!("PostgreSQL: {e}")),
            // The check reports it as a failed check, after the HTTP checks.
            Err(e) => (None, Some(e.to_string())),
        };
        let policy_path = options.home.join("demo-serve.toml");
        write_policy(
            options,
            &policy_path,
            api.addr,
            postgres.as_ref(),
            &credentials,
        )?;
        let serve = ServeOptions {
            http_listen: Some(loopback(options.ports.http)),
            admin_listen: None,
            grace: Some(Duration::from_secs(2)),
        };
        let running = crate::serve::start(&policy_path, serve)
            .await
            .map_err(|e| serve_error(options, &e))?;
        Ok(Demo {
            policy_path,
            credentials_path,
            credentials,
            data,
            api,
            running,
            postgres,
            postgres_missing,
            database: options.database.clone(),
            notes,
        })
    }

    /// Stops the gateways (draining), the sample API and the demo cluster.
    pub async fn stop(self) {
        self.running.shutdown().await;
        self.api.stop();
        if let Some(found) = self.postgres {
            let _ = tokio::task::spawn_blocking(move || drop(found)).await;
        }
    }

    /// Runs the self-check against the running demo.
    pub async fn check(&self) -> check::Report {
        let postgres = match (self.running.postgres_addr, &self.postgres_missing) {
            (Some(addr), _) => Ok((addr, self.database.as_str())),
            (None, Some(why)) => Err(why.as_str()),
            (None, None) => Err("the policy has no [postgres] section"),
        };
        let target = check::Target {
            postgres,
            http: self.running.http_addr.unwrap_or(loopback(0)),
            credentials: &self.credentials,
            data: &self.data,
        };
        check::run(&target).await
    }
}

/// Writes the derived policy (see [`policy`]) to `path`, mode 0600.
fn write_policy(
    options: &Options,
    path: &Path,
    api: std::net::SocketAddr,
    postgres: Option<&Found>,
    credentials: &Credentials,
) -> Result<(), String> {
    let password_file = match postgres {
        Some(found) => upstream_password_file(found, &options.home)?,
        None => None,
    };
    let plan = policy::Plan {
        http_listen: loopback(options.ports.http),
        api,
        postgres: postgres.map(|found| policy::PostgresPlan {
            listen: loopback(options.ports.postgres),
            upstream: &found.server,
            password_file,
        }),
        credentials,
    };
    let source = std::fs::read_to_string(&options.config)
        .map_err(|e| format!("cannot read {}: {e}", options.config.display()))?;
    let text = policy::derive(&source, &options.config, &plan)?;
    credentials::write_private(path, &text)
}

async fn find_and_load(
    options: &Options,
    data: &DemoData,
    notes: &mut Vec<String>,
) -> Result<Found, FindError> {
    let found = postgres::find(&options.home, notes).await?;
    let db = &options.database;
    postgres::load::ensure_database(&found.server, db)
        .await
        .map_err(FindError::Failed)?;
    postgres::load::load_bank(&found.server, db, data)
        .await
        .map_err(FindError::Failed)?;
    Ok(found)
}

/// The gateway's upstream password file: the demo cluster's own, or — for a server
/// named by `TUOMIN_DEMO_PG` with a password — a 0600 copy in the demo folder.
fn upstream_password_file(found: &Found, home: &Path) -> Result<Option<PathBuf>, String> {
    match (&found.origin, &found.server.password) {
        (Origin::Cluster(cluster), _) => Ok(Some(cluster.password_file())),
        (_, Some(password)) => {
            let path = std::path::absolute(home.join("demo-upstream-password"))
                .map_err(|e| e.to_string())?;
            credentials::write_private(&path, &format!("{password}\n"))?;
            Ok(Some(path))
        }
        (_, None) => Ok(None),
    }
}

fn listen_error(options: &Options, port: u16, what: &str, error: &str) -> String {
    match options.ports.flag_for(port) {
        Some(flag) => format!(
            "{what} cannot listen on 127.0.0.1:{port}: {error}; choose another port with {flag} PORT"
        ),
        None => format!("{what}: {error}"),
    }
}

/// A gateway that did not start; a port conflict names its flag.
fn serve_error(options: &Options, error: &str) -> String {
    let p = &options.ports;
    for (port, what) in [
        (p.postgres, "the PostgreSQL gateway"),
        (p.http, "the HTTP gateway"),
    ] {
        if port != 0 && error.contains(&format!("127.0.0.1:{port}")) {
            return listen_error(options, port, what, error);
        }
    }
    error.to_owned()
}
