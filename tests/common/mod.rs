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
        watchdog();
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

/// A loopback port held by a socket that is bound but does not listen: connections to
/// it are refused, and no other socket can take it while the returned socket lives (a
/// port merely bound and released could be handed to another test's listener before the
/// test is done with it). `listen` on the socket later makes the port answer.
pub fn refusing_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("a loopback port");
    let port = socket.local_addr().expect("its address").port();
    (socket, port)
}

/// How long one test binary may run before it is taken for stalled (the longest take a
/// minute or two).
pub const BINARY_LIMIT: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// Starts, once per test binary, a watchdog that ends the process with exit code 1 once
/// it has run for [`BINARY_LIMIT`]: a stalled test then fails its binary — the harness's
/// "has been running for over 60 seconds" line names it — instead of holding the whole
/// suite until CI's own limit. Started by [`PolicyDir::new`] and [`pg::server`], which
/// nearly every test reaches.
pub fn watchdog() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            std::thread::sleep(BINARY_LIMIT);
            eprintln!(
                "this test binary has run for {} min: a test is stalled (see the tests \
                 \"running for over 60 seconds\" above); ending it",
                BINARY_LIMIT.as_secs() / 60
            );
            std::process::exit(1);
        });
    });
}

/// How long a client program a test runs (psql, curl, Python, Java) may take before
/// it is taken for stalled.
pub const PROGRAM_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `cmd` (stdin closed) to its end and returns what it printed, reading both pipes
/// as it goes; panics, naming the program, when it has not ended within
/// [`PROGRAM_LIMIT`] (it is killed). A client stalled against a gateway then fails its
/// test instead of holding the whole suite.
pub fn output_within_limit(cmd: &mut std::process::Command) -> std::process::Output {
    use std::io::Read;
    use std::process::Stdio;
    let what = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    }
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let deadline = std::time::Instant::now() + PROGRAM_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} did not finish within {} s: killed",
                PROGRAM_LIMIT.as_secs()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
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
