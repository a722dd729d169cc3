//! `tuomin demo`, run as a newcomer runs it, in a fresh checkout's layout: the file
//! walkthrough (`--files-only`), the self-check through both gateways against the
//! test PostgreSQL (`--check` with `TUOMIN_DEMO_PG`) and against the demo's own
//! cluster, the live demo driven with the psql and curl commands it prints, and a
//! busy port. Every run has a deadline and is killed if it overstays.

#[path = "common/cli.rs"]
mod cli;
mod common;

use std::time::Duration;

use common::pg::PgServer;

const QUICK: Duration = Duration::from_secs(120);
/// Long enough for `initdb` on a loaded machine.
const CLUSTER: Duration = Duration::from_secs(300);
/// Every listener on a free port, so runs never collide.
const ANY_PORTS: [&str; 6] = ["--pg-port", "0", "--http-port", "0", "--api-port", "0"];

/// `TUOMIN_DEMO_PG` for the test server.
fn demo_pg_url(server: &PgServer) -> String {
    let auth = match &server.password {
        Some(p) => format!("{}:{p}", server.user),
        None => server.user.clone(),
    };
    format!(
        "postgres://{auth}@{}:{}/{}",
        server.host, server.port, server.maintenance_db
    )
}

/// The demo's arguments with a database of this test's own.
fn check_args(db: &str) -> Vec<&str> {
    let mut args = vec!["demo", "--check", "--database", db];
    args.extend(ANY_PORTS);
    args
}

/// Values of the demo bank's first carded customer that must never be printed.
fn originals() -> Vec<String> {
    let data =
        tuomin::demo::DemoData::generate(tuomin::demo::live::SEED, tuomin::demo::live::CUSTOMERS);
    let card = data.cards[0].clone();
    let c = data
        .customers
        .iter()
        .find(|c| c.customer_id == card.customer_id)
        .unwrap();
    vec![
        c.id_number.clone(),
        c.mobile.clone(),
        c.password_hash.clone(),
        card.card_no,
        card.track2,
    ]
}

/// The secrets of `.tuomin/demo-credentials`.
fn secrets(dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(".tuomin/demo-credentials")).unwrap();
    text.lines()
        .filter_map(|l| l.split_once("='"))
        .map(|(_, v)| v.trim_end_matches('\'').to_owned())
        .collect()
}

fn assert_nothing_secret_printed(text: &str, dir: &std::path::Path) {
    for s in secrets(dir).iter().chain(originals().iter()) {
        assert!(
            !text.contains(s.as_str()),
            "a secret or an original value was printed"
        );
    }
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn files_only_masks_the_exports_for_every_consumer_and_starts_nothing() {
    let dir = cli::checkout();
    let run = cli::run(dir.path(), &["demo", "--files-only"], &[], QUICK);
    assert!(run.status.success(), "{}", run.both());
    for needle in [
        "wrote master key k1",
        "-- qa →",
        "-- vendor_collections →",
        "-- analyst →",
        "-- offshore_hq →",
        "audit trail intact: 4 record(s)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "missing {needle}:\n{}",
            run.both()
        );
    }
    assert!(!run.stdout.contains("PostgreSQL gateway"), "{}", run.both());
    assert!(!dir.path().join(".tuomin/demo-serve.toml").exists());
    assert_eq!(mode(&dir.path().join(".tuomin/demo.key")), 0o600);
    // A second run reuses the key: the same pseudonyms.
    let masked = dir.path().join(".tuomin/masked/qa/customers.csv");
    let first = std::fs::read_to_string(&masked).unwrap();
    let again = cli::run(dir.path(), &["demo", "--files-only"], &[], QUICK);
    assert!(again.status.success(), "{}", again.both());
    assert!(!again.stdout.contains("wrote master key"));
    assert_eq!(first, std::fs::read_to_string(&masked).unwrap());
}

