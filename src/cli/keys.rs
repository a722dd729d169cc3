//! `tuomin keys retire`: destroy a previous master key version (crypto-shredding).
//! Pseudonyms issued under it can never be reversed again, and audit records sealed
//! with it can no longer be verified — destruction, not only deletion.

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::keys::{KeyId, retire_key_file};

/// Retires version `key_id` of the policy at `config`. `confirmed` must be true: the
/// operation cannot be undone.
pub fn retire(config: &Path, key_id: u32, confirmed: bool) -> Result<String> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    let table: toml::Table = text.parse().context("the policy is not valid TOML")?;
    let keys = table
        .get("keys")
        .and_then(|k| k.as_table())
        .context("the policy has no [keys] section")?;
    let current = keys.get("key_id").and_then(|v| v.as_integer()).unwrap_or(1);
    if current == i64::from(key_id) {
        bail!(
            "k{key_id} is the current master key; rotate first (tuomin keygen --key-id N, \
             name it in [keys], move k{key_id} to [[keys.previous]]), then retire it"
        );
    }
    let entry = keys
        .get("previous")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_table())
        .find(|e| e.get("key_id").and_then(|v| v.as_integer()) == Some(i64::from(key_id)))
        .with_context(|| format!("no [[keys.previous]] entry with key_id = {key_id}"))?;
    let Some(file) = entry.get("master_key_file").and_then(|v| v.as_str()) else {
        bail!(
            "k{key_id} comes from an environment variable; remove it from your secret store \
             (tuomin cannot destroy it there) and keep the [[keys.previous]] entry pointing \
             at a tombstone file, or remove the entry"
        );
    };
    if !confirmed {
        bail!(
            "retiring k{key_id} destroys it for good: its pseudonyms become irreversible and \
             audit records sealed with it unverifiable; run again with --yes to proceed"
        );
    }
    let dir = config
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = dir.join(file);
    retire_key_file(&path, KeyId(key_id))?;
    crate::config::load(config).context("the policy no longer loads after retiring")?;
    Ok(format!(
        "master key k{key_id} destroyed ({} now holds only its tombstone); pseudonyms \
         issued under it can no longer be reversed\n",
        path.display()
    ))
}
