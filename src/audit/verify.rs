//! `tuomin audit verify`: reads audit files in chain order and reports the first
//! record that was changed, removed, reordered or cut, with its file and line.

use std::fmt;
use std::path::{Path, PathBuf};

use ring::hmac;

use super::chain::{GENESIS, mac_matches, unseal};
use super::record::AuditRecord;

/// What is wrong with a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The record's bytes do not match its MAC: it was changed (or the key is wrong).
    Tampered,
    /// Records are missing before this one.
    Missing { expected: u64, found: u64 },
    /// This record comes before one it should follow.
    Reordered { expected: u64, found: u64 },
    /// The record does not follow the previous one (its `prev` is another MAC).
    ChainBroken,
    /// The file ends in the middle of a record.
    Truncated,
    /// The line is not a sealed audit record.
    Malformed,
    /// The record was sealed under a master key version that is not available (never
    /// configured, or retired): it cannot be checked.
    KeyUnavailable(String),
    /// The file cannot be read.
    Unreadable(String),
}

/// The first problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("{}:{}", self.file.display(), self.line);
        match &self.kind {
            ProblemKind::Tampered => write!(f, "{at}: record was altered (MAC mismatch)"),
            ProblemKind::Missing { expected, found } => write!(
                f,
                "{at}: record(s) {expected}..{} are missing (found {found})",
                found - 1
            ),
            ProblemKind::Reordered { expected, found } => {
                write!(
                    f,
                    "{at}: out of order: expected record {expected}, found {found}"
                )
            }
            ProblemKind::ChainBroken => {
                write!(
                    f,
                    "{at}: record does not follow the previous record (chain broken)"
                )
            }
            ProblemKind::Truncated => write!(f, "{at}: file ends in a cut record (truncated)"),
            ProblemKind::Malformed => write!(f, "{at}: not an audit record"),
            ProblemKind::KeyUnavailable(id) => write!(
                f,
                "{at}: sealed under master key {id}, which this policy does not hold (retired or not configured)"
            ),
            ProblemKind::Unreadable(e) => write!(f, "{at}: cannot read: {e}"),
        }
    }
}

/// The outcome of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records that verified before the first problem.
    pub records: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub problem: Option<Problem>,
}

/// The audit key of a master key version named in a record (`k1`), if available.
pub type AuditKeys<'a> = &'a dyn Fn(&str) -> Option<hmac::Key>;

/// Verifies `files`, in the order given (oldest first); each record against the audit
/// key of the master key version it names.
pub fn verify_files(files: &[PathBuf], keys: AuditKeys<'_>) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut prev: Option<(u64, String)> = None;
    for file in files {
        if let Err(problem) = verify_file(file, keys, &mut prev, &mut report) {
            report.problem = Some(problem);
            break;
        }
    }
    report
}

fn verify_file(
    file: &Path,
    keys: AuditKeys<'_>,
    prev: &mut Option<(u64, String)>,
    report: &mut VerifyReport,
) -> Result<(), Problem> {
    let problem = |line: usize, kind: ProblemKind| Problem {
        file: file.to_owned(),
        line,
        kind,
    };
    let bytes =
        std::fs::read(file).map_err(|e| problem(0, ProblemKind::Unreadable(e.to_string())))?;
    let text = String::from_utf8(bytes).map_err(|_| problem(0, ProblemKind::Malformed))?;
    let complete = text.is_empty() || text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let number = i + 1;
        if !complete && number == lines.len() {
            return Err(problem(number, ProblemKind::Truncated));
        }
        let (body, mac) = unseal(line).ok_or_else(|| problem(number, ProblemKind::Malformed))?;
        let record: AuditRecord =
            serde_json::from_str(&body).map_err(|_| problem(number, ProblemKind::Malformed))?;
        let key_id = &record.event.key_id;
        let key = keys(key_id)
            .ok_or_else(|| problem(number, ProblemKind::KeyUnavailable(key_id.clone())))?;
        if !mac_matches(&key, &body, mac) {
            return Err(problem(number, ProblemKind::Tampered));
        }
        check_order(&record, prev.as_ref()).map_err(|kind| problem(number, kind))?;
        *prev = Some((record.seq, mac.to_owned()));
        report.records += 1;
        report.first_seq.get_or_insert(record.seq);
        report.last_seq = Some(record.seq);
    }
    Ok(())
}

fn check_order(record: &AuditRecord, prev: Option<&(u64, String)>) -> Result<(), ProblemKind> {
    match prev {
        None if record.seq == 1 && record.prev != GENESIS => Err(ProblemKind::ChainBroken),
        None => Ok(()),
        Some((seq, _)) if record.seq > seq + 1 => Err(ProblemKind::Missing {
            expected: seq + 1,
            found: record.seq,
        }),
        Some((seq, _)) if record.seq <= *seq => Err(ProblemKind::Reordered {
            expected: seq + 1,
            found: record.seq,
        }),
        Some((_, mac)) if &record.prev != mac => Err(ProblemKind::ChainBroken),
        Some(_) => Ok(()),
    }
}
