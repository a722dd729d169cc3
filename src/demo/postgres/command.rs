//! Running PostgreSQL's own programs (`initdb`, `pg_ctl`) for the demo cluster: as an
//! unprivileged account when tuomin runs as root (PostgreSQL refuses to run as root),
//! with standard input closed, output appended to a log file — never a pipe a daemon
//! could hold open — and a deadline after which the program is killed.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The account the server programs run as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunAs {
    /// The current user (not root).
    Current,
    /// Root runs them through `runuser -u NAME` as this account.
    Account { name: String, uid: u32, gid: u32 },
}

/// The name of the unprivileged account used when tuomin runs as root.
pub const SERVER_ACCOUNT: &str = "postgres";

impl RunAs {
    /// The current user when not root, else the `postgres` account (which must exist).
    pub fn for_this_process() -> Result<RunAs, String> {
        if !running_as_root() {
            return Ok(RunAs::Current);
        }
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        account(&passwd, SERVER_ACCOUNT).ok_or_else(|| {
            format!(
                "tuomin runs as root and PostgreSQL refuses to: the demo cluster runs as the \
                 account `{SERVER_ACCOUNT}`, which does not exist (installing the PostgreSQL \
                 server package creates it; or run tuomin demo as an ordinary user)"
            )
        })
    }

    /// A command running `program` as this account, in `dir`.
    pub fn command(&self, program: &Path, dir: &Path) -> Command {
        let mut cmd = match self {
            RunAs::Current => Command::new(program),
            RunAs::Account { name, .. } => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", name, "--"]).arg(program);
                cmd
            }
        };
        cmd.current_dir(dir);
        cmd
    }

    /// Gives `path` to this account (a no-op for the current user).
    pub fn give(&self, path: &Path) -> std::io::Result<()> {
        match self {
            RunAs::Current => Ok(()),
            #[cfg(unix)]
            RunAs::Account { uid, gid, .. } => {
                std::os::unix::fs::chown(path, Some(*uid), Some(*gid))
            }
            #[cfg(not(unix))]
            RunAs::Account { .. } => Ok(()),
        }
    }
}

/// True when this process runs as root (Linux: the owner of `/proc/self`).
fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// The account `name` of an `/etc/passwd` text.
fn account(passwd: &str, name: &str) -> Option<RunAs> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some(RunAs::Account {
            name: name.to_owned(),
            uid,
            gid,
        })
    })
}

/// Runs `cmd` to completion with standard input closed and its output appended to
/// `log`; kills it after `timeout`. The error says what failed and ends with the
/// log's last lines.
pub fn run_logged(
    mut cmd: Command,
    what: &str,
    log: &Path,
    timeout: Duration,
) -> Result<(), String> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("{what}: cannot open its log {}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("{what}: cannot open its log {}: {e}", log.display()))?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("{what}: cannot start it: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(format!("{what} failed ({status}); {}", log_tail(log)));
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{what} did not finish within {} s and was stopped; {}",
                    timeout.as_secs(),
                    log_tail(log)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("{what}: {e}")),
        }
    }
}

/// The last lines of a log file, introduced by its path.
pub fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(12)..].join("\n  ");
    format!("the end of {}:\n  {tail}", log.display())
}

/// The variable naming the folder of `initdb` and `pg_ctl`, for installs elsewhere.
pub const BIN_ENV: &str = "TUOMIN_DEMO_PG_BIN";

/// The folder holding `initdb`, `pg_ctl` and `postgres`: the one `TUOMIN_DEMO_PG_BIN`
/// names (and only it, when set), else the newest `/usr/lib/postgresql/N/bin` (Debian,
/// Ubuntu), else the folder of `initdb` on `PATH`.
pub fn server_bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(BIN_ENV) {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// What to install when the server programs are missing.
pub fn install_hint() -> &'static str {
    "install the PostgreSQL server (Debian/Ubuntu: `sudo apt-get install postgresql`; \
     Fedora/RHEL: `sudo dnf install postgresql-server`; macOS: `brew install postgresql@16`) \
     and run tuomin demo again — it starts its own cluster under .tuomin/pg/ (set \
     TUOMIN_DEMO_PG_BIN to the folder of initdb if it is installed elsewhere) — or set \
     TUOMIN_DEMO_PG=postgres://USER:PASSWORD@HOST:PORT/postgres to use a server you run"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postgres_account_is_read_from_a_passwd_text() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104::/var/lib/postgresql:/bin/bash\n";
        assert_eq!(
            account(passwd, "postgres"),
            Some(RunAs::Account {
                name: "postgres".into(),
                uid: 101,
                gid: 104
            })
        );
        assert_eq!(account(passwd, "nobody"), None);
        assert_eq!(account("postgres:x:oops:1::/:/bin/sh", "postgres"), None);
    }

    #[test]
    fn a_program_that_outlives_its_deadline_is_stopped_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo started; sleep 30"]);
        let err = run_logged(cmd, "sleeper", &log, Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("sleeper did not finish within 0 s"), "{err}");
        assert!(err.contains("started"), "{err}");
    }

    #[test]
    fn a_failing_program_is_reported_with_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo 'no such thing' >&2; exit 3"]);
        let err = run_logged(cmd, "failer", &log, Duration::from_secs(10)).unwrap_err();
        assert!(err.contains("failer failed"), "{err}");
        assert!(err.contains("no such thing"), "{err}");
    }
}
