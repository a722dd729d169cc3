//! `tuomin scan` against the demo bank in a real PostgreSQL (the test harness's
//! server): every planted sensitive column is found, the card numbers hidden in
//! `transactions.memo` too, the fragment parses as TOML and loads as a policy's
//! dictionary, and the comparison with a policy flags what is classified too low or
//! not at all. No raw value is ever printed.

mod common;

use assert_cmd::Command;
use common::{PolicyDir, pg};

const SEED: u64 = 2026;
const CUSTOMERS: usize = 20;

/// Sampling more rows than the demo tables hold reads them whole: deterministic.
const SAMPLE: &str = "5000";

struct Scan {
    stdout: String,
    fragment: String,
}

fn url(server: &pg::PgServer, db: &str) -> String {
    let auth = match &server.password {
        Some(p) => format!("{}:{p}", server.user),
        None => server.user.clone(),
    };
    format!("postgres://{auth}@{}:{}/{db}", server.host, server.port)
}

fn scan(db: &str, config: Option<&std::path::Path>) -> Scan {
    let server = pg::server();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fragment.toml");
    let mut cmd = Command::cargo_bin("tuomin").unwrap();
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd.env_remove("PGPASSWORD")
        .args(["scan", "--upstream", &url(server, db), "--sample", SAMPLE])
        .arg("--out")
        .arg(&out);
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Scan {
        stdout,
        fragment: std::fs::read_to_string(&out).unwrap(),
    }
}

fn demo_db() -> String {
    pg::server().demo_database("scan", CUSTOMERS, SEED)
}

fn dictionary(fragment: &str) -> toml::Table {
    let parsed: toml::Table = fragment
        .parse()
        .unwrap_or_else(|e| panic!("{e}\n{fragment}"));
    parsed["dictionary"].as_table().unwrap().clone()
}

fn category<'a>(dict: &'a toml::Table, table: &str, column: &str) -> Option<&'a str> {
    dict.get(table)?.get(column)?.as_str()
}

#[test]
fn scan_finds_every_planted_sensitive_column_of_the_demo_bank() {
    let found = scan(&demo_db(), None);
    let dict = dictionary(&found.fragment);
    let expected = [
        ("public.customers", "name", "name"),
        ("public.customers", "id_number", "id_number"),
        ("public.customers", "mobile", "mobile"),
        ("public.customers", "email", "email"),
        ("public.customers", "address", "address"),
        ("public.cards", "card_no", "card_number"),
        ("public.cards", "track2", "track_data"),
        ("public.accounts", "account_no", "account_number"),
        ("public.transactions", "counterparty_name", "name"),
        (
            "public.transactions",
            "counterparty_account",
            "account_number",
        ),
        ("public.transactions", "memo", "free_text"),
        ("public.sms_codes", "mobile", "mobile"),
    ];
    for (table, column, want) in expected {
        assert_eq!(
            category(&dict, table, column),
            Some(want),
            "{table}.{column}\n{}",
            found.fragment
        );
    }
    let memo = found
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("memo "))
        .expect("memo reported");
    assert!(memo.contains("card_number in"), "{memo}");
    assert!(memo.contains("mobile in"), "{memo}");
}

#[test]
fn scan_does_not_flag_ids_amounts_dates_codes_or_statuses() {
    let dict = dictionary(&scan(&demo_db(), None).fragment);
    for (table, column) in [
        ("public.customers", "customer_id"),
        ("public.customers", "birth_date"),
        ("public.customers", "password_hash"),
        ("public.customers", "created_at"),
        ("public.customers", "branch_code"),
        ("public.cards", "card_id"),
        ("public.cards", "cvv"),
        ("public.cards", "expiry"),
        ("public.cards", "status"),
        ("public.accounts", "balance"),
        ("public.accounts", "currency"),
        ("public.transactions", "amount"),
        ("public.transactions", "created_at"),
        ("public.sms_codes", "code"),
    ] {
        assert_eq!(category(&dict, table, column), None, "{table}.{column}");
    }
}

#[test]
fn scan_output_and_fragment_show_masked_examples_only() {
    let found = scan(&demo_db(), None);
    let data = tuomin::demo::DemoData::generate(SEED, CUSTOMERS);
    let text = format!("{}{}", found.stdout, found.fragment);
    for c in &data.customers {
        for raw in [&c.id_number, &c.mobile, &c.email, &c.address] {
            assert!(!text.contains(raw.as_str()), "a raw value was printed");
        }
    }
    for card in &data.cards {
        assert!(
            !text.contains(card.card_no.as_str()),
            "a card number was printed"
        );
    }
    assert!(text.contains("***"), "masked examples are shown");
    assert!(text.contains("[track data, not shown]"));
}

#[test]
fn the_fragment_loads_as_the_dictionary_of_a_policy() {
    let found = scan(&demo_db(), None);
    let dir = PolicyDir::new();
    let path = dir.write(&format!(
        "{}\n[consumers.qa]\nscenario = \"dev_test\"\nkey_scope = \"qa\"\n",
        found.fragment
    ));
    let policy = tuomin::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        policy.table("public.cards").unwrap()["card_no"].category,
        "card_number"
    );
}

#[test]
fn compared_with_the_demo_policy_nothing_is_flagged_and_the_memo_is_reported() {
    let dir = PolicyDir::new();
    let found = scan(&demo_db(), Some(&dir.demo()));
    assert!(
        found
            .stdout
            .contains("0 column(s) flagged against the policy"),
        "{}",
        found.stdout
    );
    assert!(
        found
            .stdout
            .contains("classified free_text: this free text carries"),
        "{}",
        found.stdout
    );
    // Everything is classified already: the fragment holds comments only.
    assert!(
        dictionary(&found.fragment)
            .values()
            .all(|t| t.as_table().unwrap().is_empty())
    );
}

#[test]
fn a_c2_looking_column_classified_c1_or_not_at_all_is_flagged() {
    let dir = PolicyDir::new();
    let demo = std::fs::read_to_string(dir.demo()).unwrap();
    let changed = demo
        .replace("card_no = \"card_number\"", "card_no = \"internal_id\"")
        .replace("email = \"email\"\n", "");
    let policy = dir.path().join("changed.toml");
    std::fs::write(&policy, changed).unwrap();
    let found = scan(&demo_db(), Some(&policy));
    assert!(
        found
            .stdout
            .contains("classified C1 (internal_id) but looks like card_number (C2)"),
        "{}",
        found.stdout
    );
    assert!(found.stdout.contains("not in the policy's dictionary"));
    assert!(
        found.stdout.contains("2 column(s) flagged"),
        "{}",
        found.stdout
    );
    let dict = dictionary(&found.fragment);
    assert_eq!(
        category(&dict, "public.cards", "card_no"),
        Some("card_number")
    );
    assert_eq!(category(&dict, "public.customers", "email"), Some("email"));
    assert_eq!(category(&dict, "public.customers", "name"), None);
}
