//! Helpers of the admin-listener tests: the `[admin]` lines, scraping `/metrics`, and
//! reading one sample out of the Prometheus text.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

/// An `[admin]` section on a free loopback port.
pub const ADMIN: &str = "\n[admin]\nlisten = \"127.0.0.1:0\"\nupstream_check_secs = 1\n";

/// A plain client for the admin listener.
pub fn client() -> reqwest::Client {
    crate::common::http_client()
}

/// `GET path` on the admin listener: status and body.
pub async fn get(admin: SocketAddr, path: &str) -> (u16, String) {
    let r = client()
        .get(format!("http://{admin}{path}"))
        .send()
        .await
        .expect("admin request");
    let status = r.status().as_u16();
    (status, r.text().await.expect("admin body"))
}

/// `POST path` on the admin listener: status and body as JSON.
pub async fn post(admin: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let r = client()
        .post(format!("http://{admin}{path}"))
        .send()
        .await
        .expect("admin request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("admin body");
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, value)
}

/// The Prometheus text of `/metrics`.
pub async fn metrics(admin: SocketAddr) -> String {
    let (status, text) = get(admin, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    text
}

/// The value of the sample named exactly `series` (`name{labels}` as exposed), if any.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (name, value) = l.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok()).flatten()
    })
}

/// Scrapes until `series` reaches at least `at_least` (records and probes are
/// asynchronous), for at most ten seconds; the last text scraped.
pub async fn wait_for(admin: SocketAddr, series: &str, at_least: f64) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics(admin).await;
        if sample(&text, series).is_some_and(|v| v >= at_least) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{series} did not reach {at_least}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
