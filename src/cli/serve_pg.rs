//! `tuomin serve` (PostgreSQL listener): loads the policy, starts the audit trail and
//! the PostgreSQL gateway of its `[postgres]` section, and stops gracefully on
//! SIGTERM or SIGINT (stop accepting, let sessions finish within
//! `shutdown_grace_secs`, then end them with `57P01 admin_shutdown`).
//!
//! The HTTP gateway's `serve` (policy reload on SIGHUP, both listeners) supersedes this
//! entry point when the two are merged; [`crate::pg::server::run`] is the listener
//! either one starts.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use tokio::sync::watch;

use crate::audit::AuditLog;
use crate::pg::server::{self, ServerCtx};
use crate::pg::session::PolicySource;

/// Runs the gateway until a signal; returns the closing line.
pub fn run(config: &Path) -> Result<String> {
    init_logging();
    let policy = Arc::new(crate::config::load(config)?);
    let Some(settings) = policy.postgres.clone() else {
        bail!(
            "{} has no [postgres] section: nothing to serve",
            config.display()
        );
    };
    let audit = match &policy.audit {
        Some(cfg) => Some(
            AuditLog::start(cfg.clone(), &policy.audit_key())
                .context("starting the audit trail")?,
        ),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let source: Arc<dyn PolicySource> = Arc::new(Arc::clone(&policy));
    let ctx = Arc::new(ServerCtx::new(settings.clone(), source, audit.clone())?);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        tracing::info!(listen = %settings.listen, "postgres gateway listening");
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            let _ = tx.send(true);
        });
        server::run(listener, ctx, rx).await;
        anyhow::Ok(())
    })?;
    if let Some(audit) = audit {
        audit.flush();
    }
    Ok("tuomin stopped\n".into())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
