//! The HTTP body filter alone: parse, mask five fields, re-serialise a ~2 KB JSON
//! response (the document of `benches/http_load.sh`), for the outsourced scenario.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tuomin::http::json::mask_json;
use tuomin::http::plan::MaskPlan;
use tuomin::keys::{KeyId, MasterKey};

fn document() -> Vec<u8> {
    let history: Vec<serde_json::Value> = (0..17)
        .map(|i| {
            serde_json::json!({"seq": i, "event": "login",
                "created_at": format!("2024-03-01T12:00:{i:02}Z"), "status": "ok",
                "branch_code": format!("BR{i:03}")})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "customer_id": 1001, "name": "王小明", "mobile": "13912345678",
        "email": "wang.xiaoming@example.com", "id_number": "110105199003071234",
        "card_no": "6222020200112233445", "status": "active", "branch_code": "BR001",
        "history": history,
    }))
    .expect("document")
}

fn plan() -> (tempfile::TempDir, MaskPlan) {
    let dir = tempfile::tempdir().expect("dir");
    MasterKey::from_bytes(KeyId(1), [7; 32])
        .write_new_file(&dir.path().join("k.key"))
        .expect("key");
    let policy = r#"
version = 1
[keys]
master_key_file = "k.key"
master_key_env = "TUOMIN_BENCH_KEY_NEVER_SET"
[categories.api_meta]
grade = "C1"
[json_keys]
customer_id = "internal_id"
name = "name"
mobile = "mobile"
email = "email"
id_number = "id_number"
card_no = "card_number"
status = "status"
branch_code = "branch"
seq = "api_meta"
event = "api_meta"
created_at = "timestamp"
[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"
[http]
listen = "127.0.0.1:0"
[[http.routes]]
name = "mask"
path = "/json/{f}"
upstream = "http://127.0.0.1:9"
"#;
    let path = dir.path().join("p.toml");
    std::fs::write(&path, policy).expect("policy");
    let policy = tuomin::config::load(&path).expect("load");
    let route = &policy.http.as_ref().expect("http").routes[0];
    let plan = MaskPlan::build(&policy, "vendor", route);
    (dir, plan)
}

fn bench(c: &mut Criterion) {
    let (_dir, plan) = plan();
    let doc = document();
    c.bench_function("mask_json 2KB, 5 fields (outsourced)", |b| {
        b.iter(|| mask_json(&plan, black_box(&doc)).expect("mask"))
    });
    c.bench_function("parse + serialise only (serde_json)", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(black_box(&doc)).expect("parse");
            serde_json::to_vec(&v).expect("write")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
