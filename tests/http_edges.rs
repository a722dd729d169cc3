//! The HTTP gateway at its edges: a route the policy opens to anonymous callers (and
//! only that one), an upstream that answers too slowly (504), an https upstream
//! verified against its CA (and one signed by another CA refused), and graceful
//! shutdown — in-process, and of the real binary on SIGTERM: requests in flight finish,
//! new connections are refused, the process exits 0.

#[path = "common/cli.rs"]
mod cli;
mod common;
#[path = "common/http.rs"]
mod gw;
#[path = "common/upstream.rs"]
mod upstream;

use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tuomin::serve::ServeOptions;

use gw::{client, custom_env, with_keys};

/// The vendor and a public site, two routes to `upstream`: `/open/…` anonymous
/// (served as `public_site`), `/t/…` for callers with a key. `upstream` is the
/// routes' upstream line(s).
fn policy(upstream: &str, extra_route: &str) -> String {
    format!(
        r#"
[categories.api_meta]
grade = "C1"

[json_keys]
z_first = "api_meta"
note = "api_meta"
customer_id = "internal_id"
name = "name"
mobile = "mobile"
card_no = "card_number"
cvv = "cvv"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"

[consumers.public_site]
scenario = "outsourced"
key_scope = "public"

[http]
listen = "127.0.0.1:0"
[http.timeouts]
upstream = "400ms"

[[http.routes]]
name = "open"
path = "/open/{{what}}"
{upstream}
anonymous_consumer = "public_site"

[[http.routes]]
name = "t"
path = "/t/{{what}}"
{upstream}
{extra_route}
"#
    )
}

