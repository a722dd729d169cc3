//! `tuomin demo`: the quick start. Without flags it brings the whole demo up on this
//! machine ([`crate::demo::live`]) — the sample API, the demo bank in a PostgreSQL
//! found or started, both gateways — prints the psql and curl commands to try as each
//! consumer, and runs until Ctrl-C (or SIGTERM, or the terminal closing), then stops
//! everything it started. `--check` runs the self-check instead of waiting and exits
//! non-zero when a check fails; `--files-only` is the file walkthrough of
//! [`super::demo::run`], which starts nothing.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::demo::live::ports::Ports;
use crate::demo::live::{Demo, Options, guide};

/// What `tuomin demo` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bring everything up, print the commands, run until stopped.
    Live,
    /// Bring everything up, check it as two consumers, stop.
    Check,
    /// The file walkthrough (no server).
    FilesOnly,
}

/// The arguments of `tuomin demo`.
#[derive(Clone, Debug)]
pub struct DemoArgs {
    pub config: PathBuf,
    pub mode: Mode,
    pub ports: Ports,
    pub database: String,
}

/// Runs `tuomin demo`; what it shows goes to `out` as it happens.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    if args.mode == Mode::FilesOnly {
        let text = super::demo::run(&args.config)?;
        out.write_all(text.as_bytes())?;
        return Ok(());
    }
    args.ports.ensure_free().map_err(|e| anyhow!(e))?;
    let mut header = String::new();
    super::demo::ensure_key(&args.config, &mut header)?;
    out.write_all(header.as_bytes())?;
    super::serve::logs(super::serve::LogFormat::Text, "warn");
    let options = Options {
        config: args.config.clone(),
        home: super::demo::demo_home(&args.config),
        ports: args.ports,
        database: args.database.clone(),
        postgres_optional: args.mode == Mode::Live,
    };
    let config = args.config.display().to_string();
    super::serve::runtime()?.block_on(async {
        writeln!(
            out,
            "starting the demo (sample API, PostgreSQL, both gateways)…"
        )?;
        out.flush()?;
        let demo = Demo::start(&options).await.map_err(|e| anyhow!(e))?;
        let audit = demo_audit(&demo);
        match args.mode {
            Mode::Check => check(demo, out).await,
            _ => {
                out.write_all(guide::render(&demo, &config, audit.as_deref()).as_bytes())?;
                out.flush()?;
                let stopped = until_stopped().await;
                writeln!(out, "\nstopping the demo…")?;
                out.flush()?;
                demo.stop().await;
                stopped.map_err(|e| anyhow!("waiting for Ctrl-C: {e}"))
            }
        }
    })
}

async fn check(demo: Demo, out: &mut dyn Write) -> Result<()> {
    out.write_all(guide::listeners_text(&demo).as_bytes())?;
    writeln!(
        out,
        "\n== self-check: both gateways as qa and vendor_collections\n"
    )?;
    out.flush()?;
    let report = demo.check().await;
    demo.stop().await;
    out.write_all(report.render().as_bytes())?;
    if report.passed() {
        Ok(())
    } else {
        Err(anyhow!("the demo's self-check failed (see FAIL above)"))
    }
}

/// The audit trail the running demo writes, as a path to show.
fn demo_audit(demo: &Demo) -> Option<String> {
    let policy = demo.running.live.policy();
    super::demo::audit_file(&policy).map(|p| p.display().to_string())
}

/// Waits for Ctrl-C, SIGTERM or SIGHUP (the terminal closing): all stop the demo.
#[cfg(unix)]
async fn until_stopped() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
        _ = hup.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn until_stopped() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
