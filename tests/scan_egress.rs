//! The egress scan (`[defaults] unclassified = "scan"`) through `tuomin mask`: clean
//! unclassified values pass byte for byte, a card number or mobile typed into a memo
//! is masked in place as its category, `scan_hit = "refuse"` and C3 refuse the run,
//! and the audit record names `scan:<category>`.

mod common;

use assert_cmd::Command;
use common::PolicyDir;
use tuomin::transform::card::luhn_valid;

const CARD: &str = "6222020200112233446";
const MOBILE: &str = "13812345678";

const CSV: &str = "\
txn_id,amount,memo,note
1,12.50,还款至卡号6222020200112233446,工资
2,7.00,请回电13812345678确认,\"ref 2024-06-01, order 1712345678901\"
3,1.00,房租,550e8400-e29b-41d4-a716-446655440000
";

fn policy(dir: &PolicyDir, scan_hit: &str) -> std::path::PathBuf {
    dir.write(&format!(
        r#"
[defaults]
unclassified = "scan"
scan_hit = "{scan_hit}"

[audit]
file = "audit.jsonl"

[dictionary."public.transactions"]
txn_id = "internal_id"
amount = {{ category = "amount", subject = "txn_id" }}

[consumers.qa]
scenario = "dev_test"
key_scope = "qa"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"

[consumers.hq]
scenario = "offshore"
key_scope = "hq"
"#
    ))
}

fn mask(
    config: &std::path::Path,
    consumer: &str,
    format: &str,
    input: &str,
) -> std::process::Output {
    Command::cargo_bin("tuomin")
        .expect("binary")
        .timeout(std::time::Duration::from_secs(120))
        .env_remove("TUOMIN_MASTER_KEY")
        .args(["mask", "--config"])
        .arg(config)
        .args(["--consumer", consumer, "--source", "transactions"])
        .args(["--format", format])
        .write_stdin(input)
        .output()
        .expect("run tuomin mask")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

fn column(csv_text: &str, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[at].to_owned())
        .collect()
}

#[test]
fn a_card_number_in_a_memo_comes_out_masked_and_the_rest_of_the_memo_stays() {
    let dir = PolicyDir::new();
    let out = mask(&policy(&dir, "mask"), "vendor", "csv", CSV);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let memo = column(&text(&out.stdout), "memo");
    assert_eq!(memo[0], "还款至卡号622202*********3446");
    assert_eq!(memo[1], "请回电138****5678确认");
    assert_eq!(memo[2], "房租");
    assert!(!text(&out.stdout).contains(CARD) && !text(&out.stdout).contains(MOBILE));
}

#[test]
fn a_clean_unclassified_column_passes_byte_for_byte() {
    let dir = PolicyDir::new();
    let out = mask(&policy(&dir, "mask"), "vendor", "csv", CSV);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    assert_eq!(column(&output, "note"), column(CSV, "note"));
    // The clean row's unclassified part is the input's, byte for byte.
    let tail = ",房租,550e8400-e29b-41d4-a716-446655440000";
    assert!(CSV.lines().nth(3).unwrap().ends_with(tail));
    assert!(output.lines().nth(3).unwrap().ends_with(tail), "{output}");
    assert!(
        output.contains(",\"ref 2024-06-01, order 1712345678901\"\n"),
        "{output}"
    );
}

#[test]
fn dev_test_gets_a_valid_card_pseudonym_with_its_bin_deterministically() {
    let dir = PolicyDir::new();
    let config = policy(&dir, "mask");
    let first = text(&mask(&config, "qa", "csv", CSV).stdout);
    let second = text(&mask(&config, "qa", "csv", CSV).stdout);
    assert_eq!(first, second);
    let memo = column(&first, "memo");
    let card = memo[0].strip_prefix("还款至卡号").expect("prefix kept");
    assert_eq!(card.len(), CARD.len());
    assert_ne!(card, CARD);
    assert!(
        card.starts_with("622202") && luhn_valid(card.as_bytes()),
        "{card}"
    );
    let mobile = memo[1]
        .strip_prefix("请回电")
        .and_then(|m| m.strip_suffix("确认"))
        .unwrap();
    assert!(mobile.starts_with("138") && mobile.len() == 11 && mobile != MOBILE);
}

