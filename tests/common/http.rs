//! Shared helpers of the HTTP gateway tests: the demo policy with generated API keys
//! in front of the in-process sample API, a policy of one's own in front of a test
//! upstream, and clients. Everything binds 127.0.0.1 port 0.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tuomin::config::http::hash_api_key;
use tuomin::sample_api::{SampleApi, SampleData};
use tuomin::serve::{Running, ServeOptions};

use crate::common::PolicyDir;

/// A gateway running on a policy in a temporary directory.
pub struct Env {
    pub dir: PolicyDir,
    pub policy: PathBuf,
    pub running: Running,
    pub base: String,
    /// Consumer → its plain API key.
    pub keys: HashMap<String, String>,
    pub api: Option<SampleApi>,
}

impl Env {
    pub fn key(&self, consumer: &str) -> &str {
        &self.keys[consumer]
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Rewrites the policy file with `edit` and reloads it.
    pub fn reload_with(&self, edit: impl Fn(String) -> String) -> Result<usize, String> {
        let text = std::fs::read_to_string(&self.policy).expect("policy");
        std::fs::write(&self.policy, edit(text)).expect("write policy");
        self.running
            .live
            .reload()
            .map(|r| r.cut_off)
            .map_err(|e| e.to_string())
    }

    /// The audit records, once at least `n` are written (the writer batches them;
    /// waits up to two seconds, then returns what there is).
    pub async fn audit_lines_at_least(&self, n: usize) -> Vec<serde_json::Value> {
        let mut lines = Vec::new();
        for _ in 0..100 {
            lines = self.audit_lines();
            if lines.len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        lines
    }

    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        let path = self.dir.path().join("audit.jsonl");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

/// A fresh API key and the policy line holding its hash.
pub fn new_key(consumer: &str) -> (String, String) {
    let key = format!("tmk_test_{consumer}_{}", std::process::id());
    let line = format!("api_keys = [\"{}\"]", hash_api_key(&key));
    (key, line)
}

/// Gives each named consumer (`[consumers.NAME]` must be in `text`) a new API key.
pub fn with_keys(mut text: String, consumers: &[&str]) -> (String, HashMap<String, String>) {
    let mut keys = HashMap::new();
    for c in consumers {
        let (key, line) = new_key(c);
        let header = format!("[consumers.{c}]\n");
        assert!(text.contains(&header), "no {header}");
        text = text.replace(&header, &format!("{header}{line}\n"));
        keys.insert((*c).to_owned(), key);
    }
    (text, keys)
}

pub const DEMO_CONSUMERS: [&str; 4] = ["qa", "vendor_collections", "analyst", "offshore_hq"];

/// The shipped demo policy in front of the sample API (20 customers, seed 1).
pub async fn demo_env(edit: impl Fn(String) -> String) -> Env {
    let dir = PolicyDir::new();
    let path = dir.demo();
    let api = SampleApi::start(loopback(), SampleData::generate(1, 20))
        .await
        .expect("sample API");
    let text = std::fs::read_to_string(&path).expect("demo");
    let text = text.replace("http://127.0.0.1:8080", &format!("http://{}", api.addr));
    let (text, keys) = with_keys(edit(text), &DEMO_CONSUMERS);
    std::fs::write(&path, text).expect("write");
    let running = start(&path).await;
    Env {
        base: format!("http://{}", running.http_addr.expect("http")),
        dir,
        policy: path,
        running,
        keys,
        api: Some(api),
    }
}

/// A policy of one's own (after `version` and `[keys]`), keys given to `consumers`.
pub async fn custom_env(body: &str, consumers: &[&str]) -> Env {
    custom_env_in(PolicyDir::new(), body, consumers).await
}

/// [`custom_env`] in `dir`, which may already hold files the policy names (CA files).
pub async fn custom_env_in(dir: PolicyDir, body: &str, consumers: &[&str]) -> Env {
    let (body, keys) = with_keys(body.to_owned(), consumers);
    let path = dir.write(&body);
    let running = start(&path).await;
    Env {
        base: format!("http://{}", running.http_addr.expect("http")),
        dir,
        policy: path,
        running,
        keys,
        api: None,
    }
}

pub async fn start(path: &std::path::Path) -> Running {
    let options = ServeOptions {
        http_listen: Some(loopback()),
        grace: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    match tuomin::serve::start(path, options).await {
        Ok(r) => r,
        Err(e) => panic!("gateway did not start: {e}"),
    }
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

/// A plain-HTTP client (no proxy from the environment, no pooling surprises).
pub fn client() -> reqwest::Client {
    crate::common::http_client()
}

/// Sends `GET /api/customers/1` on a keep-alive `stream` with an API key and reads the
/// whole response; the status.
pub async fn keep_alive_get(stream: &mut tokio::net::TcpStream, key: &str) -> u16 {
    let req = format!("GET /api/customers/1 HTTP/1.1\r\nHost: gw\r\nx-api-key: {key}\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end].to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap();
            if buf.len() >= end + 4 + length {
                return text[9..12].parse().unwrap();
            }
        }
    }
}

/// GET with an API key: status and parsed JSON body.
pub async fn get(env: &Env, consumer: &str, path: &str) -> (u16, serde_json::Value) {
    let r = client()
        .get(env.url(path))
        .header("x-api-key", env.key(consumer))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, value)
}
