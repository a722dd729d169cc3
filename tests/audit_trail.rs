//! The audit trail: records chained with HMAC across rotations and restarts; any
//! altered byte, missing, reordered or cut record is found and placed.

use std::path::{Path, PathBuf};

use tuomin::audit::{
    AuditConfig, AuditDecision, AuditEvent, AuditField, AuditLog, AuditMode, AuditSink, Channel,
    ProblemKind, audit_key, verify_files,
};
use tuomin::keys::{KeyId, MasterKey};

fn key() -> tuomin::keys::SubKey {
    audit_key(&MasterKey::from_bytes(KeyId(1), [9; 32]))
}

fn event(n: u64) -> AuditEvent {
    AuditEvent {
        time: AuditEvent::now(),
        consumer: "vendor_collections".into(),
        scenario: "outsourced".into(),
        channel: Channel::Postgres,
        client: Some("127.0.0.1:50000".into()),
        source: vec!["public.cards".into()],
        fields: vec![std::sync::Arc::new(AuditField::new(
            "public.cards.card_no",
            "C2",
            Some("card_number".into()),
            "mask",
        ))],
        rows: n,
        decision: AuditDecision::Masked,
        reason: None,
        fingerprint: Some("select card_no from cards where card_id = ?".into()),
        key_id: "k1".into(),
    }
}

fn write(path: &Path, rotate_bytes: u64, count: u64) {
    let log = AuditLog::start(
        AuditConfig {
            sinks: vec![AuditSink::File {
                path: path.to_owned(),
                rotate_bytes,
            }],
            mode: AuditMode::Required,
            queue: 1024,
        },
        &key(),
    )
    .unwrap();
    for n in 0..count {
        log.record(event(n)).unwrap();
    }
    log.shutdown();
}

/// The trail's files, oldest first: rotations `.1`, `.2`, …, then the live file.
fn files(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for n in 1.. {
        let rotated = PathBuf::from(format!("{}.{n}", path.display()));
        if !rotated.exists() {
            break;
        }
        out.push(rotated);
    }
    out.push(path.to_owned());
    out
}

fn problem(path: &Path) -> Option<(PathBuf, usize, ProblemKind)> {
    verify_files(&files(path), &|_| Some(key().hmac_key()))
        .problem
        .map(|p| (p.file, p.line, p.kind))
}

fn edit_lines(path: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    f(&mut lines);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn an_untouched_trail_verifies_across_rotations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 4096, 40);
    assert!(files(&path).len() > 2, "rotation happened");
    let report = verify_files(&files(&path), &|_| Some(key().hmac_key()));
    assert_eq!(report.problem, None);
    assert_eq!(report.records, 40);
    assert_eq!((report.first_seq, report.last_seq), (Some(1), Some(40)));
}

#[test]
fn a_restart_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 5);
    write(&path, 1 << 20, 5);
    let report = verify_files(&files(&path), &|_| Some(key().hmac_key()));
    assert_eq!(report.problem, None);
    assert_eq!(report.last_seq, Some(10));
}

#[test]
fn one_altered_byte_is_found_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 10);
    let mut bytes = std::fs::read(&path).unwrap();
    let lines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let at = lines[5] + 20; // a byte inside line 7
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    std::fs::write(&path, bytes).unwrap();
    let (file, line, kind) = problem(&path).unwrap();
    assert_eq!((file, line), (path.clone(), 7));
    assert!(
        matches!(kind, ProblemKind::Tampered | ProblemKind::Malformed),
        "{kind:?}"
    );
}

#[test]
fn a_changed_row_count_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 3);
    edit_lines(&path, |l| l[1] = l[1].replace("\"rows\":1", "\"rows\":9"));
    assert_eq!(problem(&path).unwrap().2, ProblemKind::Tampered);
}

#[test]
fn a_removed_record_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 6);
    edit_lines(&path, |l| {
        l.remove(2);
    });
    let (_, line, kind) = problem(&path).unwrap();
    assert_eq!(line, 3);
    assert_eq!(
        kind,
        ProblemKind::Missing {
            expected: 3,
            found: 4
        }
    );
}

#[test]
fn swapped_records_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 6);
    edit_lines(&path, |l| l.swap(2, 3));
    let (_, line, kind) = problem(&path).unwrap();
    assert_eq!(line, 3);
    assert!(matches!(kind, ProblemKind::Missing { .. }), "{kind:?}");
}

#[test]
fn a_removed_last_record_of_a_rotated_file_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 2048, 30);
    let first = files(&path)[0].clone();
    edit_lines(&first, |l| {
        l.pop();
    });
    let (file, line, kind) = problem(&path).unwrap();
    assert_eq!(file, files(&path)[1]);
    assert_eq!(line, 1);
    assert!(matches!(kind, ProblemKind::Missing { .. }), "{kind:?}");
}

#[test]
fn a_missing_first_file_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 2048, 30);
    let all = files(&path);
    let report = verify_files(&all[1..], &|_| Some(key().hmac_key()));
    // A trail that does not start at record 1 verifies from where it starts, and says so.
    assert!(report.first_seq.unwrap() > 1);
    assert_eq!(report.problem, None);
}