#[test]
fn the_check_passes_through_both_gateways_and_a_second_run_reuses_everything() {
    let server = common::pg::server();
    let db = server.fresh_database("demo_check");
    let url = demo_pg_url(server);
    let dir = cli::checkout();
    let env = [("TUOMIN_DEMO_PG", url.as_str())];
    let run = cli::run(dir.path(), &check_args(&db), &env, QUICK);
    assert!(run.status.success(), "{}", run.both());
    let out = &run.stdout;
    for needle in [
        "(from TUOMIN_DEMO_PG)",
        "postgres   qa",
        "postgres   vendor_collections",
        "select cvv from cards limit 1 → refused 42501",
        "select password_hash from customers limit 1 → refused 42501",
        "(the card with its CVV) → 403",
        "cvv / expiry / track2 removed",
        "the same pseudonym over SQL and HTTP",
        "self-check passed: 15 checks",
    ] {
        assert!(out.contains(needle), "missing {needle}:\n{}", run.both());
    }
    assert!(!out.contains("FAIL"), "{}", run.both());
    assert_nothing_secret_printed(&run.both(), dir.path());
    let credentials = dir.path().join(".tuomin/demo-credentials");
    assert_eq!(mode(&credentials), 0o600);
    let policy = std::fs::read_to_string(dir.path().join(".tuomin/demo-serve.toml")).unwrap();
    for s in secrets(dir.path()) {
        assert!(
            !policy.contains(&s),
            "the derived policy holds a plaintext secret"
        );
    }
    assert!(policy.contains("scram_verifier = \"SCRAM-SHA-256$"));

    let key = std::fs::read(dir.path().join(".tuomin/demo.key")).unwrap();
    let creds = std::fs::read(&credentials).unwrap();
    let again = cli::run(dir.path(), &check_args(&db), &env, QUICK);
    assert!(again.status.success(), "{}", again.both());
    assert!(
        again.stdout.contains("self-check passed"),
        "{}",
        again.both()
    );
    assert!(!again.stdout.contains("wrote master key"));
    assert_eq!(
        key,
        std::fs::read(dir.path().join(".tuomin/demo.key")).unwrap()
    );
    assert_eq!(creds, std::fs::read(&credentials).unwrap());
    let rows = server.psql(&db, "select count(*) from customers");
    assert_eq!(rows.trim(), tuomin::demo::live::CUSTOMERS.to_string());
}

#[test]
fn a_busy_port_is_named_with_the_flag_that_moves_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = cli::checkout();
    // A PostgreSQL that cannot be reached: the port is checked before anything else.
    let env = [("TUOMIN_DEMO_PG", "postgres://nobody@127.0.0.1:1/postgres")];
    for flag in ["--api-port", "--http-port", "--pg-port"] {
        let mut args = vec!["demo", "--check"];
        args.extend(ANY_PORTS);
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = &port;
        let run = cli::run(dir.path(), &args, &env, QUICK);
        assert!(!run.status.success(), "{}", run.both());
        let needle = format!("127.0.0.1:{port}");
        assert!(run.stderr.contains(&needle), "{}", run.both());
        assert!(
            run.stderr.contains(&format!("with {flag} PORT")),
            "{}",
            run.both()
        );
        assert!(!dir.path().join(".tuomin/demo-credentials").exists());
    }
}

#[test]
fn the_live_demo_prints_psql_and_curl_commands_that_work_and_stops_on_ctrl_c() {
    let server = common::pg::server();
    let db = server.fresh_database("demo_live");
    let url = demo_pg_url(server);
    let dir = cli::checkout();
    let mut args = vec!["demo", "--database", &db];
    args.extend(ANY_PORTS);
    let mut demo = cli::start(dir.path(), &args, &[("TUOMIN_DEMO_PG", &url)]);
    let out = demo.wait_for_output("The other consumers work the same way", QUICK);
    let commands: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("PGPASSWORD=") || l.starts_with("curl "))
        .collect();
    assert_eq!(commands.len(), 8, "{out}");
    let results: Vec<String> = commands.iter().map(|c| shell(dir.path(), c)).collect();
    // psql as qa: format-preserving pseudonyms (18-character ID numbers).
    assert!(results[0].contains("(3 rows)"), "{}", results[0]);
    // psql as vendor_collections: masks.
    assert!(results[1].contains("****"), "{}", results[1]);
    assert_ne!(results[0], results[1]);
    // C3 over SQL: refused, naming the column.
    assert!(
        results[2].contains("public.cards.cvv") && results[2].contains("C3"),
        "{}",
        results[2]
    );
    // The upstream has everything; the gateway gives each vendor its own view.
    assert!(results[3].contains("password_hash"), "{}", results[3]);
    assert!(!results[4].contains("password_hash") && !results[5].contains("password_hash"));
    assert_ne!(results[4], results[5]);
    assert!(
        !results[6].contains("cvv") && results[6].contains("card_no"),
        "{}",
        results[6]
    );
    // One card with its CVV, asked for by the pseudonym qa sees: refused whole.
    assert!(
        results[7].contains("field_refused") && results[7].contains("cvv"),
        "{}",
        results[7]
    );
    // Everything but the upstream's own answer (results[3]) is free of originals.
    let through_gateways: Vec<&String> = results
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, r)| r)
        .collect();
    for r in through_gateways {
        assert_nothing_secret_printed(r, dir.path());
    }
    demo.interrupt();
    let end = demo.wait(QUICK);
    assert!(end.status.success(), "{}", end.both());
    assert!(end.stdout.contains("stopping the demo"), "{}", end.both());
}

