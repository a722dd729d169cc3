//! Cut-off and limits: a policy reload that disables a consumer refuses its next
//! request at once and closes its open keep-alive connections within one second; an
//! invalid policy is refused and the running one kept; rate and volume limits answer
//! 429 and are recorded.

mod common;
#[path = "common/http.rs"]
mod gw;

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use gw::{demo_env, get, keep_alive_get as request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_consumer_closes_its_open_connections_within_one_second() {
    let env = demo_env(|t| t).await;
    let addr = env.running.http_addr.unwrap();
    let mut vendor = TcpStream::connect(addr).await.unwrap();
    let mut qa = TcpStream::connect(addr).await.unwrap();
    assert_eq!(
        request(&mut vendor, env.key("vendor_collections")).await,
        200
    );
    assert_eq!(request(&mut qa, env.key("qa")).await, 200);

    let started = Instant::now();
    let cut = env
        .reload_with(|t| {
            t.replace(
                "[consumers.vendor_collections]\n",
                "[consumers.vendor_collections]\nenabled = false\n",
            )
        })
        .expect("reload");
    assert_eq!(cut, 1, "only the vendor's connection is cut");
    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(Duration::from_secs(1), vendor.read(&mut byte)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the vendor's keep-alive connection is still open after {:?}",
        started.elapsed()
    );
    let (status, v) = get(&env, "vendor_collections", "/api/customers/1").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (403, Some("consumer_disabled"))
    );
    assert_eq!(
        request(&mut qa, env.key("qa")).await,
        200,
        "other consumers keep theirs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_policy_is_refused_at_reload_and_the_running_one_kept() {
    let env = demo_env(|t| t).await;
    let err = env
        .reload_with(|t| t.replace("c3 = \"remove\"", "c3 = \"pass\""))
        .unwrap_err();
    assert!(err.contains("unknown variant `pass`"), "{err}");
    let (status, _) = get(&env, "qa", "/api/customers/1").await;
    assert_eq!(status, 200);
    let err = env
        .reload_with(|t| {
            t.replace("c3 = \"pass\"", "c3 = \"remove\"").replace(
                "path = \"/api/accounts/{id}\"",
                "path = \"/api/accounts/{id}\"\nfields = { \"$.x[?(@.a)]\" = \"name\" }",
            )
        })
        .unwrap_err();
    assert!(err.contains("unsupported JSON path"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_rate_are_answered_429_and_recorded() {
    let env = demo_env(|t| t.replace("requests_per_second = 20", "requests_per_second = 2")).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(get(&env, "vendor_collections", "/api/accounts/1").await.0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(statuses[0], 200);
    let (status, _) = get(&env, "qa", "/api/accounts/1").await;
    assert_eq!(status, 200, "limits are per consumer");
    let mut breach = false;
    for _ in 0..50 {
        breach = env.audit_lines().iter().any(|l| {
            l["consumer"] == "vendor_collections"
                && l["decision"] == "refused"
                && l["reason"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("rate limit"))
        });
        if breach {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(breach, "the breach is in the audit trail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_over_the_hours_volume_are_refused_before_they_leave() {
    let env = demo_env(|t| t.replace("records_per_hour = 100000", "records_per_hour = 5")).await;
    let (status, v) = get(&env, "vendor_collections", "/api/customers?limit=3").await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = get(&env, "vendor_collections", "/api/customers?limit=3").await;
    assert_eq!(status, 429);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("records per hour")
    );
    assert!(v.get("data").is_none());
}
