//! The gate's corpora, as data files read line by line (adding a case is one line):
//!
//! - `corpus/bypass.sql`: attempts to get sensitive values out; each must be refused
//!   for every consumer, except lines ending in `-- masked`, which may be allowed but
//!   only with every sensitive output column masked by the gateway.
//! - `corpus/legit.sql`: what test environments, vendors and their tools really send;
//!   each must be allowed.
//!
//! A line may start with `@consumer[,consumer…]:` to name the consumers it is for
//! (default: all four of the demo policy). `-- #N` lines open the cases of threat N
//! of threats.md; every threat must have cases.

mod common;

use std::sync::Arc;

use tuomin::sql::shape::{Shape, shape_of};
use tuomin::sql::{DictionaryCatalog, Gate, SessionState, Treatment};

use common::corpus::cases;

pub fn demo_gate() -> (common::PolicyDir, Gate) {
    let dir = common::PolicyDir::new();
    let policy = tuomin::config::load(&dir.demo()).expect("demo policy");
    let mut catalog = DictionaryCatalog::demo(&policy).expect("demo schema");
    let extra = std::fs::read_to_string(common::repo_root().join("tests/corpus/schema.sql"))
        .expect("corpus schema");
    catalog.add_ddl(&extra).expect("corpus DDL");
    catalog.add_function(
        "public",
        "card_digest",
        tuomin::sql::catalog::FunctionKind::User {
            security_definer: tuomin::sql::catalog::SecurityDefiner::Definer,
        },
    );
    let gate = Gate::new(Arc::new(policy), Arc::new(catalog));
    (dir, gate)
}

#[test]
fn every_bypass_attempt_is_refused_or_masked_for_every_consumer() {
    let (_dir, gate) = demo_gate();
    let cases = cases("bypass.sql");
    assert!(
        cases.len() >= 150,
        "the bypass corpus has {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        for consumer in &case.consumers {
            let analysis = gate.analyse(consumer, &case.sql, &SessionState::default());
            if !analysis.is_allowed() {
                continue;
            }
            let leaks_clear = analysis
                .statements
                .iter()
                .any(|s| s.columns.iter().any(|c| c.treatment == Treatment::Refused));
            let any_masked = analysis.statements.iter().any(|s| {
                s.columns
                    .iter()
                    .any(|c| matches!(c.treatment, Treatment::Masked { .. }))
            });
            if !case.masked || leaks_clear || !any_masked {
                failures.push(format!(
                    "line {} [{consumer}] allowed: {}",
                    case.line,
                    short(&case.sql)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_threat_of_the_model_has_bypass_cases() {
    let cases = cases("bypass.sql");
    for threat in 1..=16 {
        let n = cases.iter().filter(|c| c.threat == Some(threat)).count();
        assert!(n >= 3, "threat {threat} has {n} cases; want at least 3");
    }
}

#[test]
fn every_legitimate_query_is_allowed() {
    let (_dir, gate) = demo_gate();
    let cases = cases("legit.sql");
    assert!(
        cases.len() >= 60,
        "the legit corpus has {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        for consumer in &case.consumers {
            let analysis = gate.analyse(consumer, &case.sql, &SessionState::default());
            if let Err(refusal) = analysis.verdict() {
                failures.push(format!(
                    "line {} [{consumer}]: {}\n    {}",
                    case.line,
                    short(&case.sql),
                    refusal.message
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} false refusals:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_legitimate_query_is_valid_sql_on_the_demo_bank() {
    let server = common::pg::server();
    let db = server.demo_database("sqlcorpus", 5, 7);
    let extra = std::fs::read_to_string(common::repo_root().join("tests/corpus/schema.sql"))
        .expect("corpus schema");
    server.psql(&db, &extra);
    let mut failures = Vec::new();
    for (i, case) in cases("legit.sql").iter().enumerate() {
        let first = case
            .sql
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_lowercase();
        let sql = if preparable(&case.sql) {
            format!("PREPARE legit_{i} AS {}", case.sql)
        } else if matches!(first.as_str(), "savepoint" | "declare") {
            format!("BEGIN; {}; ROLLBACK", case.sql)
        } else {
            case.sql.clone()
        };
        let out = server.psql_output(&db, &["-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", &sql]);
        if !out.status.success() {
            failures.push(format!(
                "line {}: {}\n    {}",
                case.line,
                case.sql,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} invalid:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn preparable(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("").to_lowercase();
    matches!(first.as_str(), "select" | "with" | "values" | "table") && !sql.contains(';')
}

use common::corpus::short;

/// Texts that differ only in literal values may share one analysis (`sql::shape`).
/// For every case of both corpora and a sibling text of the same shape with other
/// literals, whichever of the two the gate sees first, the second gets exactly the
/// verdict and columns its own exact analysis gives.
#[test]
fn texts_sharing_a_shape_get_their_own_exact_verdicts() {
    let (_dir, sibling_first) = demo_gate();
    let (_dir2, case_first) = demo_gate();
    let session = SessionState::default();
    let (mut compared, mut shared) = (0, 0);
    for file in ["bypass.sql", "legit.sql"] {
        for case in cases(file) {
            let Some(shape) = shape_of(&case.sql) else {
                continue;
            };
            let sibling = sibling_of(&shape);
            for consumer in &case.consumers {
                let pairs = [
                    (&sibling_first, &sibling, &case.sql),
                    (&case_first, &case.sql, &sibling),
                ];
                for (gate, first, second) in pairs {
                    let primed = gate.analyse(consumer, first, &session);
                    let got = gate.analyse(consumer, second, &session);
                    let (exact, _) = gate.analyse_text(consumer, second, &session);
                    let place = format!("line {} [{consumer}] {}", case.line, short(second));
                    assert_eq!(got.is_allowed(), exact.is_allowed(), "{place}");
                    let columns = |a: &tuomin::sql::Analysis| {
                        a.statements
                            .iter()
                            .map(|s| s.columns.clone())
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(columns(&got), columns(&exact), "{place}");
                    assert_eq!(
                        got.rewritten.is_some(),
                        exact.rewritten.is_some(),
                        "{place}"
                    );
                    compared += 1;
                    shared += usize::from(Arc::ptr_eq(&primed, &got));
                }
            }
        }
    }
    assert!(compared > 400, "only {compared} shaped cases compared");
    assert!(
        shared > 50,
        "only {shared} of {compared} shared an analysis"
    );
}

/// The shape's text with other literals in its parameters' places (a `$` inside a
/// name, as in `a$1`, is part of the name and kept).
fn sibling_of(shape: &Shape) -> String {
    let kinds: Vec<char> = shape.kinds.chars().collect();
    let mut out = String::new();
    let mut rest = shape.text.as_str();
    while let Some(at) = rest.find('$') {
        let in_name = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        let digits: String = rest[at + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        out.push_str(&rest[..at]);
        match digits.parse::<usize>() {
            Ok(n) if !in_name => {
                out.push_str(if kinds[n - 1] == 'n' { "8" } else { "'zz'" });
                rest = &rest[at + 1 + digits.len()..];
            }
            _ => {
                out.push('$');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}
