//! Keys over time: a new master key version issues new pseudonyms while the previous
//! one still reverses the old ones (masked-value lookup keeps working); retiring a
//! version destroys it, after which its pseudonyms are irreversible — and the audit
//! trail sealed under each version verifies while the version is held.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tuomin::config::load;
use tuomin::keys::{KeyId, MasterKey};
use tuomin::policy::{Decision, LookupError, Policy};

const CARD: &str = "6222020200112233446";

const BODY: &str = r#"
[dictionary."public.cards"]
card_no = "card_number"
status = "status"

[consumers.qa]
scenario = "dev_test"
key_scope = "qa"

[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"
"#;

fn write_policy(dir: &Path, keys: &str) -> PathBuf {
    let path = dir.join("policy.toml");
    std::fs::write(&path, format!("version = 1\n{keys}\n{BODY}")).unwrap();
    path
}

const V1: &str = "[keys]\nmaster_key_file = \"k1.key\"\nmaster_key_env = \"TUOMIN_TEST_NEVER_SET\"\nkey_id = 1\n";
const V2: &str = "[keys]\nmaster_key_file = \"k2.key\"\nmaster_key_env = \"TUOMIN_TEST_NEVER_SET\"\nkey_id = 2\n\n[[keys.previous]]\nkey_id = 1\nmaster_key_file = \"k1.key\"\n";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    MasterKey::from_bytes(KeyId(1), [1; 32])
        .write_new_file(&dir.path().join("k1.key"))
        .unwrap();
    MasterKey::from_bytes(KeyId(2), [2; 32])
        .write_new_file(&dir.path().join("k2.key"))
        .unwrap();
    dir
}

fn pseudonym(policy: &Policy) -> String {
    match policy.decide("qa", "public.cards", "card_no") {
        Decision::Transform { transform, .. } => {
            transform.apply(CARD, &Default::default()).unwrap().unwrap()
        }
        other => panic!("{other:?}"),
    }
}

fn originals(policy: &Policy, pseudonym: &str) -> Vec<String> {
    policy
        .lookup("qa", "public.cards", "card_no", pseudonym)
        .unwrap()
        .into_iter()
        .map(|c| c.value)
        .collect()
}

#[test]
fn pseudonyms_issued_before_a_rotation_still_look_up() {
    let dir = setup();
    let old = pseudonym(&load(&write_policy(dir.path(), V1)).unwrap());
    let policy = load(&write_policy(dir.path(), V2)).unwrap();
    let new = pseudonym(&policy);
    assert_ne!(old, new, "the new version issues new pseudonyms");
    assert_eq!(
        originals(&policy, &new)[0],
        CARD,
        "current pseudonyms reverse first"
    );
    assert!(
        originals(&policy, &old).contains(&CARD.to_owned()),
        "old pseudonyms still reverse"
    );
}

#[test]
fn a_retired_version_makes_its_pseudonyms_irreversible() {
    let dir = setup();
    let old = pseudonym(&load(&write_policy(dir.path(), V1)).unwrap());
    let config = write_policy(dir.path(), V2);
    let out = Command::cargo_bin("tuomin")
        .unwrap()
        .timeout(std::time::Duration::from_secs(120))
        .args(["keys", "retire", "--yes", "--key-id", "1", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("destroyed"));
    let policy = load(&config).unwrap();
    assert!(
        !originals(&policy, &old).contains(&CARD.to_owned()),
        "old pseudonym no longer reverses"
    );
    assert_eq!(
        originals(&policy, &pseudonym(&policy))[0],
        CARD,
        "current ones still do"
    );
    let key_text = std::fs::read_to_string(dir.path().join("k1.key")).unwrap();
    assert!(
        key_text.starts_with("tuomin-retired-key-v1:k1"),
        "{key_text}"
    );
}

#[test]
fn retiring_needs_confirmation_and_never_touches_the_current_key() {
    let dir = setup();
    let config = write_policy(dir.path(), V2);
    let run = |args: &[&str]| {
        Command::cargo_bin("tuomin")
            .unwrap()
            .timeout(std::time::Duration::from_secs(120))
            .args(["keys", "retire", "--config"])
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let unconfirmed = run(&["--key-id", "1"]);
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));
    let current = run(&["--key-id", "2", "--yes"]);
    assert!(!current.status.success());
    assert!(String::from_utf8_lossy(&current.stderr).contains("current master key"));
    assert!(load(&config).is_ok(), "nothing was destroyed");
    let before = std::fs::read(dir.path().join("k1.key")).unwrap();
    assert!(String::from_utf8_lossy(&before).starts_with("tuomin-master-key-v1:"));
}

#[test]
fn lookup_refuses_what_is_not_a_reversible_pseudonym() {
    let dir = setup();
    let policy = load(&write_policy(dir.path(), V1)).unwrap();
    // The vendor gets a mask: not reversible.
    let err = policy
        .lookup("vendor", "public.cards", "card_no", "***************3446")
        .unwrap_err();
    assert!(matches!(err, LookupError::NotReversible { .. }), "{err}");
    // A value failing Luhn is no pseudonym of a card field.
    let err = policy
        .lookup("qa", "public.cards", "card_no", "6222020200112233445")
        .unwrap_err();
    assert!(matches!(err, LookupError::NotAPseudonym(_)), "{err}");
    assert!(
        !err.to_string().contains("6222"),
        "the value is never echoed"
    );
    let err = policy
        .lookup("qa", "public.cards", "status", "active")
        .unwrap_err();
    assert!(matches!(err, LookupError::Passed { .. }), "{err}");
    let err = policy
        .lookup("qa", "public.cards", "nope", "x")
        .unwrap_err();
    assert!(matches!(err, LookupError::Unclassified(_)), "{err}");
}

#[test]
fn the_audit_trail_verifies_across_a_rotation_and_flags_a_retired_seal() {
    let dir = setup();
    let audit = "\n[audit]\nfile = \"audit.jsonl\"\n";
    let mask = |keys: &str| {
        let config = dir.path().join("policy.toml");
        std::fs::write(&config, format!("version = 1\n{keys}{audit}\n{BODY}")).unwrap();
        let out = Command::cargo_bin("tuomin")
            .unwrap()
            .timeout(std::time::Duration::from_secs(120))
            .args(["mask", "--consumer", "qa", "--source", "cards", "--config"])
            .arg(&config)
            .write_stdin(format!("card_no,status\n{CARD},active\n"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        config
    };
    mask(V1);
    let config = mask(V2);
    let verify = || {
        Command::cargo_bin("tuomin")
            .unwrap()
            .timeout(std::time::Duration::from_secs(120))
            .args(["audit", "verify", "--config"])
            .arg(&config)
            .arg(dir.path().join("audit.jsonl"))
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let trail = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(trail.lines().next().unwrap().contains("\"key_id\":\"k1\""));
    assert!(trail.lines().nth(1).unwrap().contains("\"key_id\":\"k2\""));

    tuomin::keys::retire_key_file(&dir.path().join("k1.key"), KeyId(1)).unwrap();
    let after = verify();
    assert!(!after.status.success());
    assert!(String::from_utf8_lossy(&after.stderr).contains("sealed under master key k1"));
}