#[test]
fn without_postgresql_the_demo_runs_its_http_half_and_says_what_to_install() {
    let dir = cli::checkout();
    // A machine where nothing answers and no server programs are installed.
    let env = [
        ("TUOMIN_DEMO_PG", "cluster"),
        ("TUOMIN_DEMO_PG_BIN", "/nonexistent/bin"),
    ];
    let mut args = vec!["demo"];
    args.extend(ANY_PORTS);
    let mut demo = cli::start(dir.path(), &args, &env);
    let out = demo.wait_for_output("The other consumers work the same way", QUICK);
    assert!(out.contains("PostgreSQL gateway  not started"), "{out}");
    assert!(out.contains("sudo apt-get install postgresql"), "{out}");
    assert!(!out.contains("PGPASSWORD="), "{out}");
    let vendor = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("curl ") && l.contains("VENDOR_COLLECTIONS_API_KEY"))
        .expect("a curl command as vendor_collections");
    let answer = shell(dir.path(), vendor);
    assert!(
        answer.contains("\"customer_id\":1") && answer.contains("****"),
        "{answer}"
    );
    demo.interrupt();
    let end = demo.wait(QUICK);
    assert!(end.status.success(), "{}", end.both());

    // The check cannot pass without PostgreSQL, and says why.
    let check = cli::run(dir.path(), &check_args("tuomin_demo"), &env, QUICK);
    assert!(!check.status.success(), "{}", check.both());
    assert!(check.stdout.contains("FAIL  postgres"), "{}", check.both());
    assert!(
        check.stdout.contains("apt-get install postgresql"),
        "{}",
        check.both()
    );
}

#[test]
fn the_demo_makes_its_own_cluster_once_and_reuses_it() {
    let dir = cli::checkout();
    // The cluster runs as `postgres` when the tests run as root: it must reach the folder.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let _stop = ClusterGuard(dir.path().join(".tuomin/pg"));
    let env = [("TUOMIN_DEMO_PG", "cluster")];
    let first = cli::run(dir.path(), &check_args("tuomin_demo"), &env, CLUSTER);
    assert!(first.status.success(), "{}", first.both());
    assert!(
        first.stdout.contains("the demo's own cluster in"),
        "{}",
        first.both()
    );
    assert!(first.stdout.contains("just made"), "{}", first.both());
    assert_eq!(mode(&dir.path().join(".tuomin/pg/password")), 0o600);
    // A demo killed outright (SIGKILL) leaves its server running; the next run stops it
    // and starts its own.
    let mut args = vec!["demo"];
    args.extend(ANY_PORTS);
    let mut killed = cli::start(dir.path(), &args, &env);
    killed.wait_for_output("Ctrl-C stops everything", CLUSTER);
    drop(killed);
    assert!(dir.path().join(".tuomin/pg/data/postmaster.pid").exists());
    let second = cli::run(dir.path(), &check_args("tuomin_demo"), &env, CLUSTER);
    assert!(second.status.success(), "{}", second.both());
    assert!(
        second.stdout.contains("self-check passed"),
        "{}",
        second.both()
    );
    assert!(!second.stdout.contains("just made"), "{}", second.both());
    assert!(
        !dir.path().join(".tuomin/pg/data/postmaster.pid").exists(),
        "the cluster is stopped when the demo ends"
    );
}

/// Runs a printed command in `dir` after loading the demo credentials; returns its
/// standard output and error.
fn shell(dir: &std::path::Path, command: &str) -> String {
    let script = format!(". .tuomin/demo-credentials && {command}");
    let mut child = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run sh");
    let deadline = std::time::Instant::now() + QUICK;
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command} did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Stops a demo cluster a failed test left running (the demo stops it itself).
struct ClusterGuard(std::path::PathBuf);

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        let data = self.0.join("data");
        if !data.join("postmaster.pid").exists() {
            return;
        }
        let Some(bin) = tuomin::demo::postgres::command::server_bin_dir() else {
            return;
        };
        let Ok(run_as) = tuomin::demo::postgres::command::RunAs::for_this_process() else {
            return;
        };
        let mut cmd = run_as.command(&bin.join("pg_ctl"), &self.0);
        cmd.arg("stop")
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate"]);
        let _ = tuomin::demo::postgres::command::run_logged(
            cmd,
            "pg_ctl stop",
            &self.0.join("pg_ctl.log"),
            Duration::from_secs(60),
        );
    }
}
