//! The response body filter against a misbehaving upstream: every content encoding,
//! chunked bodies, caps, decompression bombs, malformed and non-JSON bodies, big
//! integers, key order, C3 at any depth (refused, or removed), error bodies, NDJSON,
//! redirects and header hygiene.

mod common;
#[path = "common/http.rs"]
mod gw;
#[path = "common/upstream.rs"]
mod upstream;

use gw::{Env, client, custom_env};

fn policy(upstream: std::net::SocketAddr) -> String {
    format!(
        r#"
[categories.api_meta]
grade = "C1"

[json_keys]
z_first = "api_meta"
z = "api_meta"
a = "api_meta"
big = "internal_id"
note = "api_meta"
customer_id = "internal_id"
name = "name"
mobile = {{ category = "mobile", domain = "mobile" }}
card_no = "card_number"
cvv = "cvv"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"

[http]
listen = "127.0.0.1:0"
[http.limits]
max_upstream_body = 1048576
max_decompressed_body = 4194304

[[http.routes]]
name = "t"
path = "/t/{{what}}"
upstream = "http://{upstream}"
pass_through = ["application/pdf"]

[[http.routes]]
name = "r"
path = "/r/{{what}}"
upstream = "http://{upstream}"
c3 = "remove"
"#
    )
}

async fn env() -> Env {
    let up = upstream::start().await;
    custom_env(&policy(up), &["vendor"]).await
}

async fn fetch(env: &Env, path: &str) -> reqwest::Response {
    client()
        .get(env.url(path))
        .header("x-api-key", env.key("vendor"))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("request")
}

