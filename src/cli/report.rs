//! `tuomin report`: the delegated-processing report from audit files, or, with
//! `--policy`, the self-inspection inventory of a policy.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::audit::verify_files;
use crate::report::delegated::parse_since;
use crate::report::render::{ReportFormat, render};
use crate::report::{ReportFilter, build, inventory};

/// Options of the delegated-processing report.
pub struct AuditReportArgs {
    pub audit: Vec<PathBuf>,
    pub consumer: Option<String>,
    pub since: Option<String>,
    /// A policy whose master key verifies the trail's integrity first.
    pub config: Option<PathBuf>,
    pub format: ReportFormat,
}

/// Builds the delegated-processing report.
pub fn delegated(args: &AuditReportArgs) -> Result<String> {
    let since = args
        .since
        .as_deref()
        .map(parse_since)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let filter = ReportFilter {
        consumer: args.consumer.clone(),
        since,
    };
    let mut report = build(&args.audit, &filter)?;
    if let Some(config) = &args.config {
        let policy = crate::config::load(config)?;
        let verified = verify_files(&args.audit, &|id| policy.audit_key_for(id));
        report.integrity = Some(match verified.problem {
            None => format!("intact ({} record(s) verified)", verified.records),
            Some(problem) => format!("NOT intact: {problem}"),
        });
    }
    Ok(render(&report, args.format))
}

/// Builds the self-inspection inventory of the policy at `path`.
pub fn policy_inventory(path: &Path, format: ReportFormat) -> Result<String> {
    let policy = crate::config::load(path)?;
    Ok(inventory::render(&policy, format))
}
