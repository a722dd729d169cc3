//! `tuomin report`: the delegated-processing report from a real audit trail (made by
//! real `tuomin mask` runs), as table, JSON and HTML — the HTML one rendered in a real
//! headless Chromium — and the policy inventory.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::PolicyDir;

const CUSTOMERS_CSV: &str = "\
customer_id,name,mobile,branch_code
1,张伟,13812345678,BJ001
2,欧阳娜娜,15987654321,SH002
";

fn tuomin() -> Command {
    let mut cmd = Command::cargo_bin("tuomin").expect("binary");
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd.env_remove("TUOMIN_MASTER_KEY");
    cmd
}

/// A demo policy directory whose audit trail holds three runs.
fn trail() -> (PolicyDir, PathBuf, PathBuf) {
    let dir = PolicyDir::new();
    let config = dir.demo();
    for (consumer, source, input) in [
        ("vendor_collections", "customers", CUSTOMERS_CSV),
        ("qa", "customers", CUSTOMERS_CSV),
        ("vendor_collections", "cards", "card_id,cvv\n1,123\n"),
    ] {
        tuomin()
            .args(["mask", "--config"])
            .arg(&config)
            .args(["--consumer", consumer, "--source", source])
            .write_stdin(input)
            .output()
            .expect("mask");
    }
    let audit = dir.path().join("audit.jsonl");
    (dir, config, audit)
}

fn report(args: &[&str], audit: &Path, config: Option<&Path>) -> String {
    let mut cmd = tuomin();
    cmd.arg("report").args(args).arg("--audit").arg(audit);
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_table_shows_what_each_consumer_received_and_was_refused() {
    let (_dir, config, audit) = trail();
    let text = report(&[], &audit, Some(&config));
    assert!(
        text.contains("trail integrity: intact (3 record(s) verified)"),
        "{text}"
    );
    assert!(
        text.contains(
            "vendor_collections (outsourced) · 2 operation(s), 2 record(s) returned, 1 refused"
        ),
        "{text}"
    );
    assert!(text.contains("qa (dev_test) · 1 operation(s)"), "{text}");
    let vendor = text.split("vendor_collections").nth(1).unwrap();
    assert!(vendor.contains("C2     mobile"), "{text}");
    assert!(
        vendor.contains("public.cards.cvv (C3, cvv) is C3 and never leaves"),
        "{text}"
    );
    assert!(!text.contains("13812345678"), "no values in reports");
}

#[test]
fn consumer_and_since_filters_apply() {
    let (_dir, _config, audit) = trail();
    let only_qa = report(&["--consumer", "qa"], &audit, None);
    assert!(only_qa.contains("qa (dev_test)"));
    assert!(!only_qa.contains("vendor_collections"));
    let future = report(&["--since", "2999-01-01"], &audit, None);
    assert!(future.contains("no records"), "{future}");
}

#[test]
fn json_report_is_machine_readable() {
    let (_dir, _config, audit) = trail();
    let text = report(&["--format", "json"], &audit, None);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vendor = doc["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["consumer"] == "vendor_collections")
        .unwrap();
    assert_eq!(vendor["refused"], 1);
    assert_eq!(vendor["records"], 2);
    let forms: Vec<&str> = vendor["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["form"].as_str().unwrap())
        .collect();
    assert!(
        forms.contains(&"mask") && forms.contains(&"mask_name"),
        "{forms:?}"
    );
}

#[test]
fn a_tampered_trail_is_flagged_in_the_report() {
    let (_dir, config, audit) = trail();
    let text = std::fs::read_to_string(&audit).unwrap();
    std::fs::write(&audit, text.replacen("\"rows\":2", "\"rows\":1", 1)).unwrap();
    let out = report(&[], &audit, Some(&config));
    assert!(out.contains("NOT intact"), "{out}");
}

/// Chromium under coreutils' `timeout` (killed after two minutes, so a wedged browser
/// fails the test instead of hanging it).
fn headless() -> std::process::Command {
    let mut cmd = std::process::Command::new("timeout");
    cmd.args(["-k", "10", "120"]).arg(chromium());
    cmd.stdin(std::process::Stdio::null());
    cmd
}

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "Chromium is needed to test the HTML report: apt-get install -y chromium (CI does)"
    );
    path
}

/// Renders `html` in headless Chromium; returns the DOM it built and a screenshot's size.
fn render(html: &Path) -> (String, u64) {
    let profile = tempfile::tempdir().unwrap();
    let shot = profile.path().join("shot.png");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let url = format!("file://{}", html.display());
    let dom = headless()
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &url])
        .output()
        .expect("run chromium");
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let screenshot = headless()
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1200,900", &url])
        .output()
        .expect("run chromium");
    assert!(screenshot.status.success());
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    (String::from_utf8_lossy(&dom.stdout).into_owned(), size)
}

#[test]
fn the_html_report_renders_in_a_real_browser() {
    let (dir, config, audit) = trail();
    let html = dir.path().join("report.html");
    let out = tuomin()
        .args(["report", "--format", "html", "--output"])
        .arg(&html)
        .arg("--audit")
        .arg(&audit)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (dom, screenshot) = render(&html);
    assert!(
        dom.contains("<h1>Delegated-processing report</h1>"),
        "{dom}"
    );
    assert!(dom.contains("vendor_collections"), "{dom}");
    assert!(dom.contains("<td>mask_name</td>"), "{dom}");
    assert!(dom.contains("intact"), "{dom}");
    assert!(screenshot > 1000, "the page painted something");
}

#[test]
fn the_policy_inventory_renders_in_text_and_in_a_browser() {
    let dir = PolicyDir::new();
    let config = dir.demo();
    let out = tuomin()
        .args(["report", "--policy"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("public.customers.password_hash"), "{text}");

    let html = dir.path().join("inventory.html");
    let out = tuomin()
        .args(["report", "--format", "html", "--output"])
        .arg(&html)
        .arg("--policy")
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let (dom, _) = render(&html);
    assert!(dom.contains("Self-inspection inventory"), "{dom}");
    assert!(dom.contains("public.cards.cvv"), "{dom}");
    assert!(
        dom.contains("<span class=\"refused\">refused</span>"),
        "{dom}"
    );
}
