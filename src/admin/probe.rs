//! The upstream check behind `/readyz`: every `[admin] upstream_check_secs` a TCP
//! connection to the PostgreSQL upstream is opened and closed (no login, so the
//! upstream's logs and connection slots are spared). A failure is recorded in the
//! readiness and counted as an upstream error of kind `check`.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::watch;

use super::health::Readiness;
use super::metrics::Metrics;
use crate::audit::Channel;

/// Connects to `host:port` once, within `timeout`.
pub async fn check(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("{host}:{port}: {e}")),
        Err(_) => Err(format!("{host}:{port}: no answer within {timeout:?}")),
    }
}

/// What the probe checks and where it reports.
pub struct Probe {
    pub host: String,
    pub port: u16,
    pub every: Duration,
    pub readiness: Arc<Readiness>,
    pub metrics: Arc<Metrics>,
}

impl Probe {
    /// Checks at once, then every `every`, until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let timeout = self.every.min(Duration::from_secs(3));
        loop {
            let result = check(&self.host, self.port, timeout).await;
            if let Err(e) = &result {
                tracing::warn!(error = %e, "the PostgreSQL upstream is unreachable");
                self.metrics.upstream_error(Channel::Postgres, "check");
            }
            self.readiness.upstream_checked(result);
            tokio::select! {
                _ = tokio::time::sleep(self.every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}
