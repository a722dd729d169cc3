//! Shared test helpers: a throwaway policy directory with its own master key, so tests
//! never depend on a key on the machine or on `TUOMIN_MASTER_KEY`.
#![allow(dead_code)]

pub mod corpus;
pub mod gateway;
pub mod pg;
pub mod wire;

use std::path::{Path, PathBuf};

use tuomin::keys::{KeyId, MasterKey};

/// A temporary directory holding `test.key`.
pub struct PolicyDir {
    pub dir: tempfile::TempDir,
}

/// The `[keys]` section every test policy uses: a file next to the policy, and an
/// environment variable that no test sets.
pub const KEYS: &str = r#"
[keys]
master_key_file = "test.key"
master_key_env = "TUOMIN_TEST_KEY_NEVER_SET"
"#;

impl PolicyDir {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        MasterKey::from_bytes(KeyId(1), [42; 32])
            .write_new_file(&dir.path().join("test.key"))
            .expect("write key");
        PolicyDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `policy.toml` with `body` after `version = 1` and the keys section.
    pub fn write(&self, body: &str) -> PathBuf {
        let path = self.dir.path().join("policy.toml");
        std::fs::write(&path, format!("version = 1\n{KEYS}\n{body}")).expect("write policy");
        path
    }

    /// Copies the shipped demo policy here, pointing it at this directory's key.
    pub fn demo(&self) -> PathBuf {
        let demo = std::fs::read_to_string(repo_root().join("config/demo.toml")).expect("demo");
        let demo = demo
            .replace("\"../.tuomin/demo.key\"", "\"test.key\"")
            .replace("\"TUOMIN_MASTER_KEY\"", "\"TUOMIN_TEST_KEY_NEVER_SET\"")
            .replace("\"../.tuomin/audit.jsonl\"", "\"audit.jsonl\"");
        let path = self.dir.path().join("demo.toml");
        std::fs::write(&path, demo).expect("write demo policy");
        path
    }
}

/// A plain-HTTP client: no proxy from the environment, 20 s per request.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client")
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The lines of a policy shared by most validation tests: one table, one consumer
/// per scenario.
pub const BASE: &str = r#"
[dictionary."public.customers"]
customer_id = "internal_id"
name = "name"
mobile = "mobile"
card_no = "card_number"
cvv = "cvv"

[consumers.qa]
scenario = "dev_test"
key_scope = "qa"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"

[consumers.analyst]
scenario = "analytics"
key_scope = "analyst"

[consumers.hq]
scenario = "offshore"
key_scope = "hq"
"#;
