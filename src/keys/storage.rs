//! Where master keys live: key files (one line, mode 0600, never overwritten) and
//! environment variables; and their destruction (`tuomin keys retire`): a retired key
//! file is overwritten and replaced by a tombstone naming the retired version, so the
//! policy still loads and says the version is gone, and pseudonyms issued under it can
//! never be reversed again (crypto-shredding).

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::{KEY_FILE_PREFIX, KEY_LEN, KeyId, MasterKey};

/// First line of a retired key file.
const TOMBSTONE_PREFIX: &str = "tuomin-retired-key-v1:";

/// Errors of loading or creating keys. They name files and variables, never key bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "master key file {path} cannot be read ({source}); create one with `tuomin keygen --out {path}`"
    )]
    FileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "master key file {path} is not a tuomin key (expected one line `{KEY_FILE_PREFIX}<64 hex digits>`); create one with `tuomin keygen`"
    )]
    FileMalformed { path: PathBuf },
    #[error(
        "environment variable {var} is set but is not a tuomin key (expected `{KEY_FILE_PREFIX}<64 hex digits>` or 64 hex digits)"
    )]
    EnvMalformed { var: String },
    #[error("no master key: environment variable {var} is not set and no key file is configured")]
    EnvMissing { var: String },
    #[error("key file {path} cannot be written ({source})")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} already exists; refusing to overwrite a key (pseudonyms made with it would become irreversible)"
    )]
    Exists { path: PathBuf },
    #[error("the system random generator failed")]
    Random,
    #[error("{path} holds only the tombstone of retired master key {id}: it was destroyed")]
    Retired { path: PathBuf, id: KeyId },
}

impl MasterKey {
    /// Reads a key file written by [`MasterKey::write_new_file`].
    pub fn from_file(id: KeyId, path: &Path) -> Result<Self, KeyError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            KeyError::FileUnreadable {
                path: path.to_owned(),
                source,
            }
        })?);
        if let Some(retired) = tombstone_id(text.trim()) {
            return Err(KeyError::Retired {
                path: path.to_owned(),
                id: retired,
            });
        }
        parse_key_text(text.trim())
            .map(|bytes| Self::from_bytes(id, bytes))
            .ok_or_else(|| KeyError::FileMalformed {
                path: path.to_owned(),
            })
    }

    /// Reads a key from an environment variable (same text as a key file, or bare hex).
    pub fn from_env(id: KeyId, var: &str) -> Result<Self, KeyError> {
        let text = Zeroizing::new(std::env::var(var).map_err(|_| KeyError::EnvMissing {
            var: var.to_owned(),
        })?);
        parse_key_text(text.trim())
            .map(|bytes| Self::from_bytes(id, bytes))
            .ok_or_else(|| KeyError::EnvMalformed {
                var: var.to_owned(),
            })
    }

    /// Writes this key to a new file, readable by its owner only (mode 0600).
    /// An existing file is never overwritten.
    pub fn write_new_file(&self, path: &Path) -> Result<(), KeyError> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                KeyError::Exists {
                    path: path.to_owned(),
                }
            } else {
                KeyError::Write {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        let line = Zeroizing::new(format!(
            "{KEY_FILE_PREFIX}{}\n",
            hex::encode(self.bytes.as_ref())
        ));
        file.write_all(line.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|source| KeyError::Write {
                path: path.to_owned(),
                source,
            })
    }
}

fn parse_key_text(text: &str) -> Option<[u8; KEY_LEN]> {
    let hex_part = text.strip_prefix(KEY_FILE_PREFIX).unwrap_or(text);
    let mut out = [0u8; KEY_LEN];
    hex::decode_to_slice(hex_part, &mut out).ok()?;
    Some(out)
}

/// The key version a tombstone names, if `text` is one.
fn tombstone_id(text: &str) -> Option<KeyId> {
    let rest = text.strip_prefix(TOMBSTONE_PREFIX)?;
    let id = rest
        .split(':')
        .next()?
        .trim_start_matches('k')
        .parse()
        .ok()?;
    Some(KeyId(id))
}

/// Destroys the key in `path` (version `id`): overwrites its bytes with random data,
/// syncs, then replaces the content with a tombstone and syncs again. Refuses a file
/// that does not hold a key, or holds another version's tombstone.
pub fn retire_key_file(path: &Path, id: KeyId) -> Result<(), KeyError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
        KeyError::FileUnreadable {
            path: path.to_owned(),
            source,
        }
    })?);
    if let Some(retired) = tombstone_id(text.trim()) {
        return Err(KeyError::Retired {
            path: path.to_owned(),
            id: retired,
        });
    }
    if parse_key_text(text.trim()).is_none() {
        return Err(KeyError::FileMalformed {
            path: path.to_owned(),
        });
    }
    let write = |bytes: &[u8]| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(false)
            .open(path)?;
        file.write_all(bytes)?;
        file.set_len(bytes.len() as u64)?;
        file.sync_all()
    };
    let mut noise = vec![0u8; text.len()];
    SystemRandom::new()
        .fill(&mut noise)
        .map_err(|_| KeyError::Random)?;
    let fail = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    write(&noise).map_err(fail)?;
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    write(format!("{TOMBSTONE_PREFIX}{id}:{stamp}\n").as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Purpose;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes(KeyId(1), [byte; KEY_LEN])
    }

    #[test]
    fn key_file_round_trip_and_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let m = MasterKey::generate(KeyId(1)).unwrap();
        m.write_new_file(&path).unwrap();
        let back = MasterKey::from_file(KeyId(1), &path).unwrap();
        assert_eq!(
            m.derive(Purpose::Ff1, "s", "d").expose(),
            back.derive(Purpose::Ff1, "s", "d").expose()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn existing_key_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        key(1).write_new_file(&path).unwrap();
        let err = key(2).write_new_file(&path).unwrap_err();
        assert!(matches!(err, KeyError::Exists { .. }));
        let back = MasterKey::from_file(KeyId(1), &path).unwrap();
        assert_eq!(
            back.derive(Purpose::Ff1, "s", "d").expose(),
            key(1).derive(Purpose::Ff1, "s", "d").expose()
        );
    }

    #[test]
    fn malformed_key_file_is_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "secret-looking-garbage").unwrap();
        let err = MasterKey::from_file(KeyId(1), &path).unwrap_err();
        assert!(matches!(err, KeyError::FileMalformed { .. }));
        assert!(!err.to_string().contains("secret-looking-garbage"));
    }

    #[test]
    fn a_retired_key_file_holds_only_a_tombstone_and_loads_as_retired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.key");
        key(5).write_new_file(&path).unwrap();
        let before = std::fs::read_to_string(&path).unwrap();
        retire_key_file(&path, KeyId(1)).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(TOMBSTONE_PREFIX), "{after}");
        assert!(!after.contains(&before[KEY_FILE_PREFIX.len()..before.len() - 1]));
        let err = MasterKey::from_file(KeyId(1), &path).unwrap_err();
        assert!(
            matches!(err, KeyError::Retired { id: KeyId(1), .. }),
            "{err}"
        );
        assert!(
            retire_key_file(&path, KeyId(1)).is_err(),
            "retiring twice is refused"
        );
    }
}
