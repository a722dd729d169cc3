//! `tuomin serve` and `tuomin sample-api`: the long-running commands.

use std::net::SocketAddr;
use std::path::Path;

use crate::sample_api::{SampleApi, SampleData};
use crate::serve::ServeOptions;

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs to standard error at `default` level unless `TUOMIN_LOG` / `RUST_LOG` say otherwise.
pub(super) fn logs(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUOMIN_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the gateway until SIGINT/SIGTERM; SIGHUP reloads the policy.
pub fn serve(config: &Path, http_listen: Option<SocketAddr>) -> anyhow::Result<String> {
    logs("info");
    let options = ServeOptions {
        http_listen,
        grace: None,
    };
    runtime()?
        .block_on(crate::serve::run(config, options))
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(String::new())
}

/// Serves the demo bank's sample API until interrupted.
pub fn sample_api(listen: SocketAddr, seed: u64, customers: u64) -> anyhow::Result<String> {
    logs("info");
    runtime()?.block_on(async {
        let api = SampleApi::start(listen, SampleData::generate(seed, customers)).await?;
        eprintln!("tuomin: sample API on http://{}", api.addr);
        tokio::signal::ctrl_c().await?;
        api.stop();
        Ok(String::new())
    })
}
