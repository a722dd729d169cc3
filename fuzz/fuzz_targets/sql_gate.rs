//! Arbitrary statement texts through the SQL gate (sqlparser, then the lineage walk)
//! for two consumers of the demo policy: never panics, whatever the verdict.
#![no_main]
use std::sync::{Arc, OnceLock};

use tuomin::keys::{KeyId, MasterKey};
use tuomin::sql::{DictionaryCatalog, Gate, SessionState};

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tuomin-fuzz-gate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let key = dir.join("fuzz.key");
        if !key.exists() {
            MasterKey::from_bytes(KeyId(1), [42; 32])
                .write_new_file(&key)
                .expect("key");
        }
        let demo =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/demo.toml"))
                .expect("demo policy")
                .replace("\"../.tuomin/demo.key\"", "\"fuzz.key\"")
                .replace("\"TUOMIN_MASTER_KEY\"", "\"TUOMIN_FUZZ_KEY_NEVER_SET\"")
                .replace("\"../.tuomin/audit.jsonl\"", "\"audit.jsonl\"");
        let path = dir.join("demo.toml");
        std::fs::write(&path, demo).expect("policy");
        let policy = tuomin::config::load(&path).expect("policy loads");
        let catalog = DictionaryCatalog::demo(&policy).expect("catalog");
        Gate::new(Arc::new(policy), Arc::new(catalog))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sql) = std::str::from_utf8(data) {
        let session = SessionState::default();
        for consumer in ["qa", "analyst"] {
            let _ = gate().analyse_text(consumer, sql, &session).0.is_allowed();
        }
    }
});
