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

/// How log lines are written on standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line (for log collectors).
    Json,
}

/// Installs the log subscriber: level from `TUOMIN_LOG` (else `RUST_LOG`, else
/// `default`). Events name consumers, fields, rules and fingerprints, never values.
pub(super) fn logs(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUOMIN_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

/// What `tuomin serve` is given on the command line.
#[derive(Clone, Debug)]
pub struct ServeArgs<'a> {
    pub config: &'a Path,
    pub http_listen: Option<SocketAddr>,
    pub admin_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
}

/// Runs the gateway until SIGINT/SIGTERM; SIGHUP (or `POST /reload` on the admin
/// listener) reloads the policy.
pub fn serve(args: &ServeArgs<'_>) -> anyhow::Result<String> {
    logs(args.log_format, "info");
    let config = args.config;
    let options = ServeOptions {
        http_listen: args.http_listen,
        admin_listen: args.admin_listen,
        grace: None,
    };
    runtime()?
        .block_on(crate::serve::run(config, options))
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(String::new())
}

/// Serves the demo bank's sample API until interrupted.
pub fn sample_api(listen: SocketAddr, seed: u64, customers: u64) -> anyhow::Result<String> {
    logs(LogFormat::Text, "info");
    runtime()?.block_on(async {
        let api = SampleApi::start(listen, SampleData::generate(seed, customers)).await?;
        eprintln!("tuomin: sample API on http://{}", api.addr);
        tokio::signal::ctrl_c().await?;
        api.stop();
        Ok(String::new())
    })
}