async fn status_and_body(req: reqwest::RequestBuilder) -> (u16, String) {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

/// GET `path` through the gateway with the vendor's key: status and body.
async fn vendor_get(env: &gw::Env, path: &str) -> (u16, String) {
    status_and_body(
        client()
            .get(env.url(path))
            .header("x-api-key", env.key("vendor")),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_route_opened_to_anonymous_callers_serves_them_and_it_masks() {
    let up = upstream::start().await;
    let env = custom_env(
        &policy(&format!("upstream = \"http://{up}\""), ""),
        &["vendor"],
    )
    .await;
    let (status, body) = status_and_body(client().get(env.url("/open/plain"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("13912345678"),
        "the anonymous view is masked: {body}"
    );
    assert!(!body.contains("\"cvv\""), "{body}");
    let (status, _) = status_and_body(client().get(env.url("/t/plain"))).await;
    assert_eq!(status, 401, "a route not opened needs credentials");
    let (status, _) = vendor_get(&env, "/t/plain").await;
    assert_eq!(status, 200);
    // Disabling the anonymous consumer closes the open route too.
    env.reload_with(|t| {
        t.replace(
            "[consumers.public_site]\n",
            "[consumers.public_site]\nenabled = false\n",
        )
    })
    .expect("reload");
    let (status, _) = status_and_body(client().get(env.url("/open/plain"))).await;
    assert_eq!(status, 403, "a disabled anonymous consumer is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_slower_than_its_timeout_is_answered_504() {
    let up = upstream::start().await;
    let env = custom_env(
        &policy(&format!("upstream = \"http://{up}\""), ""),
        &["vendor"],
    )
    .await;
    let (status, body) = vendor_get(&env, "/t/slow").await;
    assert_eq!(status, 504, "{body}");
    assert!(
        body.contains("upstream"),
        "the error says what timed out: {body}"
    );
    let (status, _) = vendor_get(&env, "/t/plain").await;
    assert_eq!(status, 200, "the gateway goes on");
}

/// An upstream nobody listens on: 502 `upstream_unreachable`, and the vendor is not
/// told where the upstream is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_answered_502_without_its_address() {
    let (_held, port) = common::refusing_port();
    let env = custom_env(
        &policy(&format!("upstream = \"http://127.0.0.1:{port}\""), ""),
        &["vendor"],
    )
    .await;
    let (status, body) = vendor_get(&env, "/t/plain").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("upstream_unreachable"), "{body}");
    assert!(!body.contains(&port.to_string()), "{body}");
    assert!(!body.contains("127.0.0.1"), "{body}");
}

fn ca(name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    (params.self_signed(&key).expect("ca"), key)
}

fn leaf(ca: &(rcgen::Certificate, KeyPair)) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("params");
    let cert = params.signed_by(&key, &ca.0, &ca.1).expect("leaf");
    (cert.pem(), key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_upstream_is_verified_against_the_routes_ca() {
    let root = ca("upstream CA");
    let other = ca("someone else's CA");
    let (cert, key) = leaf(&root);
    let up = upstream::start_tls(&cert, &key).await;
    let https = format!("https://127.0.0.1:{}", up.port());
    let extra = format!(
        "[[http.routes]]\nname = \"wrong_ca\"\npath = \"/w/{{what}}\"\n\
         upstream = \"{https}\"\nupstream_ca_file = \"other-ca.pem\"\n"
    );
    let lines = format!("upstream = \"{https}\"\nupstream_ca_file = \"up-ca.pem\"");
    // The CA files must be there when the policy loads.
    let dir = common::PolicyDir::new();
    std::fs::write(dir.path().join("up-ca.pem"), root.0.pem()).expect("ca");
    std::fs::write(dir.path().join("other-ca.pem"), other.0.pem()).expect("ca");
    let env = gw::custom_env_in(dir, &policy(&lines, &extra), &["vendor"]).await;
    let (status, body) = vendor_get(&env, "/t/plain").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("13912345678"),
        "masked over https too: {body}"
    );
    let (status, body) = vendor_get(&env, "/w/plain").await;
    assert_eq!(
        status, 502,
        "an upstream certificate of another CA is refused: {body}"
    );
    // The vendor is told the upstream could not be reached; what was wrong with its
    // certificate (names, issuer) is the operator's, in the log.
    assert!(body.contains("upstream_unreachable"), "{body}");
    assert!(!body.contains("certificate"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish_and_refuses_new_connections() {
    let up = upstream::start().await;
    let dir = common::PolicyDir::new();
    let body = policy(&format!("upstream = \"http://{up}\""), "").replace("400ms", "10s");
    let (body, keys) = with_keys(body, &["vendor"]);
    let path = dir.write(&body);
    let options = ServeOptions {
        http_listen: Some(gw::loopback()),
        grace: Some(Duration::from_secs(20)),
        ..Default::default()
    };
    let running = tuomin::serve::start(&path, options).await.expect("start");
    let addr = running.http_addr.expect("http");
    let key = keys["vendor"].clone();
    let in_flight = tokio::spawn(async move {
        let r = client()
            .get(format!("http://{addr}/t/slow"))
            .header("x-api-key", key)
            .send()
            .await
            .expect("the request in flight is answered");
        r.status().as_u16()
    });
    tokio::time::sleep(upstream::SLOW / 3).await;
    let stopping = tokio::spawn(running.shutdown());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connection once stopping"
    );
    assert_eq!(in_flight.await.expect("task"), 200);
    tokio::time::timeout(Duration::from_secs(30), stopping)
        .await
        .expect("shutdown ends once the request is done")
        .expect("task");
}

#[test]
fn the_binary_stops_gracefully_on_sigterm() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let up = runtime.block_on(upstream::start());
    let dir = common::PolicyDir::new();
    let listen = cli::free_loopback_addr();
    let body = policy(&format!("upstream = \"http://{up}\""), "")
        .replace("400ms", "10s")
        .replace("127.0.0.1:0", &listen.to_string());
    let (body, keys) = with_keys(body, &["vendor"]);
    let config = dir.write(&body).display().to_string();
    let mut serve = cli::start(dir.path(), &["serve", "--config", &config], &[]);
    serve.wait_listening(listen, Duration::from_secs(60));
    let key = keys["vendor"].clone();
    let in_flight = runtime.spawn(async move {
        client()
            .get(format!("http://{listen}/t/slow"))
            .header("x-api-key", key)
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    std::thread::sleep(upstream::SLOW / 3);
    serve.signal("TERM");
    let status = runtime
        .block_on(in_flight)
        .expect("task")
        .expect("the request in flight is answered after SIGTERM");
    assert_eq!(status, 200);
    let exit = serve.wait(Duration::from_secs(30));
    assert!(
        exit.status.success(),
        "graceful stop exits 0\n{}",
        exit.both()
    );
    assert!(
        std::net::TcpStream::connect(listen).is_err(),
        "the port is closed"
    );
}