async fn json(env: &Env, path: &str) -> (u16, serde_json::Value) {
    let r = fetch(env, path).await;
    let status = r.status().as_u16();
    let text = r.text().await.expect("text");
    (
        status,
        serde_json::from_str(&text).expect("gateway always answers JSON"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_content_encoding_is_decoded_masked_and_sent_back_plain() {
    let env = env().await;
    for enc in ["gzip", "deflate", "br", "zstd", "plain", "chunked"] {
        let r = fetch(&env, &format!("/t/{enc}")).await;
        assert_eq!(r.status(), 200, "{enc}");
        assert!(r.headers().get("content-encoding").is_none(), "{enc}");
        assert!(
            r.headers().get("etag").is_none(),
            "{enc}: upstream ETag must go"
        );
        let length: usize = r.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let text = r.text().await.unwrap();
        assert_eq!(length, text.len(), "{enc}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_ne!(v["mobile"], "13912345678", "{enc}: mobile must be masked");
        assert_ne!(v["name"], "张三", "{enc}: name must be masked");
        assert_eq!(v["customer_id"], 7, "{enc}");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["z_first", "customer_id", "name", "mobile", "note"],
            "{enc}: key order"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decompression_bomb_is_refused_without_inflating_it_all() {
    let env = env().await;
    let (status, v) = json(&env, "/t/bomb").await;
    assert_eq!(status, 502);
    assert_eq!(v["error"]["code"], "decompression_bomb");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_upstream_cap_is_refused() {
    let env = env().await;
    let (status, v) = json(&env, "/t/huge").await;
    assert_eq!(status, 502);
    assert_eq!(v["error"]["code"], "upstream_body");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_and_html_on_a_masked_route_are_refused() {
    let env = env().await;
    let (status, v) = json(&env, "/t/malformed").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (502, Some("upstream_malformed_json"))
    );
    let (status, v) = json(&env, "/t/html").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (502, Some("not_json"))
    );
    assert!(!v.to_string().contains("6222020200112233445"));
    let (status, v) = json(&env, "/t/html_error").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (502, Some("not_json"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_pass_through_type_passes_unchanged() {
    let env = env().await;
    let r = fetch(&env, "/t/pdf").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "%PDF-1.4 fake");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_integers_keep_every_digit_and_keys_keep_their_order() {
    let env = env().await;
    let r = fetch(&env, "/t/bigint").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with(
            r#"{"z":1,"big":12345678901234567890123456789,"a":2.50000000000000000001,"card_no":"#
        ),
        "{text}"
    );
    // The card number (a JSON number) is masked: the vendor's mask keeps the last four.
    assert!(!text.contains("6222020200112233445"), "{text}");
    assert!(text.contains("3445"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c3_deep_in_the_document_refuses_the_response_naming_field_and_rule() {
    let env = env().await;
    let (status, v) = json(&env, "/t/deep").await;
    assert_eq!(status, 403);
    assert_eq!(v["error"]["field"], "$.data[0].x.y[0].z.cvv");
    assert!(v["error"]["rule"].as_str().unwrap().contains("C3"), "{v}");
    assert!(!v.to_string().contains("\"123\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c3_deep_in_the_document_is_removed_when_the_route_says_so() {
    let env = env().await;
    let (status, v) = json(&env, "/r/deep").await;
    assert_eq!(status, 200);
    assert_eq!(
        v,
        serde_json::json!({"data":[{"customer_id":1,"x":{"y":[{"z":{}}]}},{"customer_id":2}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_error_bodies_are_masked_too() {
    let env = env().await;
    let (status, v) = json(&env, "/r/error").await;
    assert_eq!(status, 500, "the upstream's status is kept");
    assert!(v["detail"].get("cvv").is_none());
    assert_ne!(v["detail"]["mobile"], "13912345678");
    let (status, _) = json(&env, "/t/error").await;
    assert_eq!(status, 403, "C3 in an error body refuses it like any other");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndjson_is_masked_line_by_line() {
    let env = env().await;
    let r = fetch(&env, "/r/ndjson").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_ne!(lines[0]["mobile"], "13912345678");
    assert_eq!(lines[1], serde_json::json!({"customer_id": 2}));
    let (status, _) = json(&env, "/t/ndjson").await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_stay_inside_the_gateway_or_are_refused() {
    let env = env().await;
    let c = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .get(env.url("/t/redirect_own"))
        .header("x-api-key", env.key("vendor"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/t/plain");
    let (status, v) = json(&env, "/t/redirect_foreign").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (502, Some("foreign_redirect"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_reaches_the_upstream() {
    let env = env().await;
    let (status, v) = json(&env, "/t/echo").await;
    assert_eq!(status, 200);
    assert_eq!(v["z_first"], false, "x-api-key was forwarded");
}

/// Sends `request` on a fresh connection to the gateway; the response body.
async fn raw(env: &Env, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = env.running.http_addr.expect("http");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut buf = Vec::new();
    let read = async {
        loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed mid-response");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            let Some(end) = text.find("\r\n\r\n") else {
                continue;
            };
            let length: usize = text[..end]
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if buf.len() >= end + 4 + length {
                return text[end + 4..].to_owned();
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), read)
        .await
        .expect("response in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_gets_our_forwarding_headers_and_none_of_one_hops() {
    let env = env().await;
    let request = format!(
        "GET /t/headers?q=1&r=%20 HTTP/1.1\r\nHost: gw.example\r\nx-api-key: {}\r\n\
         Connection: keep-alive, x-hop-named\r\nX-Hop-Named: secret-hop\r\n\
         Keep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\n\
         Forwarded: for=6.6.6.6\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: gopher\r\n\
         X-Forwarded-Host: evil\r\nX-Tuomin-Consumer: admin\r\nAccept-Encoding: gzip\r\n\
         Content-Length: 0\r\nX-Custom: kept\r\n\r\n",
        env.key("vendor")
    );
    let body: serde_json::Value = serde_json::from_str(&raw(&env, &request).await).expect("JSON");
    let seen: Vec<&str> = body["note"].as_str().expect("note").lines().collect();
    assert_eq!(seen[0], "/t/headers?q=1&r=%20", "path and query as sent");
    for expected in [
        "x-custom: kept",
        "x-forwarded-for: 127.0.0.1",
        "x-forwarded-host: gw.example",
        "x-forwarded-proto: http",
        "x-tuomin-consumer: vendor",
    ] {
        assert!(seen.contains(&expected), "{expected} missing from {seen:?}");
    }
    for gone in [
        "x-api-key",
        "x-hop-named",
        "keep-alive",
        "proxy-authorization",
        "te",
        "forwarded",
        "accept-encoding",
    ] {
        assert!(
            !seen.iter().any(|l| l.starts_with(&format!("{gone}: "))),
            "{gone} reached the upstream: {seen:?}"
        );
    }
    for name in [
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-tuomin-consumer",
    ] {
        let n = seen
            .iter()
            .filter(|l| l.starts_with(&format!("{name}: ")))
            .count();
        assert_eq!(n, 1, "{name} once, ours: {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unrouted_and_traversing_paths_are_answered_by_tuomin() {
    let env = env().await;
    let (status, v) = json(&env, "/elsewhere").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("no_route"))
    );
    // reqwest normalises dot segments away; curl --path-as-is sends them as written.
    for path in ["/t/%2e%2e", "/t/../t/plain", "/t//plain", "/t/a%2Fb"] {
        let out = std::process::Command::new("curl")
            .args(["-s", "--max-time", "60", "--path-as-is", "-H"])
            .arg(format!("x-api-key: {}", env.key("vendor")))
            .arg(env.url(path))
            .output()
            .expect("curl must be installed (apt-get install -y curl)");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["error"]["code"], "unsafe_path", "{path}");
    }
}
