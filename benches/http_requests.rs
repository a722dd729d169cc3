//! Whole requests through the real gateway, in one process, for instruction counts:
//! a minimal keep-alive client and a minimal upstream (fixed responses with nginx's
//! headers, the ~2 KB document of `benches/http_load.sh`) around `tuomin::serve::start`
//! on the policy of that script (API key, audit trail to a file).
//!
//! `http_requests MODE REQUESTS [CONNECTIONS]`, MODE one of
//! - `direct`: the client against the upstream alone (the baseline to subtract),
//! - `pass`: (c), a route passed through,
//! - `mask`: (d), five fields of the JSON masked;
//! - `filter`: the body filter alone (`mask_json` on the document, no network).
//!
//! Run under `valgrind --tool=callgrind` twice with different REQUESTS (see
//! `benches/http_instructions.sh`): the difference of the totals divided by the
//! difference of the requests is the cost of one request, start-up excluded. Wall-clock
//! figures printed here are only indicative. `NO_AUDIT=1` leaves the audit trail out.
//! (`cargo bench --bench http_requests` runs a short smoke of each mode.)

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tuomin::config::http::hash_api_key;
use tuomin::keys::{KeyId, MasterKey};
use tuomin::serve::{Running, ServeOptions};

const API_KEY: &str = "tmk_bench_vendor_key";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if args.is_empty() {
        for mode in ["direct", "pass", "mask"] {
            runtime.block_on(run(mode, 2000, 4));
        }
        return;
    }
    let mode = args[0].as_str();
    let requests: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    if mode == "filter" {
        return filter(requests);
    }
    let connections: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(4);
    runtime.block_on(run(mode, requests, connections));
}

