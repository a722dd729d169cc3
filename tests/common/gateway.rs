//! A tuomin PostgreSQL gateway for tests: the demo policy with a `[postgres]` section
//! pointing at the harness's server, consumers with SCRAM verifiers, and the listener
//! running in-process on a free loopback port until dropped.
#![allow(dead_code)]

use std::sync::Arc;

use tokio::sync::watch;

use super::PolicyDir;
use super::pg::PgServer;
use tuomin::pg::server::{self, ServerCtx};
use tuomin::pg::session::PolicySource;

/// Passwords of the demo consumers in gateway tests.
pub const PASSWORDS: [(&str, &str); 4] = [
    ("qa", "qa-secret-1"),
    ("vendor_collections", "vendor-secret-2"),
    ("analyst", "analyst-secret-3"),
    ("offshore_hq", "offshore-secret-4"),
];

/// A running gateway.
pub struct Gateway {
    pub port: u16,
    pub dir: PolicyDir,
    pub policy_path: std::path::PathBuf,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The demo policy's text with verifiers and `[postgres]` for `upstream`; `extra`
/// goes inside `[postgres]` (after `listen`), `upstream_extra` inside
/// `[postgres.upstream]`.
pub fn demo_policy(
    dir: &PolicyDir,
    upstream: &PgServer,
    extra: &str,
    upstream_extra: &str,
) -> std::path::PathBuf {
    let path = dir.demo();
    let mut text = std::fs::read_to_string(&path).expect("demo policy");
    for (consumer, password) in PASSWORDS {
        let verifier = tuomin::pg::auth::ScramVerifier::generate(password, 4096);
        let header = format!("[consumers.{consumer}]\n");
        text = text.replace(
            &header,
            &format!("{header}scram_verifier = \"{verifier}\"\n"),
        );
    }
    text.push_str(&format!(
        "\n[postgres]\nlisten = \"127.0.0.1:0\"\nshutdown_grace_secs = 1\n{extra}\n\
         [postgres.upstream]\nhost = \"{}\"\nport = {}\nuser = \"{}\"\n{upstream_extra}\n",
        upstream.host, upstream.port, upstream.user
    ));
    std::fs::write(&path, text).expect("write policy");
    path
}

impl Gateway {
    /// Starts a gateway in front of `upstream` with the demo policy.
    pub fn start(upstream: &PgServer) -> Gateway {
        Self::start_with(upstream, "", "")
    }

    /// Starts a gateway with extra `[postgres]` / `[postgres.upstream]` lines.
    pub fn start_with(upstream: &PgServer, extra: &str, upstream_extra: &str) -> Gateway {
        let dir = PolicyDir::new();
        let policy_path = demo_policy(&dir, upstream, extra, upstream_extra);
        let policy = Arc::new(tuomin::config::load(&policy_path).unwrap_or_else(|e| panic!("{e}")));
        let settings = policy.postgres.clone().expect("[postgres]");
        let audit = policy
            .audit
            .clone()
            .map(|cfg| tuomin::audit::AuditLog::start(cfg, &policy.audit_key()).expect("audit"));
        let source: Arc<dyn PolicySource> = Arc::new(policy);
        let ctx = Arc::new(ServerCtx::new(settings, source, audit).expect("server ctx"));
        let (shutdown, rx) = watch::channel(false);
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                port_tx
                    .send(listener.local_addr().expect("addr").port())
                    .expect("port");
                server::run(listener, ctx, rx).await;
            });
        });
        let port = port_rx.recv().expect("gateway port");
        Gateway {
            port,
            dir,
            policy_path,
            shutdown,
            thread: Some(thread),
        }
    }

    /// Connection details for `consumer` on database `db`.
    pub fn as_consumer(&self, consumer: &str, db: &str) -> PgServer {
        let password = PASSWORDS
            .iter()
            .find(|(c, _)| *c == consumer)
            .map(|(_, p)| p.to_string());
        PgServer {
            host: "127.0.0.1".into(),
            port: self.port,
            user: consumer.into(),
            password,
            maintenance_db: db.into(),
        }
    }

    /// The audit trail's text (`audit.jsonl` in the policy's folder; empty before the
    /// first record).
    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl")).unwrap_or_default()
    }

    /// The audit trail's records once `done` holds for them, or after five seconds
    /// (the writer batches records in the background), whatever they are then. Every
    /// line must be a JSON record.
    pub fn audit_records_until(
        &self,
        done: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let mut records = Vec::new();
        for _ in 0..50 {
            records = self
                .audit_text()
                .lines()
                .map(|l| serde_json::from_str(l).expect("a JSON audit record"))
                .collect();
            if done(&records) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        records
    }

    /// psql logging in as `consumer` (with `password`, else its own) and running
    /// `select 1` on `db`: whether it succeeded, and what it printed on stderr.
    pub fn try_login(&self, consumer: &str, db: &str, password: Option<&str>) -> (bool, String) {
        let mut who = self.as_consumer(consumer, db);
        if let Some(p) = password {
            who.password = Some(p.into());
        }
        let out = who.psql_output(db, &["-X", "-c", "select 1"]);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A libpq connection string for `consumer` on database `db`.
    pub fn conninfo(&self, consumer: &str, db: &str) -> String {
        let c = self.as_consumer(consumer, db);
        format!(
            "host=127.0.0.1 port={} user={} password={} dbname={db}",
            c.port,
            c.user,
            c.password.unwrap_or_default()
        )
    }

    /// A tokio-postgres client for `consumer` on `db` (its connection task spawned).
    pub async fn tokio_client(&self, consumer: &str, db: &str) -> tokio_postgres::Client {
        let conninfo = self.conninfo(consumer, db);
        let login = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls);
        let (client, conn) = tokio::time::timeout(std::time::Duration::from_secs(30), login)
            .await
            .expect("the login through the gateway did not finish within 30 s")
            .expect("connect through the gateway");
        tokio::spawn(conn);
        client
    }

    /// Asks the gateway to shut down (sessions get the grace, then 57P01).
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

/// Real values of the demo bank that must never reach a masked consumer (long enough
/// that a masked value cannot equal one by chance).
pub fn secrets(server: &PgServer, db: &str) -> Vec<String> {
    let sql = "select card_no from cards union all select cvv || '|' || expiry from cards \
               union all select track2 from cards union all select id_number from customers \
               union all select mobile from customers union all select email from customers \
               union all select password_hash from customers union all select account_no from accounts \
               union all select code || '' from sms_codes";
    server
        .psql(db, sql)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| l.len() >= 6)
        .collect()
}

/// Panics (without quoting it) if `text` holds one of `secrets`.
pub fn assert_no_secret(text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "a real value reached the consumer"
        );
    }
}

/// Runs `select pg_sleep(20)` on `client`, cancels it through the gateway with the
/// client's cancel token, and asserts it ends in 57014 within 10 s.
pub async fn assert_cancel_ends_a_sleep(client: tokio_postgres::Client) {
    let token = client.cancel_token();
    let sleeper = tokio::spawn(async move { client.simple_query("select pg_sleep(20)").await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    token
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("send cancel");
    let result = tokio::time::timeout(std::time::Duration::from_secs(10), sleeper)
        .await
        .expect("cancelled within 10 s")
        .unwrap();
    let err = result.expect_err("cancelled");
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("57014"));
}
