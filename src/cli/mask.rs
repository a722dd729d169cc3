//! `tuomin mask`: static masking of a CSV or JSON-lines file for one consumer.
//! Reads stdin or `--input`, writes stdout or `--output`; a progress bar on stderr when
//! stderr is a terminal. Output to a file is written beside it and renamed into place
//! only when the whole run succeeded, so a refused or failed run leaves no output.

use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::staticmask::{self, Format, MaskJob, MaskReport};

/// The options of one run.
pub struct MaskArgs {
    pub config: PathBuf,
    pub consumer: String,
    pub source: String,
    pub format: Format,
    pub input: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub drop_refused: bool,
}

/// Runs the masking job; returns the summary line for stderr.
pub fn run(args: &MaskArgs) -> Result<String> {
    let policy = crate::config::load(&args.config)?;
    let audit = super::mask_audit::start(&policy)?;
    let job = MaskJob {
        policy: &policy,
        consumer: &args.consumer,
        table: staticmask::qualify_table(&args.source),
        format: args.format,
        drop_refused: args.drop_refused,
    };
    let (mut input, total): (Box<dyn BufRead>, Option<u64>) = match &args.input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open input {}", path.display()))?;
            let len = file.metadata().ok().map(|m| m.len());
            (Box::new(BufReader::with_capacity(1 << 16, file)), len)
        }
        None => (Box::new(std::io::stdin().lock()), None),
    };
    let bar = progress_bar(total);
    let mut on_progress = |bytes: u64| {
        if let Some(bar) = &bar {
            bar.set_position(bytes);
        }
    };
    let result = match &args.output {
        Some(path) => write_atomically(path, |out| {
            staticmask::run(&job, &mut input, out, &mut on_progress).map_err(Into::into)
        }),
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            staticmask::run(&job, &mut input, &mut out, &mut on_progress)
                .map_err(anyhow::Error::from)
                .and_then(|report| {
                    out.flush()?;
                    Ok(report)
                })
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outcome = result.as_ref().map_err(|e| format!("{e:#}"));
    super::mask_audit::record(audit, &policy, &args.consumer, &job.table, outcome)?;
    let report = result?;
    Ok(summary(&args.consumer, &job.table, &report))
}

fn progress_bar(total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match total {
        Some(len) => indicatif::ProgressBar::new(len),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {wide_bar} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Writes through a temporary file beside `path`, renamed over it on success only.
fn write_atomically(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> Result<MaskReport>,
) -> Result<MaskReport> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.tuomin-partial"));
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let result = body(&mut out).and_then(|report| {
        out.flush()?;
        out.get_ref().sync_all()?;
        Ok(report)
    });
    drop(out);
    match result {
        Ok(report) => {
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot move the output into {}", path.display()))?;
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn summary(consumer: &str, table: &str, report: &MaskReport) -> String {
    let mut text = format!(
        "masked {} record(s) of {table} for {consumer}; {} value(s) transformed",
        report.records, report.values_transformed
    );
    if !report.dropped.is_empty() {
        text.push_str(&format!(
            "; refused column(s) removed: {}",
            report.dropped.join(", ")
        ));
    }
    text
}