async fn run(mode: &str, requests: usize, connections: usize) {
    let upstream = upstream().await;
    let dir = tempfile::tempdir().expect("dir");
    let running = gateway(dir.path(), upstream).await;
    let gateway = running.http_addr.expect("http listener");
    let (target, path) = match mode {
        "direct" => (upstream, "/json/customer"),
        "pass" => (gateway, "/bin/customer"),
        "mask" => (gateway, "/json/customer"),
        other => panic!("unknown mode {other}: direct, pass or mask"),
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: bench\r\nAccept: */*\r\nx-api-key: {API_KEY}\r\n\r\n"
    );
    let first = client(target, request.clone(), 1).await;
    if mode == "mask" {
        assert!(
            !first.windows(11).any(|w| w == b"13912345678"),
            "not masked"
        );
    } else {
        assert_eq!(first, document().as_bytes(), "not passed through");
    }
    let started = Instant::now();
    let per = requests.div_ceil(connections);
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(client(target, request.clone(), per)))
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
    let elapsed = started.elapsed();
    println!(
        "{mode}: {} requests on {connections} connections in {elapsed:.2?} ({:.0}/s, indicative)",
        per * connections,
        (per * connections) as f64 / elapsed.as_secs_f64()
    );
    running.shutdown().await;
}

/// The body filter alone, `n` times, on the document and policy of the gateway.
fn filter(n: usize) {
    let dir = tempfile::tempdir().expect("dir");
    write_policy(dir.path(), "127.0.0.1:9".parse().expect("addr"));
    let policy = tuomin::config::load(&dir.path().join("policy.toml")).expect("policy");
    let route = &policy.http.as_ref().expect("http").routes[1];
    let plan = tuomin::http::plan::MaskPlan::build(&policy, "vendor", route);
    let doc = document();
    let mut total = 0;
    for _ in 0..n {
        let (out, _) = tuomin::http::json::mask_json(&plan, doc.as_bytes()).expect("mask");
        total += out.len();
    }
    println!("filter: {n} documents, {total} bytes out");
}

/// `n` keep-alive requests on one connection; the last response body.
async fn client(addr: SocketAddr, request: String, n: usize) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::with_capacity(8192);
    let mut body = Vec::new();
    for _ in 0..n {
        stream.write_all(request.as_bytes()).await.expect("send");
        body = tokio::time::timeout(Duration::from_secs(20), response(&mut stream, &mut buf))
            .await
            .expect("response in time");
    }
    body
}

/// Reads one response (Content-Length framed, status 200) from `stream`.
async fn response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Vec<u8> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).expect("head");
            assert!(head.starts_with("HTTP/1.1 200"), "status: {head}");
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("content-length");
            let total = end + 4 + length;
            while buf.len() < total {
                read_more(stream, buf).await;
            }
            let body = buf[end + 4..total].to_vec();
            buf.drain(..total);
            return body;
        }
        read_more(stream, buf).await;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.expect("read");
    assert!(n > 0, "connection closed");
    buf.extend_from_slice(&chunk[..n]);
}

/// The upstream: answers every request on a connection with the document, as nginx
/// would (`/json/…` as application/json, anything else as application/octet-stream).
async fn upstream() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_upstream(stream));
        }
    });
    addr
}

async fn serve_upstream(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let doc = document();
    let reply = |media: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\n\
             Content-Type: {media}\r\nContent-Length: {}\r\n\
             Last-Modified: Mon, 23 Nov 2026 09:00:00 GMT\r\nConnection: keep-alive\r\n\
             ETag: \"6563a1b0-760\"\r\nAccept-Ranges: bytes\r\n\r\n{doc}",
            doc.len()
        )
        .into_bytes()
    };
    let (json, bin) = (reply("application/json"), reply("application/octet-stream"));
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let out = if buf.starts_with(b"GET /json/") {
            &json
        } else {
            &bin
        };
        buf.drain(..end + 4);
        if stream.write_all(out).await.is_err() {
            return;
        }
    }
}

/// The document of `benches/http_load.sh` (1,888 bytes).
fn document() -> String {
    let history: Vec<serde_json::Value> = (0..17)
        .map(|i| {
            serde_json::json!({"seq": i, "event": "login",
                "created_at": format!("2024-03-01T12:00:{i:02}Z"), "status": "ok",
                "branch_code": format!("BR{i:03}")})
        })
        .collect();
    serde_json::to_string(&serde_json::json!({
        "customer_id": 1001, "name": "王小明", "mobile": "13912345678",
        "email": "wang.xiaoming@example.com", "id_number": "110105199003071234",
        "card_no": "6222020200112233445", "status": "active", "branch_code": "BR001",
        "history": history,
    }))
    .expect("document")
}

/// The gateway on the policy of `benches/http_load.sh`.
async fn gateway(dir: &Path, upstream: SocketAddr) -> Running {
    let path = write_policy(dir, upstream);
    let options = ServeOptions {
        http_listen: Some("127.0.0.1:0".parse().expect("addr")),
        admin_listen: None,
        grace: Some(Duration::from_secs(1)),
    };
    tuomin::serve::start(&path, options)
        .await
        .expect("gateway starts")
}

/// Writes the key and the policy of `benches/http_load.sh` into `dir`.
fn write_policy(dir: &Path, upstream: SocketAddr) -> PathBuf {
    MasterKey::from_bytes(KeyId(1), [7; 32])
        .write_new_file(&dir.join("bench.key"))
        .expect("key");
    let audit = if std::env::var("NO_AUDIT").is_ok_and(|v| v == "1") {
        ""
    } else {
        "[audit]\nfile = \"audit.jsonl\"\n"
    };
    let policy = format!(
        r#"version = 1
[keys]
master_key_file = "bench.key"
master_key_env = "TUOMIN_BENCH_KEY_NEVER_SET"
{audit}
[categories.api_meta]
grade = "C1"
[json_keys]
customer_id = "internal_id"
name = "name"
mobile = "mobile"
email = "email"
id_number = "id_number"
card_no = "card_number"
status = "status"
branch_code = "branch"
seq = "api_meta"
event = "api_meta"
created_at = "timestamp"
[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"
api_keys = ["{hash}"]
[http]
listen = "127.0.0.1:0"
[http.limits]
max_connections = 4096
[[http.routes]]
name = "pass"
path = "/bin/{{f}}"
upstream = "http://{upstream}"
pass_through = ["application/octet-stream"]
[[http.routes]]
name = "mask"
path = "/json/{{f}}"
upstream = "http://{upstream}"
"#,
        hash = hash_api_key(API_KEY)
    );
    let path = dir.join("policy.toml");
    std::fs::write(&path, policy).expect("policy");
    path
}
