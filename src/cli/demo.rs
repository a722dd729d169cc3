//! `tuomin demo --files-only`: the file walkthrough of the demo (the live demo is
//! [`super::demo_live`]). On the shipped demo policy it makes a master key (when
//! there is none), generates the fictional demo bank, shows the review table, masks
//! the bank's export for every consumer, shows what each one receives, and verifies
//! the audit trail those runs wrote. Nothing is started. Everything it writes goes
//! under `.tuomin/` beside the policy's folder.
//!
//! `tuomin demo-data` writes the generated bank alone (CSV, JSON lines or SQL).

use std::fmt::Write as _;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::demo::{DemoData, SCHEMA_SQL, Table};
use crate::keys::KeyId;
use crate::staticmask::{self, Format, MaskJob};

/// The formats `tuomin demo-data` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFormat {
    Csv,
    Jsonl,
    Sql,
}

/// Writes the demo bank to `out` (a folder): one file per table, or `demo.sql`.
pub fn write_data(
    out: &Path,
    customers: usize,
    seed: u64,
    format: DataFormat,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let data = DemoData::generate(seed, customers);
    let mut written = Vec::new();
    if format == DataFormat::Sql {
        let path = out.join("demo.sql");
        let mut file = BufWriter::new(std::fs::File::create(&path)?);
        std::io::Write::write_all(&mut file, SCHEMA_SQL.as_bytes())?;
        data.write_sql(&mut file)?;
        std::io::Write::flush(&mut file)?;
        written.push(path);
        return Ok(written);
    }
    for table in Table::ALL {
        let ext = if format == DataFormat::Csv {
            "csv"
        } else {
            "jsonl"
        };
        let path = out.join(format!("{}.{ext}", table.name()));
        let mut file = BufWriter::new(std::fs::File::create(&path)?);
        match format {
            DataFormat::Csv => data.write_csv(table, &mut file)?,
            _ => data.write_jsonl(table, &mut file)?,
        }
        std::io::Write::flush(&mut file)?;
        written.push(path);
    }
    Ok(written)
}

/// Runs the quick start on the policy at `config`; returns what to show.
pub fn run(config: &Path) -> Result<String> {
    let mut out = String::new();
    let home = demo_home(config);
    ensure_key(config, &mut out)?;
    let data_dir = home.join("demo-data");
    write_data(&data_dir, 50, 2026, DataFormat::Csv)?;
    let _ = writeln!(
        out,
        "generated the fictional demo bank in {}\n",
        data_dir.display()
    );

    let policy = crate::config::load(config)?;
    let _ = writeln!(out, "== what each consumer sees (tuomin check)\n");
    out.push_str(&super::check::review_table(&policy));

    let masked_dir = home.join("masked");
    let _ = writeln!(
        out,
        "\n== the customers export, masked for each consumer (first 2 rows)\n"
    );
    for consumer in policy.consumers.keys() {
        let path = mask_for(&policy, consumer, &data_dir, &masked_dir)?;
        let text = std::fs::read_to_string(&path)?;
        let _ = writeln!(out, "-- {consumer} → {}", path.display());
        for line in text.lines().take(3) {
            let _ = writeln!(out, "   {line}");
        }
        out.push('\n');
    }
    if let Some(trail) = audit_file(&policy) {
        let _ = writeln!(out, "== audit trail\n");
        out.push_str(&super::audit::verify(config, std::slice::from_ref(&trail))?);
        let _ = writeln!(
            out,
            "\nnext: tuomin report --audit {} --config {}   (add --format html --output report.html)",
            trail.display(),
            config.display()
        );
    }
    Ok(out)
}

/// `.tuomin/` beside the policy's folder (the repository root for `config/demo.toml`),
/// where the demo policy also keeps its key and audit trail.
pub(super) fn demo_home(config: &Path) -> PathBuf {
    let dir = config
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(".tuomin"),
        Some(_) => PathBuf::from(".tuomin"),
        None => dir.join("..").join(".tuomin"),
    }
}

/// Creates the policy's master key file when neither it nor the key variable exists.
pub(super) fn ensure_key(config: &Path, out: &mut String) -> Result<()> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    let table: toml::Table = text.parse().context("the policy is not valid TOML")?;
    let keys = table.get("keys").and_then(|k| k.as_table());
    let env = keys
        .and_then(|k| k.get("master_key_env"))
        .and_then(|v| v.as_str())
        .unwrap_or("TUOMIN_MASTER_KEY");
    if std::env::var_os(env).is_some() {
        return Ok(());
    }
    let Some(file) = keys
        .and_then(|k| k.get("master_key_file"))
        .and_then(|v| v.as_str())
    else {
        return Ok(());
    };
    let dir = config
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = dir.join(file);
    if !path.exists() {
        let line = super::keygen::run(&path, KeyId(1).0)?;
        let _ = writeln!(out, "{line}");
    }
    Ok(())
}

fn mask_for(
    policy: &crate::policy::Policy,
    consumer: &str,
    data_dir: &Path,
    masked_dir: &Path,
) -> Result<PathBuf> {
    let dir = masked_dir.join(consumer);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("customers.csv");
    let job = MaskJob {
        policy,
        consumer,
        table: "public.customers".into(),
        format: Format::Csv,
        drop_refused: true,
    };
    let input = std::fs::File::open(data_dir.join("customers.csv"))?;
    let mut input = std::io::BufReader::new(input);
    let audit = super::mask_audit::start(policy)?;
    let mut output = BufWriter::new(std::fs::File::create(&path)?);
    let result = staticmask::run(&job, &mut input, &mut output, &mut |_| {});
    let outcome = result.as_ref().map_err(ToString::to_string);
    super::mask_audit::record(audit, policy, consumer, &job.table, outcome)?;
    result?;
    std::io::Write::flush(&mut output)?;
    Ok(path)
}

pub(super) fn audit_file(policy: &crate::policy::Policy) -> Option<PathBuf> {
    policy.audit.as_ref()?.sinks.iter().find_map(|s| match s {
        crate::audit::AuditSink::File { path, .. } => Some(path.clone()),
        crate::audit::AuditSink::Stdout => None,
    })
}
