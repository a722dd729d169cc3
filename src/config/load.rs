//! Reading a policy file: size cap, TOML parsing with line numbers, then compilation
//! and validation. The problems of one file are collected and reported together.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::compile::compile;
use super::error::{PolicyError, PolicyErrors};
use super::schema::PolicyFile;
use crate::policy::Policy;

/// A policy file larger than this is refused unread.
const MAX_POLICY_BYTES: u64 = 16 * 1024 * 1024;

/// Loads, validates and compiles the policy at `path`.
pub fn load(path: &Path) -> Result<Policy, PolicyErrors> {
    let refuse = |message: String| {
        PolicyErrors(vec![PolicyError {
            file: path.to_owned(),
            line: None,
            message,
        }])
    };
    let size = std::fs::metadata(path)
        .map_err(|e| refuse(format!("cannot read the policy file: {e}")))?
        .len();
    if size > MAX_POLICY_BYTES {
        return Err(refuse(format!(
            "the policy file is {size} bytes; the limit is {MAX_POLICY_BYTES}"
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| refuse(format!("cannot read the policy file: {e}")))?;
    load_str(&text, path)
}

/// Loads a policy from its text; `path` names it in errors and anchors relative paths.
pub fn load_str(text: &str, path: &Path) -> Result<Policy, PolicyErrors> {
    let mut problems = Problems::new(text, path);
    let file: PolicyFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            let line = e.span().map(|s| problems.line_of(s.start));
            problems.push(line, e.message().to_owned());
            return Err(problems.into_errors());
        }
    };
    let policy = compile(file, text, &mut problems);
    match policy {
        Some(policy) if problems.is_empty() => Ok(policy),
        _ => Err(problems.into_errors()),
    }
}

/// The problems found so far in one file, with the means to place a span on a line.
pub(super) struct Problems {
    file: PathBuf,
    line_starts: Vec<usize>,
    found: BTreeSet<(Option<usize>, String)>,
}

impl Problems {
    fn new(text: &str, file: &Path) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Problems {
            file: file.to_owned(),
            line_starts,
            found: BTreeSet::new(),
        }
    }

    /// The 1-based line of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    pub(super) fn push(&mut self, line: Option<usize>, message: String) {
        self.found.insert((line, message));
    }

    pub(super) fn at(&mut self, span: std::ops::Range<usize>, message: String) {
        let line = self.line_of(span.start);
        self.push(Some(line), message);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub(super) fn policy_dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("."))
    }

    pub(super) fn file(&self) -> &Path {
        &self.file
    }

    fn into_errors(self) -> PolicyErrors {
        let file = self.file;
        PolicyErrors(
            self.found
                .into_iter()
                .map(|(line, message)| PolicyError {
                    file: file.clone(),
                    line,
                    message,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_from_one() {
        let p = Problems::new("a\nb\nc", Path::new("x.toml"));
        assert_eq!(p.line_of(0), 1);
        assert_eq!(p.line_of(2), 2);
        assert_eq!(p.line_of(4), 3);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let err = load_str("version = 1\n[keys\n", Path::new("p.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("p.toml:2:"), "{text}");
    }

    #[test]
    fn unknown_top_level_field_is_refused() {
        let err = load_str("version = 1\nkeyz = 1\n", Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("keyz"), "{err}");
    }
}
