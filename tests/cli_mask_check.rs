//! The `tuomin mask` and `tuomin check` commands, run as a user runs them, on the demo
//! policy with a throwaway key.

mod common;

use assert_cmd::Command;
use common::PolicyDir;

const CUSTOMERS_CSV: &str = "\
customer_id,name,id_number,mobile,email,address,birth_date,password_hash,created_at,branch_code
1,张伟,11010519491231002X,13812345678,zhang.wei@example.cn,北京市朝阳区建国路88号,1949-12-31,$argon2id$v=19$m=65536$SECRETHASH1,2024-03-05 14:07:09+08,BJ001
2,欧阳娜娜,110101199003074477,15987654321,nana.oy@mail.cn,上海市浦东新区世纪大道100号,1990-03-07,$argon2id$v=19$m=65536$SECRETHASH2,2024-03-06 09:00:00+08,SH002
";

/// The binary, with a deadline after which it is killed (these commands take well
/// under a second).
fn tuomin() -> Command {
    let mut cmd = Command::cargo_bin("tuomin").expect("binary");
    cmd.env_remove("TUOMIN_MASTER_KEY")
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

fn mask(dir: &PolicyDir, consumer: &str, extra: &[&str], input: &str) -> std::process::Output {
    let config = dir.demo();
    tuomin()
        .args(["mask", "--config"])
        .arg(&config)
        .args(["--consumer", consumer, "--source", "customers"])
        .args(extra)
        .write_stdin(input)
        .output()
        .expect("run tuomin mask")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8")
}

#[test]
fn a_c3_column_stops_the_run_before_any_output() {
    let dir = PolicyDir::new();
    let out = mask(&dir, "qa", &[], CUSTOMERS_CSV);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing may be written");
    let err = stderr(&out);
    assert!(err.contains("public.customers.password_hash"), "{err}");
    assert!(err.contains("C3"), "{err}");
    assert!(err.contains("--drop-refused"), "{err}");
    assert!(!err.contains("SECRETHASH"), "{err}");
}

#[test]
fn drop_refused_removes_the_c3_column_and_says_so() {
    let dir = PolicyDir::new();
    let out = mask(&dir, "qa", &["--drop-refused"], CUSTOMERS_CSV);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("password_hash"), "{text}");
    assert!(!text.contains("SECRETHASH"), "{text}");
    assert!(
        stderr(&out).contains("removed: password_hash"),
        "{}",
        stderr(&out)
    );
    assert_eq!(text.lines().count(), 3);
}

#[test]
fn dev_test_output_keeps_formats_and_hides_values() {
    let dir = PolicyDir::new();
    let out = mask(&dir, "qa", &["--drop-refused"], CUSTOMERS_CSV);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 3, "{text}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, original) in reader.records().zip(CUSTOMERS_CSV.lines().skip(1)) {
        let row = row.unwrap();
        let original: Vec<&str> = original.split(',').collect();
        assert_eq!(&row[col("customer_id")], original[0], "C1 passes");
        assert_ne!(&row[col("id_number")], original[2]);
        assert_eq!(row[col("id_number")].len(), 18);
        assert_ne!(&row[col("mobile")], original[3]);
        assert_eq!(
            &row[col("mobile")][..3],
            &original[3][..3],
            "carrier prefix kept"
        );
        assert_ne!(&row[col("name")], original[1]);
        assert!(!text.contains("建国路"), "street never leaves: {text}");
    }
}

#[test]
fn masking_is_deterministic_and_differs_between_consumers() {
    let dir = PolicyDir::new();
    let qa1 = stdout(&mask(&dir, "qa", &["--drop-refused"], CUSTOMERS_CSV));
    let qa2 = stdout(&mask(&dir, "qa", &["--drop-refused"], CUSTOMERS_CSV));
    let vendor = stdout(&mask(
        &dir,
        "vendor_collections",
        &["--drop-refused"],
        CUSTOMERS_CSV,
    ));
    assert_eq!(qa1, qa2);
    assert_ne!(qa1, vendor);
    assert!(vendor.contains("138****5678"), "{vendor}");
    assert!(vendor.contains("张*"), "{vendor}");
}

#[test]
fn offshore_gets_only_c1_columns_with_drop_refused() {
    let dir = PolicyDir::new();
    let out = mask(&dir, "offshore_hq", &["--drop-refused"], CUSTOMERS_CSV);
    assert!(out.status.success(), "{}", stderr(&out));
    let header = stdout(&out).lines().next().unwrap().to_owned();
    assert_eq!(header, "customer_id,created_at,branch_code");
}

#[test]
fn an_unclassified_column_is_refused_by_default() {
    let dir = PolicyDir::new();
    let input = "customer_id,new_column\n1,x\n";
    let out = mask(&dir, "qa", &[], input);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not classified"), "{}", stderr(&out));
}

#[test]
fn a_malformed_row_is_reported_with_its_line() {
    let dir = PolicyDir::new();
    let input = "customer_id,branch_code\n1,BJ001\n2\n";
    let out = mask(&dir, "qa", &[], input);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("expected 2 fields"), "{err}");
}

#[test]
fn a_value_of_the_wrong_shape_stops_the_run_with_line_and_column() {
    let dir = PolicyDir::new();
    let input = "customer_id,mobile\n1,13812345678\n2,not-a-phone\n";
    let out = mask(&dir, "qa", &[], input);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 3, column mobile"), "{err}");
    assert!(
        !err.contains("not-a-phone"),
        "the value is never echoed: {err}"
    );
}

