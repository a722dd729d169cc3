//! The live demo's credentials: a PostgreSQL password and an HTTP API key for every
//! consumer of the demo policy, generated on the first run and kept in
//! `.tuomin/demo-credentials` (mode 0600) so later runs reuse them. The file is a
//! shell fragment — `. .tuomin/demo-credentials` defines `QA_PASSWORD`, `QA_API_KEY`,
//! … — so the commands the demo prints hold variable names, never a secret. Only
//! SCRAM verifiers and API-key hashes reach the derived policy.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use rand::RngCore;

/// A consumer's demo secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Secrets {
    pub password: String,
    pub api_key: String,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets(…)")
    }
}

/// Every consumer's demo secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub consumers: BTreeMap<String, Secrets>,
}

/// A new random password (16 random bytes, hex).
pub fn new_password() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The shell variable holding `consumer`'s password (`vendor_collections` →
/// `VENDOR_COLLECTIONS_PASSWORD`).
pub fn password_var(consumer: &str) -> String {
    format!("{}_PASSWORD", var_stem(consumer))
}

/// The shell variable holding `consumer`'s API key.
pub fn api_key_var(consumer: &str) -> String {
    format!("{}_API_KEY", var_stem(consumer))
}

fn var_stem(consumer: &str) -> String {
    consumer
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

impl Credentials {
    /// Reads `path` when it exists and holds secrets for every one of `consumers`
    /// (secrets of other consumers are dropped); else makes new ones. Returns whether
    /// the file has to be (re)written.
    pub fn load_or_create(
        path: &Path,
        consumers: &[String],
    ) -> Result<(Credentials, bool), String> {
        let known = match std::fs::read_to_string(path) {
            Ok(text) => parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut fresh = false;
        let mut out = Credentials::default();
        for consumer in consumers {
            let password = known.get(&password_var(consumer)).cloned();
            let api_key = known.get(&api_key_var(consumer)).cloned();
            let secrets = match (password, api_key) {
                (Some(password), Some(api_key)) => Secrets { password, api_key },
                _ => {
                    fresh = true;
                    Secrets {
                        password: new_password(),
                        api_key: crate::config::http::new_api_key(),
                    }
                }
            };
            out.consumers.insert(consumer.clone(), secrets);
        }
        let stale = known.len() != 2 * consumers.len();
        Ok((out, fresh || stale))
    }

    /// The file's text: a shell fragment defining one variable per secret.
    pub fn to_shell(&self) -> String {
        let mut text = String::from(
            "# tuomin demo: generated credentials of the demo policy's consumers (mode 0600).\n\
             # Load them into a shell by sourcing this file:  . .tuomin/demo-credentials\n",
        );
        for (consumer, s) in &self.consumers {
            text.push_str(&format!(
                "{}='{}'\n{}='{}'\n",
                password_var(consumer),
                s.password,
                api_key_var(consumer),
                s.api_key
            ));
        }
        text
    }

    /// Writes the file (mode 0600).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        write_private(path, &self.to_shell())
    }
}

/// `NAME='value'` lines whose value is a plain token; anything else is ignored.
fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.split_once('=')?;
            let value = value.strip_prefix('\'')?.strip_suffix('\'')?;
            let plain = |s: &str, extra: char| {
                !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == extra)
            };
            (plain(name, '_') && plain(value, '_')).then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Replaces `path` with `text`, readable by its owner only: written to a new file of
/// mode 0600 beside it, then renamed over it.
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumers() -> Vec<String> {
        vec!["qa".into(), "vendor_collections".into()]
    }

    #[test]
    fn a_second_run_reuses_the_secrets_of_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo-credentials");
        let (first, write) = Credentials::load_or_create(&path, &consumers()).unwrap();
        assert!(write);
        first.write(&path).unwrap();
        let (second, write) = Credentials::load_or_create(&path, &consumers()).unwrap();
        assert!(!write);
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn the_file_defines_one_shell_variable_per_secret() {
        let (c, _) =
            Credentials::load_or_create(Path::new("/nonexistent/x"), &consumers()).unwrap();
        let text = c.to_shell();
        for var in [
            "QA_PASSWORD='",
            "QA_API_KEY='tmk_",
            "VENDOR_COLLECTIONS_PASSWORD='",
        ] {
            assert!(text.contains(var), "{var}");
        }
        assert_eq!(parse(&text).len(), 4);
    }

    #[test]
    fn a_new_consumer_gets_secrets_and_the_others_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo-credentials");
        let (first, _) = Credentials::load_or_create(&path, &consumers()[..1]).unwrap();
        first.write(&path).unwrap();
        let (second, write) = Credentials::load_or_create(&path, &consumers()).unwrap();
        assert!(write);
        assert_eq!(first.consumers["qa"], second.consumers["qa"]);
        assert!(second.consumers.contains_key("vendor_collections"));
    }

    #[test]
    fn lines_that_are_not_plain_assignments_are_ignored() {
        let parsed = parse("# c\nQA_PASSWORD='abc'\nX='$(rm -rf /)'\nY=plain\n");
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed["QA_PASSWORD"], "abc");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = Secrets {
            password: "pw-123".into(),
            api_key: "tmk_abc".into(),
        };
        assert!(!format!("{s:?}").contains("pw-123"));
    }
}
