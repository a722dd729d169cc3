//! `tuomin serve --log-format json` as a real process, in front of a real PostgreSQL
//! and the sample API: every line on standard error is one JSON object; the lines
//! tell what happened (listeners, sessions, refusals, SIGHUP and `POST /reload`
//! reloads, shutdown) and never carry a value, a password, an API key, the master key
//! or statement text.

#[path = "common/admin.rs"]
mod admin;
mod common;
#[path = "common/http.rs"]
mod gw;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_postgres::NoTls;

use common::PolicyDir;
use common::gateway::{PASSWORDS, demo_policy, secrets};
use tuomin::sample_api::{SampleApi, SampleData};

/// The gateway process: killed if the test ends early; its standard error, line by
/// line, drained by a thread into a channel.
struct Gateway {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    fn start(policy: &std::path::Path) -> Gateway {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tuomin"))
            .args(["serve", "--config"])
            .arg(policy)
            .args(["--http-listen", "127.0.0.1:0", "--log-format", "json"])
            .env("TUOMIN_LOG", "tuomin=debug,info")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tuomin serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Gateway {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most 20 s) for a line whose `message` starts with `message`; the line.
    async fn wait_for(&mut self, message: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no log line {message:?} in:\n{}", self.seen.join("\n")))
                .unwrap_or_else(|| {
                    panic!(
                        "tuomin exited before {message:?}:\n{}",
                        self.seen.join("\n")
                    )
                });
            self.seen.push(line.clone());
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if v["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(message))
            {
                return v;
            }
        }
    }

    /// The address a "… listening" line carries.
    async fn listening(&mut self, message: &str) -> std::net::SocketAddr {
        let line = self.wait_for(message).await;
        line["addr"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no addr in {line}"))
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// SIGTERM, then every remaining line once the process has exited (at most 30 s).
    async fn stop(mut self) -> Vec<String> {
        self.signal("TERM");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.lines.recv()).await {
            self.seen.push(line);
        }
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "tuomin serve exited with {status}");
        std::mem::take(&mut self.seen)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_lines_parse_and_carry_no_value_password_key_or_statement() {
    let server = common::pg::server();
    let db = server.demo_database("gw_logs", 3, 17);
    let api = SampleApi::start(gw::loopback(), SampleData::generate(1, 5))
        .await
        .expect("sample API");
    let dir = PolicyDir::new();
    let path = demo_policy(&dir, server, "", "");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("http://127.0.0.1:8080", &format!("http://{}", api.addr));
    let (text, keys) = gw::with_keys(text, &gw::DEMO_CONSUMERS);
    std::fs::write(&path, text + admin::ADMIN).unwrap();

    let mut gateway = Gateway::start(&path);
    let http = gateway.listening("HTTP gateway listening").await;
    let pg = gateway.listening("PostgreSQL gateway listening").await;
    let admin_addr = gateway.listening("admin listener").await;

    // HTTP: masked, refused for a field, refused for an unknown key.
    let c = gw::client();
    let call = |key: &str| {
        c.get(format!("http://{http}/api/customers/1"))
            .header("x-api-key", key)
            .send()
    };
    assert_eq!(call(&keys["qa"]).await.unwrap().status().as_u16(), 200);
    assert_eq!(
        call(&keys["offshore_hq"]).await.unwrap().status().as_u16(),
        403
    );
    assert_eq!(
        call("tmk_unknown_key_zz").await.unwrap().status().as_u16(),
        401
    );
    gateway.wait_for("request refused").await;

    // PostgreSQL: a statement with a real value as literal, a refused one, a bad password.
    let mobile = server.psql(&db, "select mobile from customers limit 1");
    let mobile = mobile.trim();
    let info = format!(
        "host=127.0.0.1 port={} user=qa password=qa-secret-1 dbname={db}",
        pg.port()
    );
    let (qa, conn) = tokio_postgres::connect(&info, NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    let _ = qa
        .simple_query(&format!(
            "select name from customers where mobile = '{mobile}'"
        ))
        .await;
    assert!(
        qa.simple_query("select cvv, track2 from cards")
            .await
            .is_err()
    );
    let wrong = format!(
        "host=127.0.0.1 port={} user=qa password=wrong-pass-zz9 dbname={db}",
        pg.port()
    );
    assert!(tokio_postgres::connect(&wrong, NoTls).await.is_err());
    gateway.wait_for("postgres startup refused").await;
    drop(qa);

    // SIGHUP with a valid change, POST /reload with an invalid one.
    let text = std::fs::read_to_string(&path).unwrap();
    let disabled = text.replace(
        "[consumers.vendor_collections]\n",
        "[consumers.vendor_collections]\nenabled = false\n",
    );
    std::fs::write(&path, &disabled).unwrap();
    gateway.signal("HUP");
    let reloaded = gateway.wait_for("policy reloaded").await;
    assert_eq!(reloaded["level"], "INFO");
    assert!(
        reloaded["version"].as_str().is_some_and(|v| v.len() == 64),
        "{reloaded}"
    );
    std::fs::write(
        &path,
        disabled.replace("scenario = \"dev_test\"", "scenario = \"nope\""),
    )
    .unwrap();
    let (status, _) = admin::post(admin_addr, "/reload").await;
    assert_eq!(status, 422);
    let refused = gateway.wait_for("policy reload refused").await;
    assert_eq!(refused["level"], "ERROR");

    let lines = gateway.stop().await;
    let mut forbidden: Vec<String> = secrets(server, &db);
    forbidden.extend(keys.values().cloned());
    forbidden.extend(PASSWORDS.iter().map(|(_, p)| p.to_string()));
    forbidden.extend([
        "wrong-pass-zz9".to_owned(),
        "tmk_unknown_key_zz".to_owned(),
        mobile.to_owned(),
        // The test master key is 32 bytes of 42.
        "2a2a2a2a2a2a2a2a".to_owned(),
        "KioqKioqKioq".to_owned(),
        "from cards".to_owned(),
        "from customers".to_owned(),
    ]);
    let mut messages = Vec::new();
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        messages.push(v["message"].as_str().unwrap_or_default().to_owned());
        for f in &forbidden {
            assert!(
                !line.contains(f.as_str()),
                "a log line carries a value or a secret: {line}"
            );
        }
    }
    for expected in [
        "postgres session started",
        "request refused",
        "policy reloaded",
        "policy reload refused; the running policy stays",
        "stopping: not ready any more, draining connections",
    ] {
        assert!(
            messages.iter().any(|m| m == expected),
            "{expected:?} not logged: {messages:?}"
        );
    }
    api.stop();
}
