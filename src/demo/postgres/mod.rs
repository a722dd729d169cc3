//! The PostgreSQL the live demo stands in front of, found or started, and the demo
//! bank loaded into it:
//!
//! 1. `TUOMIN_DEMO_PG=postgres://USER[:PASSWORD]@HOST:PORT/DB` names a server to use
//!    (`TUOMIN_DEMO_PG=cluster` asks for the demo's own cluster even when another
//!    server answers);
//! 2. else a server on 127.0.0.1:5432 that lets `postgres` in without a password;
//! 3. else the demo's own cluster ([`cluster`]), made with the installed `initdb`.
//!    Nothing is installed: when `initdb` is missing, the error says what to install.
//!
//! - [`command`]: running `initdb` / `pg_ctl` (as an unprivileged account under root,
//!   with a deadline, output to a log file).
//! - [`cluster`]: the demo's own cluster.
//! - [`load`]: the `tuomin_demo` database and the bank in it.

pub mod cluster;
pub mod command;
pub mod load;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub use cluster::Cluster;

/// The variable naming the demo's PostgreSQL.
pub const ENV: &str = "TUOMIN_DEMO_PG";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL server and the account tuomin uses on it.
#[derive(Clone)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    /// The database to connect to for `CREATE DATABASE`.
    pub maintenance_db: String,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Server {
    /// `user@host:port` — never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}:{}", self.user, self.host, self.port)
    }
}

impl Server {
    /// Connects to `db` (spawning the connection on the current runtime).
    pub async fn connect(&self, db: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .dbname(db)
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("tuomin demo");
        if let Some(password) = &self.password {
            config.password(password);
        }
        let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }
}

/// How the server was found.
#[derive(Debug)]
pub enum Origin {
    /// Named by `TUOMIN_DEMO_PG`.
    Env,
    /// Answered on 127.0.0.1:5432.
    Local,
    /// The demo's own cluster (kept running until the value is dropped).
    Cluster(Cluster),
}

/// A server to use, and where it came from.
#[derive(Debug)]
pub struct Found {
    pub server: Server,
    pub origin: Origin,
}

impl Found {
    /// One line saying what this server is, for the user.
    pub fn describe(&self) -> String {
        match &self.origin {
            Origin::Env => format!("{} (from {ENV})", self.server),
            Origin::Local => format!("{} (found running)", self.server),
            Origin::Cluster(c) => format!(
                "{} (the demo's own cluster in {}{})",
                self.server,
                c.dir.display(),
                if c.created { ", just made" } else { "" }
            ),
        }
    }
}

/// Why no server is available.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    /// No server answered and none can be started here (nothing installed).
    #[error("{0}")]
    NotInstalled(String),
    /// A server was named or started but cannot be used.
    #[error("{0}")]
    Failed(String),
}

/// Finds or starts the demo's PostgreSQL; `home` is the demo's `.tuomin` folder.
/// `notes` receives what was tried, for the user.
pub async fn find(home: &Path, notes: &mut Vec<String>) -> Result<Found, FindError> {
    match std::env::var(ENV) {
        Ok(value) if value == "cluster" => start_cluster(home).await,
        Ok(url) => {
            let server = parse_url(&url).map_err(FindError::Failed)?;
            server.connect(&server.maintenance_db).await.map_err(|e| {
                FindError::Failed(format!(
                    "{ENV} names {server}, which cannot be used: {}",
                    describe_error(&e)
                ))
            })?;
            Ok(Found {
                server,
                origin: Origin::Env,
            })
        }
        Err(_) => {
            let local = Server {
                host: "127.0.0.1".into(),
                port: 5432,
                user: "postgres".into(),
                password: None,
                maintenance_db: "postgres".into(),
            };
            match local.connect("postgres").await {
                Ok(_) => Ok(Found {
                    server: local,
                    origin: Origin::Local,
                }),
                Err(e) => {
                    notes.push(format!(
                        "no PostgreSQL let {local} in without a password ({}); set {ENV}=postgres://USER:PASSWORD@HOST:PORT/postgres to use a server of yours",
                        describe_error(&e)
                    ));
                    start_cluster(home).await
                }
            }
        }
    }
}

async fn start_cluster(home: &Path) -> Result<Found, FindError> {
    let home = home.to_owned();
    let started = tokio::task::spawn_blocking(move || Cluster::start(&home))
        .await
        .map_err(|e| FindError::Failed(format!("starting the demo cluster: {e}")))?;
    let (cluster, server) = started.map_err(|e| {
        if command::server_bin_dir().is_none() {
            FindError::NotInstalled(e)
        } else {
            FindError::Failed(e)
        }
    })?;
    if let Err(e) = server.connect(&server.maintenance_db).await {
        let log = cluster.server_log_tail();
        return Err(FindError::Failed(format!(
            "the demo cluster started but does not let {server} in: {}; {log}",
            describe_error(&e)
        )));
    }
    Ok(Found {
        server,
        origin: Origin::Cluster(cluster),
    })
}

/// A client error with its cause: the server's message, else the chain of sources
/// ("error connecting to server: Connection refused").
pub fn describe_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Parses a `postgres://` URL or `key=value` connection string (libpq forms).
pub fn parse_url(url: &str) -> Result<Server, String> {
    let config = tokio_postgres::Config::from_str(url).map_err(|_| {
        format!("{ENV} is not a connection string like postgres://USER:PASSWORD@HOST:PORT/postgres")
    })?;
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(_)) => {
            return Err(format!(
                "{ENV}: the gateway connects over TCP; give a host name or address, not a socket folder"
            ));
        }
        None => "127.0.0.1".to_owned(),
    };
    let password = config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    Ok(Server {
        host,
        port: config.get_ports().first().copied().unwrap_or(5432),
        user: config.get_user().unwrap_or("postgres").to_owned(),
        password,
        maintenance_db: config.get_dbname().unwrap_or("postgres").to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_gives_host_port_user_password_and_database() {
        let s = parse_url("postgres://alice:s3cret@db.example:6543/bank").unwrap();
        assert_eq!(
            (
                s.host.as_str(),
                s.port,
                s.user.as_str(),
                s.maintenance_db.as_str()
            ),
            ("db.example", 6543, "alice", "bank")
        );
        assert_eq!(s.password.as_deref(), Some("s3cret"));
        assert!(
            !format!("{s:?} {s}").contains("s3cret"),
            "the password is never shown"
        );
    }

    #[test]
    fn defaults_fill_what_a_url_leaves_out() {
        let s = parse_url("postgres://127.0.0.1").unwrap();
        assert_eq!(
            (s.port, s.user.as_str(), s.maintenance_db.as_str()),
            (5432, "postgres", "postgres")
        );
        assert_eq!(s.password, None);
    }

    #[test]
    fn a_malformed_url_is_refused_without_echoing_it() {
        let e = parse_url("postgres://u:pw@host:notaport/db").unwrap_err();
        assert!(e.contains(ENV), "{e}");
        assert!(!e.contains("pw@"), "{e}");
    }
}
