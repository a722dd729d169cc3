//! The SQL gate's cost: a cached statement (the common case: drivers repeat their
//! statements), an uncached analysis of a 20-line query over the demo bank, and a
//! point query whose literal changes every time (served by its shape's analysis).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use tuomin::keys::{KeyId, MasterKey};
use tuomin::sql::{DictionaryCatalog, Gate, SessionState};

const QUERY_20_LINES: &str = "
WITH recent AS (
    SELECT t.account_id, t.created_at, t.txn_id
    FROM transactions t
    WHERE t.created_at > now() - interval '30 days'
)
SELECT c.customer_id,
       c.name,
       c.branch_code,
       k.card_no,
       a.account_no,
       count(r.txn_id) AS txns
FROM customers c
JOIN accounts a ON a.customer_id = c.customer_id
LEFT JOIN cards k ON k.customer_id = c.customer_id AND k.status = 'active'
LEFT JOIN recent r ON r.account_id = a.account_id
WHERE c.branch_code IN ('SH01', 'BJ02')
  AND a.currency = 'CNY'
GROUP BY c.customer_id, c.name, c.branch_code, k.card_no, a.account_no
ORDER BY c.customer_id
LIMIT 100";

fn gate() -> (tempfile::TempDir, Gate) {
    let dir = tempfile::tempdir().expect("temp dir");
    MasterKey::from_bytes(KeyId(1), [42; 32])
        .write_new_file(&dir.path().join("test.key"))
        .expect("key");
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml"))
        .expect("demo policy")
        .replace("\"../.tuomin/demo.key\"", "\"test.key\"")
        .replace("\"TUOMIN_MASTER_KEY\"", "\"TUOMIN_BENCH_KEY_NEVER_SET\"")
        .replace("\"../.tuomin/audit.jsonl\"", "\"audit.jsonl\"");
    let path = dir.path().join("demo.toml");
    std::fs::write(&path, demo).expect("write policy");
    let policy = tuomin::config::load(&path).expect("policy");
    let catalog = DictionaryCatalog::demo(&policy).expect("catalog");
    (dir, Gate::new(Arc::new(policy), Arc::new(catalog)))
}

fn bench(c: &mut Criterion) {
    let (_dir, gate) = gate();
    let session = SessionState::default();
    assert!(gate.analyse("qa", QUERY_20_LINES, &session).is_allowed());
    c.bench_function("sql_gate_cached_20_line_query", |b| {
        b.iter(|| gate.analyse(black_box("qa"), black_box(QUERY_20_LINES), &session))
    });
    c.bench_function("sql_gate_uncached_20_line_query", |b| {
        b.iter(|| gate.analyse_text(black_box("qa"), black_box(QUERY_20_LINES), &session))
    });
    let point = "SELECT card_id, card_no, status FROM cards WHERE customer_id = $1";
    c.bench_function("sql_gate_uncached_point_query", |b| {
        b.iter(|| gate.analyse_text(black_box("qa"), black_box(point), &session))
    });
    // What simple-protocol clients send: the same statement with a new literal each
    // time, served by the analysis its shape shares (src/sql/shape.rs).
    let texts: Vec<String> = (0..4096)
        .map(|i| format!("SELECT card_id, card_no, status FROM cards WHERE customer_id = {i}"))
        .collect();
    assert!(gate.analyse("qa", &texts[0], &session).is_allowed());
    let mut next = texts.iter().cycle();
    c.bench_function("sql_gate_point_query_new_literal", |b| {
        b.iter(|| gate.analyse(black_box("qa"), black_box(next.next().unwrap()), &session))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
