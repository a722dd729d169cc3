//! Loading the keyring named by `[keys]`: the current master key (environment variable
//! first, then file) and the previous versions (`[[keys.previous]]`), each held or
//! known to be retired. A key that is missing is a problem; a retired one is not.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::load::Problems;
use super::schema::{KeysSection, PreviousKeyDef};
use crate::keys::{KeyError, KeyId, Keyring, MasterKey, PreviousKey};

pub(super) fn load_keyring(keys: &KeysSection, p: &mut Problems) -> Option<Keyring> {
    let current = load_current(keys, p);
    let mut seen = BTreeSet::from([keys.key_id]);
    let mut previous = Vec::new();
    for def in &keys.previous {
        if !seen.insert(def.key_id) {
            p.push(
                None,
                format!("[keys]: key version {} is named twice", def.key_id),
            );
            continue;
        }
        if let Some(key) = load_previous(def, p) {
            previous.push(key);
        }
    }
    previous.sort_by_key(|k| std::cmp::Reverse(k.id()));
    Some(Keyring {
        current: Arc::new(current?),
        previous,
    })
}

fn load_current(keys: &KeysSection, p: &mut Problems) -> Option<MasterKey> {
    let id = KeyId(keys.key_id);
    let from_env = std::env::var_os(&keys.master_key_env).is_some();
    let result = match (&keys.master_key_file, from_env) {
        (_, true) => MasterKey::from_env(id, &keys.master_key_env),
        (Some(file), false) => MasterKey::from_file(id, &p.policy_dir().join(file)),
        (None, false) => MasterKey::from_env(id, &keys.master_key_env),
    };
    match result {
        Ok(key) => Some(key),
        Err(KeyError::Retired { .. }) => {
            p.push(
                None,
                format!(
                    "the current master key {id} was retired; make a new one with \
                     `tuomin keygen --key-id N` and name it in [keys]"
                ),
            );
            None
        }
        Err(e) => {
            p.push(None, format!("missing master key: {e}"));
            None
        }
    }
}

fn load_previous(def: &PreviousKeyDef, p: &mut Problems) -> Option<PreviousKey> {
    let id = KeyId(def.key_id);
    let result = match (&def.master_key_env, &def.master_key_file) {
        (Some(var), _) if std::env::var_os(var).is_some() => MasterKey::from_env(id, var),
        (_, Some(file)) => MasterKey::from_file(id, &p.policy_dir().join(file)),
        (Some(var), None) => MasterKey::from_env(id, var),
        (None, None) => {
            p.push(
                None,
                format!("[[keys.previous]] {id}: name master_key_file or master_key_env"),
            );
            return None;
        }
    };
    match result {
        Ok(key) => Some(PreviousKey::Active(Arc::new(key))),
        Err(KeyError::Retired { .. }) => Some(PreviousKey::Retired(id)),
        Err(e) => {
            p.push(None, format!("missing previous master key {id}: {e}"));
            None
        }
    }
}