#[test]
fn a_truncated_file_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 4);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
    let (_, line, kind) = problem(&path).unwrap();
    assert_eq!((line, kind), (4, ProblemKind::Truncated));
}

#[test]
fn a_restart_after_a_cut_write_sets_the_cut_file_aside_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 4);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
    write(&path, 1 << 20, 2);
    // The cut file is kept (renamed), and verification still reports it.
    let (file, _, kind) = problem(&path).unwrap();
    assert_eq!(kind, ProblemKind::Truncated);
    assert_ne!(file, path);
    // The new file continues the chain from the last complete record (3), so it
    // verifies on its own from record 4.
    let report = verify_files(std::slice::from_ref(&path), &|_| Some(key().hmac_key()));
    assert_eq!(report.problem, None);
    assert_eq!((report.first_seq, report.last_seq), (Some(4), Some(5)));
}

#[test]
fn the_wrong_key_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 2);
    let other = audit_key(&MasterKey::from_bytes(KeyId(1), [8; 32])).hmac_key();
    let unknown = verify_files(&files(&path), &|_| None);
    assert_eq!(
        unknown.problem.unwrap().kind,
        ProblemKind::KeyUnavailable("k1".into())
    );
    let report = verify_files(&files(&path), &|_| Some(other.clone()));
    assert_eq!(report.problem.unwrap().kind, ProblemKind::Tampered);
}

#[test]
fn records_never_hold_values_only_fields_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write(&path, 1 << 20, 1);
    let line = std::fs::read_to_string(&path).unwrap();
    let record: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    for key in [
        "seq",
        "time",
        "consumer",
        "scenario",
        "channel",
        "client",
        "source",
        "fields",
        "rows",
        "decision",
        "fingerprint",
        "key_id",
        "prev",
        "mac",
    ] {
        assert!(record.get(key).is_some(), "{key} missing in {line}");
    }
}

#[test]
fn a_failing_trail_in_required_mode_refuses_further_records() {
    let log = AuditLog::start(
        AuditConfig {
            sinks: vec![AuditSink::File {
                path: PathBuf::from("/dev/full"),
                rotate_bytes: u64::MAX,
            }],
            mode: AuditMode::Required,
            queue: 16,
        },
        &key(),
    )
    .unwrap();
    log.record(event(1)).unwrap();
    log.flush();
    assert!(!log.healthy());
    let err = log.record(event(2)).unwrap_err();
    assert!(err.to_string().contains("serving stops"), "{err}");
}

#[test]
fn a_failing_trail_in_best_effort_mode_goes_on_loudly() {
    let log = AuditLog::start(
        AuditConfig {
            sinks: vec![AuditSink::File {
                path: PathBuf::from("/dev/full"),
                rotate_bytes: u64::MAX,
            }],
            mode: AuditMode::BestEffort,
            queue: 16,
        },
        &key(),
    )
    .unwrap();
    log.record(event(1)).unwrap();
    log.flush();
    assert!(!log.healthy());
    assert!(log.record(event(2)).is_ok());
}

#[test]
fn after_a_key_rotation_each_record_is_sealed_under_the_version_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let k1 = MasterKey::from_bytes(KeyId(1), [9; 32]);
    let k2 = MasterKey::from_bytes(KeyId(2), [8; 32]);
    let config = AuditConfig {
        sinks: vec![AuditSink::File {
            path: path.clone(),
            rotate_bytes: 1 << 20,
        }],
        mode: AuditMode::Required,
        queue: 16,
    };
    let log = AuditLog::start(config, &audit_key(&k1)).unwrap();
    let naming = |id: &str| AuditEvent {
        key_id: id.into(),
        ..event(1)
    };
    log.record(naming("k1")).unwrap();
    // A reload that rotates the master key hands the new version over first.
    log.use_key(&audit_key(&k2));
    log.record(naming("k2")).unwrap();
    // Served under the previous policy, recorded after the hand-over.
    log.record(naming("k1")).unwrap();
    // Names no version the writer holds: the newest.
    log.record(naming("k9")).unwrap();
    log.shutdown();
    let text = std::fs::read_to_string(&path).unwrap();
    let named: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["key_id"].to_string())
        .collect();
    assert_eq!(named, [r#""k1""#, r#""k2""#, r#""k1""#, r#""k2""#]);
    let by_version = |id: &str| match id {
        "k1" => Some(audit_key(&k1).hmac_key()),
        "k2" => Some(audit_key(&k2).hmac_key()),
        _ => None,
    };
    let report = verify_files(std::slice::from_ref(&path), &by_version);
    assert_eq!(report.problem, None);
    assert_eq!(report.records, 4);
    let one_key = verify_files(std::slice::from_ref(&path), &|_| {
        Some(audit_key(&k1).hmac_key())
    });
    assert!(
        one_key.problem.is_some(),
        "the k2 records are not sealed under k1"
    );
}