#[test]
fn output_file_is_not_created_when_the_run_is_refused() {
    let dir = PolicyDir::new();
    let target = dir.path().join("out.csv");
    let out = mask(
        &dir,
        "qa",
        &["--output", target.to_str().unwrap()],
        CUSTOMERS_CSV,
    );
    assert!(!out.status.success());
    assert!(!target.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn output_file_and_input_file_work() {
    let dir = PolicyDir::new();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, CUSTOMERS_CSV).unwrap();
    let target = dir.path().join("out.csv");
    let out = mask(
        &dir,
        "vendor_collections",
        &[
            "--drop-refused",
            "--input",
            input.to_str().unwrap(),
            "--output",
            target.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written.lines().count(), 3);
    assert!(
        stderr(&out).contains("masked 2 record(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn jsonl_keeps_key_order_nulls_and_number_digits() {
    let dir = PolicyDir::new();
    let input = concat!(
        r#"{"customer_id":12345678901234567890,"mobile":"13812345678","email":null,"branch_code":"BJ001"}"#,
        "\n",
        r#"{"customer_id":2,"mobile":"15987654321","email":"a.b@example.cn","branch_code":"SH002"}"#,
        "\n"
    );
    let out = mask(&dir, "qa", &["--format", "jsonl"], input);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"customer_id":12345678901234567890,"mobile":"138"#),
        "{first}"
    );
    assert!(first.contains(r#""email":null"#), "{first}");
    assert!(first.ends_with(r#""branch_code":"BJ001"}"#), "{first}");
    assert!(!text.contains("13812345678"));
}

#[test]
fn jsonl_refuses_a_c3_key_and_malformed_lines() {
    let dir = PolicyDir::new();
    let input = "{\"customer_id\":1,\"password_hash\":\"SECRETHASH\"}\n";
    let out = mask(&dir, "qa", &["--format", "jsonl"], input);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("password_hash"));
    assert!(!stderr(&out).contains("SECRETHASH"));

    let out = mask(
        &dir,
        "qa",
        &["--format", "jsonl"],
        "{\"customer_id\":1}\n[1,2]\n",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
}

#[test]
fn check_prints_every_field_for_every_consumer() {
    let dir = PolicyDir::new();
    let config = dir.demo();
    let out = tuomin()
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "qa (dev_test)",
        "vendor_collections (outsourced)",
        "analyst (analytics)",
        "offshore_hq (offshore)",
        "public.cards.cvv",
        "public.sms_codes.code",
        "fpe_card(",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    let cvv = text
        .lines()
        .find(|l| l.starts_with("public.cards.cvv"))
        .unwrap();
    assert_eq!(cvv.matches("REFUSE").count(), 4, "{cvv}");
    let sms = text
        .lines()
        .find(|l| l.starts_with("public.sms_codes.code"))
        .unwrap();
    assert_eq!(sms.matches("REFUSE").count(), 4, "{sms}");
}

#[test]
fn check_json_is_machine_readable() {
    let dir = PolicyDir::new();
    let config = dir.demo();
    let out = tuomin()
        .args(["check", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fields = doc["fields"].as_array().unwrap();
    let cvv = fields
        .iter()
        .find(|f| f["field"] == "public.cards.cvv")
        .unwrap();
    assert_eq!(cvv["grade"], "C3");
    assert_eq!(cvv["consumers"]["qa"]["action"], "refuse");
}

#[test]
fn check_refuses_a_dangerous_policy_with_file_and_line() {
    let dir = PolicyDir::new();
    let path = dir.write(
        "[dictionary.\"public.t\"]\ncvv = \"cvv\"\n[consumers.qa]\nscenario = \"dev_test\"\nkey_scope = \"qa\"\n[[rules]]\nscenario = \"dev_test\"\ncategory = \"cvv\"\ntransform = \"pass\"\n",
    );
    let out = tuomin()
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("policy.toml:"), "{err}");
    assert!(err.contains("never shared"), "{err}");
}

#[test]
fn keygen_writes_a_key_once_and_refuses_to_overwrite() {
    let dir = PolicyDir::new();
    let path = dir.path().join("new.key");
    let ok = tuomin()
        .args(["keygen", "--out"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(ok.status.success());
    let first = std::fs::read(&path).unwrap();
    let again = tuomin()
        .args(["keygen", "--out"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert_eq!(std::fs::read(&path).unwrap(), first);
    assert!(!String::from_utf8_lossy(&ok.stdout).contains(&String::from_utf8_lossy(&first)[21..]));
}

#[test]
fn every_mask_run_is_audited_and_the_trail_verifies_until_tampered() {
    let dir = PolicyDir::new();
    let ok = mask(
        &dir,
        "vendor_collections",
        &["--drop-refused"],
        CUSTOMERS_CSV,
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let refused = mask(&dir, "qa", &[], CUSTOMERS_CSV);
    assert!(!refused.status.success());
    let trail = dir.path().join("audit.jsonl");
    let text = std::fs::read_to_string(&trail).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["decision"], "masked");
    assert_eq!(records[0]["rows"], 2);
    assert_eq!(records[1]["decision"], "refused");
    assert!(
        !text.contains("SECRETHASH") && !text.contains("13812345678"),
        "{text}"
    );

    let verify = |expect_ok: bool| {
        let out = tuomin()
            .args(["audit", "verify", "--config"])
            .arg(dir.path().join("demo.toml"))
            .arg(&trail)
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            expect_ok,
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        format!("{}{}", stdout(&out), stderr(&out))
    };
    assert!(verify(true).contains("intact: 2 record(s)"));
    std::fs::write(&trail, text.replacen("\"rows\":2", "\"rows\":0", 1)).unwrap();
    assert!(verify(false).contains("audit.jsonl:1: record was altered"));
}
