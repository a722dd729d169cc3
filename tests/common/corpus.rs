//! The gate's corpora (`tests/corpus/bypass.sql`, `tests/corpus/legit.sql`), read line
//! by line: `-- #N` opens the cases of threat N, `@c1,c2: ` limits a line to those
//! consumers (default: all four of the demo policy), a trailing `-- masked` marks a
//! bypass case that may be allowed with every sensitive output masked.
#![allow(dead_code)]

/// The demo policy's consumers, the default of a corpus line.
pub const CONSUMERS: &[&str] = &["qa", "vendor_collections", "analyst", "offshore_hq"];

/// One line of a corpus.
pub struct Case {
    pub line: usize,
    pub sql: String,
    pub consumers: Vec<String>,
    pub masked: bool,
    pub threat: Option<u32>,
}

/// The cases of `tests/corpus/<file>`.
pub fn cases(file: &str) -> Vec<Case> {
    let path = super::repo_root().join("tests/corpus").join(file);
    let text = std::fs::read_to_string(&path).expect("read corpus");
    let mut threat = None;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(n) = line.strip_prefix("-- #") {
            threat = n
                .split_whitespace()
                .next()
                .and_then(|n| n.trim_end_matches(':').parse().ok());
            continue;
        }
        if line.is_empty() || line.starts_with("--") {
            continue;
        }
        let (consumers, rest) = match line.strip_prefix('@').and_then(|l| l.split_once(": ")) {
            Some((who, rest)) => (who.split(',').map(str::to_owned).collect(), rest),
            None => (CONSUMERS.iter().map(|c| (*c).to_owned()).collect(), line),
        };
        let (sql, masked) = match rest.strip_suffix("-- masked") {
            Some(sql) => (sql.trim_end(), true),
            None => (rest, false),
        };
        out.push(Case {
            line: i + 1,
            sql: sql.to_owned(),
            consumers,
            masked,
            threat,
        });
    }
    out
}

/// The first `n` characters of `sql`, for failure messages.
pub fn short(sql: &str) -> String {
    sql.chars().take(120).collect()
}
