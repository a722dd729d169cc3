//! `tuomin passwd --api-key`: a new random API key, and the hash line the policy holds.

use crate::config::http::{hash_api_key, new_api_key};

/// A new key (32 random bytes, hex, prefixed `tmk_`) and its policy line.
pub fn api_key() -> String {
    let key = new_api_key();
    let hash = hash_api_key(&key);
    format!(
        "key: {key}\n\
         # Give the key to the consumer once; keep only the hash in the policy:\n\
         api_keys = [\"{hash}\"]\n"
    )
}
