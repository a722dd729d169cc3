//! The demo's own PostgreSQL cluster, for machines where no server was found: made
//! once with `initdb` under `.tuomin/pg/` (SCRAM logins, a generated superuser
//! password kept in a 0600 file, loopback TCP only, no Unix socket), started with
//! `pg_ctl` on a free loopback port, and stopped when the demo ends — also when it
//! ends with an error, since [`Cluster`] stops the server when dropped. The data stays
//! for the next run. A server left running by a demo that was killed is stopped first.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Server;
use super::command::{RunAs, install_hint, log_tail, run_logged, server_bin_dir};
use crate::demo::live::credentials;

const INITDB_TIMEOUT: Duration = Duration::from_secs(180);
const START_TIMEOUT: Duration = Duration::from_secs(90);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// A running demo cluster; stopped when dropped.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    /// The folder holding `data/`, `password` and the logs.
    pub dir: PathBuf,
    run_as: RunAs,
    /// True when this run made the cluster (`initdb`).
    pub created: bool,
    running: bool,
    /// True once `owner.pid` names this process.
    claimed: bool,
}

impl Cluster {
    /// Makes (first time) and starts the cluster for the demo home `home`.
    pub fn start(home: &Path) -> Result<(Cluster, Server), String> {
        let bin = server_bin_dir().ok_or_else(|| {
            format!(
                "PostgreSQL is not installed here (no initdb found): {}",
                install_hint()
            )
        })?;
        let run_as = RunAs::for_this_process()?;
        let dir = cluster_dir(home, &run_as)?;
        let mut cluster = Cluster {
            bin,
            dir,
            run_as,
            created: false,
            running: false,
            claimed: false,
        };
        cluster.claim()?;
        cluster.init()?;
        cluster.stop_leftover()?;
        let port = free_port()?;
        cluster.pg_ctl(
            &[
                "start".into(),
                "-w".into(),
                "-t".into(),
                (START_TIMEOUT.as_secs() - 10).to_string(),
                "-D".into(),
                cluster.data().display().to_string(),
                "-l".into(),
                cluster.dir.join("server.log").display().to_string(),
                "-o".into(),
                format!("-p {port}"),
            ],
            "starting the demo cluster (pg_ctl start)",
            START_TIMEOUT,
        )?;
        cluster.running = true;
        let password = std::fs::read_to_string(cluster.password_file())
            .map_err(|e| format!("cannot read the demo cluster's password file: {e}"))?;
        let server = Server {
            host: "127.0.0.1".into(),
            port,
            user: "postgres".into(),
            password: Some(password.trim_end().to_owned()),
            maintenance_db: "postgres".into(),
        };
        Ok((cluster, server))
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The superuser's password, also the gateway's upstream `password_file`.
    pub fn password_file(&self) -> PathBuf {
        self.dir.join("password")
    }

    fn pg_ctl(&self, args: &[String], what: &str, timeout: Duration) -> Result<(), String> {
        let mut cmd = self.run_as.command(&self.bin.join("pg_ctl"), &self.dir);
        cmd.args(args);
        run_logged(cmd, what, &self.dir.join("pg_ctl.log"), timeout)
    }

    /// Runs `initdb` unless the cluster exists.
    fn init(&mut self) -> Result<(), String> {
        if self.data().join("PG_VERSION").is_file() {
            return Ok(());
        }
        let data = self.data();
        if data.exists() {
            std::fs::remove_dir_all(&data).map_err(|e| {
                format!(
                    "cannot remove the unfinished cluster {}: {e}",
                    data.display()
                )
            })?;
        }
        let password = credentials::new_password();
        credentials::write_private(&self.password_file(), &format!("{password}\n"))?;
        self.run_as
            .give(&self.password_file())
            .map_err(|e| format!("cannot hand the cluster's password file over: {e}"))?;
        let mut cmd = self.run_as.command(&self.bin.join("initdb"), &self.dir);
        cmd.arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .arg(format!("--pwfile={}", self.password_file().display()));
        run_logged(
            cmd,
            "making the demo cluster (initdb)",
            &self.dir.join("initdb.log"),
            INITDB_TIMEOUT,
        )?;
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)
            .map_err(|e| format!("cannot read {}: {e}", conf.display()))?;
        text.push_str(
            "\n# tuomin demo: loopback TCP only, no Unix socket (the port is given at start)\n\
             listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
        );
        std::fs::write(&conf, text).map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
        self.created = true;
        Ok(())
    }

