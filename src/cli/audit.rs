//! `tuomin audit verify`: check audit files against the chain key of a policy's master
//! key; report the first altered, missing, reordered or cut record.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::audit::verify_files;

/// Verifies `files` (oldest first); an error names the first problem.
pub fn verify(config: &Path, files: &[PathBuf]) -> Result<String> {
    let policy = crate::config::load(config)?;
    let report = verify_files(files, &|id| policy.audit_key_for(id));
    if let Some(problem) = &report.problem {
        bail!(
            "audit trail NOT intact: {problem}\n({} record(s) verified before it)",
            report.records
        );
    }
    let range = match (report.first_seq, report.last_seq) {
        (Some(a), Some(b)) => format!(" (records {a}..={b})"),
        _ => String::new(),
    };
    Ok(format!(
        "audit trail intact: {} record(s){range} in {} file(s)\n",
        report.records,
        files.len()
    ))
}
