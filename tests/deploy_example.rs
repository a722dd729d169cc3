//! The Kubernetes example (`deploy/kubernetes/tuomin.yaml`) ships a policy in its
//! ConfigMap: it must load as written (only the key file's place changes), with the
//! admin listener on the pod IP allowed explicitly and both gateways configured.

mod common;

use common::{PolicyDir, repo_root};

/// The `policy.toml: |` block of the manifest, unindented.
fn policy_in_manifest() -> String {
    let manifest = std::fs::read_to_string(repo_root().join("deploy/kubernetes/tuomin.yaml"))
        .expect("the manifest");
    let mut lines = manifest
        .lines()
        .skip_while(|l| l.trim() != "policy.toml: |");
    assert!(lines.next().is_some(), "no policy.toml in the ConfigMap");
    lines
        .take_while(|l| l.is_empty() || l.starts_with("    "))
        .map(|l| l.get(4..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_kubernetes_example_policy_loads_with_a_remote_admin_listener() {
    let dir = PolicyDir::new();
    let key = dir.path().join("test.key");
    let text =
        policy_in_manifest().replace("/var/run/secrets/tuomin/master.key", &key.to_string_lossy());
    assert!(
        text.contains(&*key.to_string_lossy()),
        "the key path was replaced"
    );
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, text).unwrap();
    let policy = tuomin::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let admin = policy.admin.expect("[admin]");
    assert!(admin.allow_remote && !admin.listen.ip().is_loopback());
    assert!(policy.postgres.is_some() && policy.http.is_some());
    assert!(policy.audit.is_some(), "audit is required in production");
}
