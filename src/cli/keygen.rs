//! `tuomin keygen`: write a new master key file (mode 0600, never overwriting).

use std::path::Path;

use anyhow::Result;

use crate::keys::{KeyId, MasterKey};

/// Writes a fresh master key to `out`; returns the line to tell the user.
pub fn run(out: &Path, key_id: u32) -> Result<String> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = MasterKey::generate(KeyId(key_id))?;
    key.write_new_file(out)?;
    Ok(format!(
        "wrote master key {} to {} (mode 0600); keep it out of version control and back it up: \
         without it, pseudonyms cannot be reversed",
        key.id(),
        out.display()
    ))
}