#[test]
fn scan_hit_refuse_refuses_the_run_without_showing_the_value() {
    let dir = PolicyDir::new();
    let out = mask(&policy(&dir, "refuse"), "vendor", "csv", CSV);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("memo") && err.contains("card_number"), "{err}");
    assert!(err.contains("scan_hit"), "{err}");
    assert!(!err.contains(CARD), "{err}");
}

#[test]
fn scan_hit_refuse_lets_a_clean_file_through() {
    let dir = PolicyDir::new();
    let clean = "txn_id,amount,memo\n1,12.50,房租\n";
    let out = mask(&policy(&dir, "refuse"), "vendor", "csv", clean);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(column(&text(&out.stdout), "memo"), vec!["房租"]);
}

#[test]
fn track_data_in_a_memo_is_refused_even_when_hits_are_masked() {
    let dir = PolicyDir::new();
    let input = "txn_id,memo\n1,刷卡 ;6222020200112233446=28122011234567890?\n";
    let out = mask(&policy(&dir, "mask"), "qa", "csv", input);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("track_data") && err.contains("C3"), "{err}");
    assert!(!err.contains(CARD), "{err}");
}

#[test]
fn offshore_may_not_receive_a_detected_card_number_in_any_form() {
    let dir = PolicyDir::new();
    let input = "txn_id,memo\n1,还款至卡号6222020200112233446\n";
    let out = mask(&policy(&dir, "mask"), "hq", "csv", input);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("refused for this consumer"));
}

#[test]
fn jsonl_scans_nested_values_and_keeps_numbers_numbers() {
    let dir = PolicyDir::new();
    let input = concat!(
        r#"{"txn_id":1,"memo":"还款至卡号6222020200112233446","extra":{"tel":13812345678,"n":[42,"ok"]},"flag":true}"#,
        "\n",
        r#"{"txn_id":2,"memo":"房租","extra":{"tel":null,"n":[7,"fine"]},"flag":false}"#,
        "\n"
    );
    let out = mask(&policy(&dir, "mask"), "qa", "jsonl", input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    let lines: Vec<&str> = output.lines().collect();
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let tel = &first["extra"]["tel"];
    assert!(tel.is_number(), "{first}");
    assert_ne!(tel.to_string(), MOBILE);
    assert!(tel.to_string().starts_with("138"));
    assert_eq!(first["extra"]["n"], serde_json::json!([42, "ok"]));
    assert!(!lines[0].contains(CARD));
    assert_eq!(
        lines[1],
        input.lines().nth(1).unwrap(),
        "a clean record is unchanged"
    );
}

#[test]
fn the_audit_record_names_each_category_the_scan_found() {
    let dir = PolicyDir::new();
    let out = mask(&policy(&dir, "mask"), "vendor", "csv", CSV);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let trail = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(trail.lines().next().unwrap()).unwrap();
    let transforms: Vec<&str> = record["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["transform"].as_str().unwrap())
        .collect();
    assert!(transforms.contains(&"scan:card_number"), "{transforms:?}");
    assert!(transforms.contains(&"scan:mobile"), "{transforms:?}");
    assert!(transforms.contains(&"scan"), "{transforms:?}");
    assert_eq!(record["decision"], "masked");
    assert!(!trail.contains(CARD) && !trail.contains(MOBILE));
}

#[test]
fn decide_gives_gateways_the_scanner_as_a_transform_for_unclassified_fields() {
    let dir = PolicyDir::new();
    let policy = tuomin::config::load(&policy(&dir, "mask")).unwrap();
    let decision = policy.decide("vendor", "public.transactions", "memo");
    assert_eq!(decision.action_name(), "scan");
    let tuomin::policy::Decision::Transform { transform, .. } = decision else {
        panic!("expected the scanner");
    };
    let ctx = tuomin::transform::Context::default();
    let masked = transform
        .apply("还款至卡号6222020200112233446", &ctx)
        .unwrap();
    assert_eq!(masked.as_deref(), Some("还款至卡号622202*********3446"));
    assert_eq!(
        transform.apply("房租", &ctx).unwrap().as_deref(),
        Some("房租")
    );
    // A classified field keeps its own decision.
    assert_eq!(
        policy
            .decide("vendor", "public.transactions", "txn_id")
            .action_name(),
        "pass"
    );
    // The per-category decision a gateway can ask for directly.
    let scanner = policy.scanner("vendor").unwrap();
    let card = scanner.decision(tuomin::discovery::detectors::Detected::CardNumber);
    assert_eq!(card.action_name(), "mask");
}
