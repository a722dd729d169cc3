//! The admin listener in front of the HTTP gateway (the demo policy and the sample
//! API, all on loopback port 0): `/metrics` moves with real requests and carries the
//! right labels and no value; `/healthz`, `/readyz`, 404 and 405; `POST /reload`
//! applies a valid policy (new version, a disabled consumer's open connection closed)
//! and refuses an invalid one with its file and line, the running policy kept.

#[path = "common/admin.rs"]
mod admin;
mod common;
#[path = "common/http.rs"]
mod gw;

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use admin::{ADMIN, metrics, sample, wait_for};
use gw::{demo_env, get, keep_alive_get as request};

fn version_of(env: &gw::Env) -> String {
    tuomin::config::load(&env.policy)
        .unwrap_or_else(|e| panic!("{e}"))
        .version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_consumer_and_decision_and_values_by_transform() {
    let env = demo_env(|t| t + ADMIN).await;
    let admin = env.running.admin_addr.expect("admin listener");
    for _ in 0..3 {
        let (status, v) = get(&env, "qa", "/api/customers/1").await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, _) = get(&env, "offshore_hq", "/api/customers/1").await;
    assert_eq!(status, 403, "offshore gets no C2");
    let unknown = gw::client()
        .get(env.url("/api/customers/1"))
        .header("x-api-key", "tmk_nobody_knows_this_key")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 401);

    let text = wait_for(admin, "tuomin_audit_records_written_total", 5.0).await;
    let expect = [
        (
            "tuomin_http_requests_total{consumer=\"qa\",decision=\"masked\"}",
            3.0,
        ),
        (
            "tuomin_http_requests_total{consumer=\"offshore_hq\",decision=\"refused\"}",
            1.0,
        ),
        (
            "tuomin_http_requests_total{consumer=\"unidentified\",decision=\"refused\"}",
            1.0,
        ),
        // One mobile number per customer record, FPE for dev_test.
        (
            "tuomin_values_transformed_total{listener=\"http\",transform=\"fpe_mobile\"}",
            3.0,
        ),
        (
            "tuomin_http_request_duration_seconds_count{decision=\"masked\"}",
            3.0,
        ),
        ("tuomin_audit_write_failures_total", 0.0),
        ("tuomin_audit_healthy", 1.0),
    ];
    for (series, value) in expect {
        assert_eq!(sample(&text, series), Some(value), "{series}:\n{text}");
    }
    let info = format!("tuomin_policy_info{{version=\"{}\"}}", version_of(&env));
    assert_eq!(sample(&text, &info), Some(1.0), "{text}");
    assert_eq!(
        sample(
            &text,
            "tuomin_pg_statements_total{consumer=\"qa\",decision=\"masked\"}"
        ),
        None,
        "no PostgreSQL traffic, no PostgreSQL series"
    );

    // Never a value: no key, and nothing of the customer as the upstream holds it.
    let api = env.api.as_ref().unwrap().addr;
    let real: serde_json::Value = gw::client()
        .get(format!("http://{api}/api/customers/1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let values = [
        real["id_number"].as_str().unwrap(),
        real["contact"]["mobile"].as_str().unwrap(),
        real["name"].as_str().unwrap(),
        env.key("qa"),
        "tmk_nobody_knows_this_key",
    ];
    for v in values {
        assert!(!text.contains(v), "a value reached /metrics");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_readyz_and_unknown_paths_and_methods() {
    let env = demo_env(|t| t + ADMIN).await;
    let admin = env.running.admin_addr.expect("admin listener");
    assert_eq!(
        admin::get(admin, "/healthz").await,
        (200, "{\"status\":\"alive\"}\n".to_owned())
    );
    let (status, body) = admin::get(admin, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "ready");

    let (status, _) = admin::get(admin, "/api/customers/1").await;
    assert_eq!(status, 404, "the admin port is not a gateway");
    let c = admin::client();
    let r = c
        .post(format!("http://{admin}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET, HEAD");
    let r = c
        .get(format!("http://{admin}/reload"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    let r = c
        .head(format!("http://{admin}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // Stopping: not ready any more, so load balancers move away first.
    env.running.readiness.draining();
    let (status, body) = admin::get(admin, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("shutting down"), "{body}");
    assert_eq!(admin::get(admin, "/healthz").await.0, 200, "still alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_reload_applies_a_valid_policy_and_closes_a_disabled_consumers_connections() {
    let env = demo_env(|t| t + ADMIN).await;
    let admin = env.running.admin_addr.expect("admin listener");
    let before = version_of(&env);
    let addr = env.running.http_addr.unwrap();
    let mut vendor = TcpStream::connect(addr).await.unwrap();
    assert_eq!(
        request(&mut vendor, env.key("vendor_collections")).await,
        200
    );

    let text = std::fs::read_to_string(&env.policy).unwrap().replace(
        "[consumers.vendor_collections]\n",
        "[consumers.vendor_collections]\nenabled = false\n",
    );
    std::fs::write(&env.policy, text).unwrap();
    let after = version_of(&env);
    assert_ne!(before, after);
    let (status, body) = admin::post(admin, "/reload").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "reloaded");
    assert_eq!(body["version"], after.as_str());
    assert_eq!(body["cut_off"], 1);

    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(Duration::from_secs(1), vendor.read(&mut byte)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the vendor's keep-alive connection is still open"
    );
    let (status, v) = get(&env, "vendor_collections", "/api/customers/1").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (403, Some("consumer_disabled"))
    );
    assert_eq!(get(&env, "qa", "/api/customers/1").await.0, 200);

    let text = metrics(admin).await;
    assert_eq!(
        sample(&text, "tuomin_policy_reloads_total{result=\"ok\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "tuomin_cutoff_connections_closed_total"),
        Some(1.0)
    );
    let info = |v: &str| format!("tuomin_policy_info{{version=\"{v}\"}}");
    assert_eq!(sample(&text, &info(&after)), Some(1.0), "{text}");
    assert_eq!(sample(&text, &info(&before)), None, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_reload_refuses_an_invalid_policy_with_its_line_and_keeps_the_running_one() {
    let env = demo_env(|t| t + ADMIN).await;
    let admin = env.running.admin_addr.expect("admin listener");
    let running = version_of(&env);
    let text = std::fs::read_to_string(&env.policy).unwrap();
    let loosened = format!(
        "{text}\n[[rules]]\nscenario = \"dev_test\"\ncategory = \"cvv\"\ntransform = \"mask\"\n"
    );
    std::fs::write(&env.policy, &loosened).unwrap();
    let line = loosened.lines().count() - 3;

    let (status, body) = admin::post(admin, "/reload").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["status"], "refused");
    assert_eq!(body["running_version"], running.as_str());
    let errors: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains(&format!("demo.toml:{line}:")) && e.contains("never shared")),
        "{errors:?}"
    );

    let (status, v) = get(&env, "qa", "/api/customers/1").await;
    assert_eq!(status, 200, "the running policy still serves: {v}");
    assert!(v.get("cvv").is_none());
    let text = metrics(admin).await;
    assert_eq!(
        sample(&text, "tuomin_policy_reloads_total{result=\"failed\"}"),
        Some(1.0)
    );
    let info = format!("tuomin_policy_info{{version=\"{running}\"}}");
    assert_eq!(sample(&text, &info), Some(1.0), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_address_given_without_an_admin_section_is_refused_at_start() {
    let dir = common::PolicyDir::new();
    let path = dir.demo();
    let options = tuomin::serve::ServeOptions {
        http_listen: Some(gw::loopback()),
        admin_listen: Some(gw::loopback()),
        ..Default::default()
    };
    let Err(e) = tuomin::serve::start(&path, options).await else {
        panic!("started without [admin]");
    };
    assert!(e.contains("[admin]"), "{e}");
}