    /// Marks the cluster as this process's; fails while another live `tuomin` holds it
    /// (its server is that demo's, not a leftover to stop).
    fn claim(&mut self) -> Result<(), String> {
        let owner_file = self.dir.join("owner.pid");
        let owner = std::fs::read_to_string(&owner_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok());
        if let Some(pid) = owner
            && pid != std::process::id()
            && is_tuomin(pid)
        {
            return Err(format!(
                "the demo cluster in {} is in use by another tuomin demo (pid {pid}); stop \
                 that one first, or set TUOMIN_DEMO_PG to another server",
                self.dir.display()
            ));
        }
        std::fs::write(&owner_file, format!("{}\n", std::process::id()))
            .map_err(|e| format!("cannot write {}: {e}", owner_file.display()))?;
        self.claimed = true;
        Ok(())
    }

    /// Stops a server a killed demo left running on this cluster.
    fn stop_leftover(&self) -> Result<(), String> {
        if !self.data().join("postmaster.pid").exists() {
            return Ok(());
        }
        let data = self.data().display().to_string();
        let status = self.pg_ctl(
            &["status".into(), "-D".into(), data],
            "pg_ctl status",
            STOP_TIMEOUT,
        );
        if status.is_err() {
            return Ok(());
        }
        self.pg_ctl_stop("stopping the demo cluster a previous run left running (pg_ctl stop)")
    }

    /// Stops the server (fast shutdown: sessions are ended).
    pub fn stop(&mut self) -> Result<(), String> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        self.pg_ctl_stop("stopping the demo cluster (pg_ctl stop)")
    }

    fn pg_ctl_stop(&self, what: &str) -> Result<(), String> {
        if !self.data().join("postmaster.pid").exists() {
            return Ok(()); // already down (a Ctrl-C that reached the server too)
        }
        let data = self.data().display().to_string();
        let args = ["stop", "-D", &data, "-m", "fast", "-w"].map(String::from);
        self.pg_ctl(&args, what, STOP_TIMEOUT)
    }

    /// The server's own log, for errors.
    pub fn server_log_tail(&self) -> String {
        log_tail(&self.dir.join("server.log"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "the demo cluster did not stop");
        }
        if self.claimed {
            let _ = std::fs::remove_file(self.dir.join("owner.pid"));
        }
    }
}

/// Whether process `pid` is a running `tuomin` — not a zombie a killed demo left
/// behind (Linux; elsewhere: not known, false).
fn is_tuomin(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    field("Name:") == "tuomin" && !field("State:").starts_with(['Z', 'X'])
}

/// `home/pg`, or — when root runs the cluster as `postgres` and that account cannot
/// reach `home` (a home folder of mode 0700, say) — a folder of its own under the
/// system's temporary folder, named after `home`.
fn cluster_dir(home: &Path, run_as: &RunAs) -> Result<PathBuf, String> {
    let home = std::path::absolute(home).map_err(|e| format!("{}: {e}", home.display()))?;
    let preferred = home.join("pg");
    make_dir(&preferred, run_as)?;
    if reachable(&preferred, run_as) {
        return Ok(preferred);
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, home.as_os_str().as_encoded_bytes());
    let fallback = std::env::temp_dir().join(format!(
        "tuomin-demo-pg-{}",
        hex::encode(&digest.as_ref()[..6])
    ));
    make_dir(&fallback, run_as)?;
    if reachable(&fallback, run_as) {
        return Ok(fallback);
    }
    Err(format!(
        "the account `{}` cannot write {} nor {}: make one of them reachable, or set \
         TUOMIN_DEMO_PG to a server you run",
        super::command::SERVER_ACCOUNT,
        preferred.display(),
        fallback.display()
    ))
}

fn make_dir(dir: &Path, run_as: &RunAs) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("cannot restrict {}: {e}", dir.display()))?;
    }
    run_as.give(dir).map_err(|e| {
        format!(
            "cannot hand {} over to the server account: {e}",
            dir.display()
        )
    })
}

/// Whether `run_as` can write `dir` (always, for the current user).
fn reachable(dir: &Path, run_as: &RunAs) -> bool {
    if *run_as == RunAs::Current {
        return true;
    }
    let mut cmd = run_as.command(Path::new("/bin/sh"), Path::new("/"));
    cmd.arg("-c")
        .arg("test -w \"$0\" && test -x \"$0\"")
        .arg(dir);
    let probe = std::env::temp_dir().join(format!("tuomin-demo-probe-{}.log", std::process::id()));
    let ok = run_logged(cmd, "access probe", &probe, Duration::from_secs(20)).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port for the demo cluster: {e}"))
}
