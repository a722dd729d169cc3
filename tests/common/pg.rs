//! A PostgreSQL server for tests, found or started:
//!
//! - `TUOMIN_TEST_PG_URL=postgres://user[:password]@host:port/db` names a server to use;
//! - otherwise a throwaway cluster is made with `initdb` and run as an unprivileged
//!   user (PostgreSQL refuses to run as root) on a free loopback port. A watchdog
//!   stops it and removes its files when the test process ends.
//!
//! Tests never assume the machine's own server. Missing PostgreSQL binaries or `psql`
//! fail loudly with what to install. Each test takes a fresh database.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where a test PostgreSQL listens and who to log in as.
#[derive(Clone, Debug)]
pub struct PgServer {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    /// The database that exists from the start (used to create others).
    pub maintenance_db: String,
}

impl PgServer {
    /// A server on loopback `port`, as `postgres` without a password.
    pub fn local(port: u16) -> PgServer {
        PgServer {
            host: "127.0.0.1".into(),
            port,
            user: "postgres".into(),
            password: None,
            maintenance_db: "postgres".into(),
        }
    }

    /// A libpq connection string for `db`.
    pub fn conninfo(&self, db: &str) -> String {
        let mut s = format!(
            "host={} port={} user={} dbname={db}",
            self.host, self.port, self.user
        );
        if let Some(password) = &self.password {
            s.push_str(&format!(" password={password}"));
        }
        s
    }

    /// Runs `sql` in `db` with psql (unaligned, tuples only; stops at the first error);
    /// panics with psql's output when it fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.psql_output(
            db,
            &["-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql],
        );
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs psql with `args` against `db`; returns its output whatever happened.
    pub fn psql_output(&self, db: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(psql_binary());
        cmd.arg(self.conninfo(db)).args(args);
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        super::output_within_limit(&mut cmd)
    }

    /// A new, empty database, unique to this test process.
    pub fn fresh_database(&self, prefix: &str) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("tuomin_{prefix}_{}_{n}", std::process::id());
        self.psql(
            &self.maintenance_db,
            &format!("DROP DATABASE IF EXISTS {name}"),
        );
        self.psql(
            &self.maintenance_db,
            &format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"),
        );
        name
    }

    /// A new database holding the demo bank (`customers` customers, from `seed`).
    pub fn demo_database(&self, prefix: &str, customers: usize, seed: u64) -> String {
        let db = self.fresh_database(prefix);
        let data = tuomin::demo::DemoData::generate(seed, customers);
        let mut sql = tuomin::demo::SCHEMA_SQL.as_bytes().to_vec();
        data.write_sql(&mut sql).expect("demo SQL");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("demo.sql");
        std::fs::write(&file, sql).expect("write demo SQL");
        let file = file.to_string_lossy().into_owned();
        let out = self.psql_output(&db, &["-v", "ON_ERROR_STOP=1", "-X", "-q", "-f", &file]);
        assert!(
            out.status.success(),
            "loading the demo bank failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        db
    }
}

/// The test server: `TUOMIN_TEST_PG_URL`, or one throwaway cluster per test process.
pub fn server() -> &'static PgServer {
    super::watchdog();
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("TUOMIN_TEST_PG_URL") {
        Ok(url) => parse_url(&url),
        Err(_) => throwaway_cluster(&[]),
    })
}

fn parse_url(url: &str) -> PgServer {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .unwrap_or_else(|| {
            panic!("TUOMIN_TEST_PG_URL must look like postgres://user@host:port/db")
        });
    let (auth, rest) = rest.split_once('@').unwrap_or(("postgres", rest));
    let (user, password) = match auth.split_once(':') {
        Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
        None => (auth.to_owned(), None),
    };
    let (hostport, db) = rest.split_once('/').unwrap_or((rest, "postgres"));
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    PgServer {
        host: host.to_owned(),
        port: port.parse().expect("TUOMIN_TEST_PG_URL port"),
        user,
        password,
        maintenance_db: db.to_owned(),
    }
}

/// The directory holding `initdb` and `postgres` (found as `tuomin demo` finds them).
pub fn pg_bin_dir() -> PathBuf {
    tuomin::demo::postgres::command::server_bin_dir().unwrap_or_else(|| {
        panic!(
            "PostgreSQL server binaries (initdb, postgres) are not installed: run \
             `apt-get install -y postgresql`, or set TUOMIN_TEST_PG_URL to a server to use"
        )
    })
}

fn psql_binary() -> PathBuf {
    let dir = pg_bin_dir();
    if dir.join("psql").exists() {
        return dir.join("psql");
    }
    PathBuf::from("psql")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs `program args` as `user` (when root) or as ourselves.
fn as_user(user: Option<&str>, program: &Path, args: &[String]) -> Command {
    match user {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(program).args(args);
            cmd
        }
        None => {
            let mut cmd = Command::new(program);
            cmd.args(args);
            cmd
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts a throwaway cluster with extra `postgres` arguments (e.g. `-c ssl=on`);
/// it lives until the test process ends.
pub fn throwaway_cluster(extra_args: &[String]) -> PgServer {
    let bin = pg_bin_dir();
    let base = tempfile::Builder::new()
        .prefix("tuomin-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let user = is_root().then_some("postgres");
    if let Some(user) = user {
        let chown = Command::new("chown").args(["-R", user]).arg(&base).status();
        assert!(
            chown.is_ok_and(|s| s.success()),
            "chown of the cluster directory failed"
        );
    }
    let data = base.join("data");
    let init = as_user(
        user,
        &bin.join("initdb"),
        &[
            "-D".into(),
            data.display().to_string(),
            "-U".into(),
            "postgres".into(),
            "--auth=trust".into(),
            "-E".into(),
            "UTF8".into(),
            "--locale=C".into(),
        ],
    )
    .output()
    .expect("run initdb");
    assert!(
        init.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let port = free_port();
    let mut args = vec![
        "-D".to_owned(),
        data.display().to_string(),
        "-p".into(),
        port.to_string(),
        "-k".into(),
        base.display().to_string(),
        "-c".into(),
        "listen_addresses=127.0.0.1".into(),
        "-c".into(),
        "fsync=off".into(),
    ];
    args.extend(extra_args.iter().cloned());
    start_with_watchdog(user, &bin.join("postgres"), &args, &base);
    let server = PgServer::local(port);
    wait_ready(&server, &base);
    server
}

/// Starts postgres under a shell that stops it and removes `base` once this test
/// process is gone.
fn start_with_watchdog(user: Option<&str>, postgres: &Path, args: &[String], base: &Path) {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let script = format!(
        "'{}' {} > '{}/log' 2>&1 & pg=$!; while [ -d /proc/{} ]; do sleep 1; done; \
         kill -INT $pg; wait $pg; rm -rf '{}'",
        postgres.display(),
        quoted.join(" "),
        base.display(),
        std::process::id(),
        base.display()
    );
    // The outer shell starts the watchdog in the background and exits at once; the
    // watchdog is adopted by init and outlives nothing but this test process.
    let detached = format!("( {script} ) </dev/null >/dev/null 2>&1 &");
    let status = as_user(user, Path::new("/bin/sh"), &["-c".into(), detached])
        .status()
        .expect("start postgres");
    assert!(status.success(), "starting postgres failed");
}

fn wait_ready(server: &PgServer, base: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = server.psql_output(&server.maintenance_db, &["-X", "-q", "-c", "select 1"]);
        if out.status.success() {
            return;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(base.join("log")).unwrap_or_default();
            panic!("the throwaway PostgreSQL did not start within 60 s; its log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
