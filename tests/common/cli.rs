//! Running the `tuomin` binary in tests without ever hanging: standard input closed,
//! standard output and error written to files (a pipe held open by some grandchild
//! cannot block the test), every wait bounded by a deadline, and the process killed
//! when the handle is dropped — on success, failure or panic.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The environment variables a test run never inherits (they would change what the
/// demo finds or which key it uses).
const SCRUBBED: [&str; 4] = [
    "TUOMIN_DEMO_PG",
    "TUOMIN_MASTER_KEY",
    "TUOMIN_LOG",
    "RUST_LOG",
];

/// A running `tuomin`; killed when dropped.
pub struct Running {
    child: Option<Child>,
    out: PathBuf,
    err: PathBuf,
    _files: tempfile::TempDir,
}

/// A finished `tuomin`.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Both outputs, for assertion messages.
    pub fn both(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Starts `tuomin args` in `dir` with `env` (on top of a scrubbed environment).
pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
    let files = tempfile::tempdir().expect("temp dir");
    let out = files.path().join("stdout");
    let err = files.path().join("stderr");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tuomin"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"));
    for var in SCRUBBED {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    Running {
        child: Some(cmd.spawn().expect("start tuomin")),
        out,
        err,
        _files: files,
    }
}

/// Runs `tuomin args` in `dir` to completion; panics (after killing it) if it takes
/// longer than `timeout`.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Finished {
    start(dir, args, env).wait(timeout)
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Waits until standard output contains `needle`; panics after `timeout` or if
    /// the process ends first.
    pub fn wait_for_output(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.stdout();
            if text.contains(needle) {
                return text;
            }
            let child = self.child.as_mut().expect("running");
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "tuomin ended ({status}) before printing {needle:?}\n--- stdout\n{text}\n--- stderr\n{}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "tuomin did not print {needle:?} within {timeout:?}\n--- stdout\n{text}\n--- stderr\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGINT (what Ctrl-C sends).
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends the signal named `name` (`TERM`, `HUP`, …).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits until `addr` accepts TCP connections; panics after `timeout` or if the
    /// process ends first.
    pub fn wait_listening(&mut self, addr: SocketAddr, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while std::net::TcpStream::connect(addr).is_err() {
            let child = self.child.as_mut().expect("running");
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "tuomin ended ({status}) before listening on {addr}\n{}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "tuomin did not listen on {addr} within {timeout:?}\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to end; kills it and panics after `timeout`.
    pub fn wait(mut self, timeout: Duration) -> Finished {
        let deadline = Instant::now() + timeout;
        let mut child = self.child.take().expect("running");
        loop {
            if let Some(status) = child.try_wait().expect("wait for tuomin") {
                return Finished {
                    status,
                    stdout: self.stdout(),
                    stderr: self.stderr(),
                };
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "tuomin did not finish within {timeout:?} and was killed\n--- stdout\n{}\n--- stderr\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback address with a port free at the time of the call (for a policy that
/// must name its listener before the binary starts).
pub fn free_loopback_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// A fresh checkout's layout in a temporary folder: `config/demo.toml`, nothing else.
pub fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::copy(
        crate::common::repo_root().join("config/demo.toml"),
        dir.path().join("config/demo.toml"),
    )
    .expect("copy the demo policy");
    dir
}
