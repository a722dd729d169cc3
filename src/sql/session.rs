//! What the gate keeps per client session: the `search_path` as the server has it, the
//! verdicts of SQL-level `PREPARE`d statements, and whether a transaction block is open.
//! The gateway applies a statement's [`SessionEffect`]s once the server has confirmed
//! the statement (CommandComplete), and reports transaction status from ReadyForQuery.

use std::collections::HashMap;
use std::sync::Arc;

use super::analysis::Analysis;
use super::error::{GateRefusal, RefusalKind};
use super::settings::{SettingVerdict, split_search_path, verdict_for_set};

/// The server's default `search_path`.
pub const DEFAULT_SEARCH_PATH: &str = "\"$user\", public";

/// A `search_path`: schema names in order, as the server holds them (`$user` included).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchPath {
    entries: Vec<String>,
}

impl Default for SearchPath {
    fn default() -> Self {
        SearchPath {
            entries: vec!["$user".into(), "public".into()],
        }
    }
}

impl SearchPath {
    /// A search path of these (already folded) schema names.
    pub fn new(entries: Vec<String>) -> Self {
        SearchPath { entries }
    }

    /// Parses a `search_path` value (`SET search_path = 'a, "B"'`, `--search-path`).
    pub fn parse(value: &str) -> Result<Self, GateRefusal> {
        split_search_path(value)
            .map(SearchPath::new)
            .ok_or_else(|| {
                GateRefusal::one(
                    RefusalKind::SessionState,
                    None,
                    "the search_path value is malformed; write schema names separated by commas",
                )
            })
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// The schemas searched for relations and functions, in order: `pg_catalog` first
    /// unless listed, `$user` replaced by the upstream user.
    pub fn effective(&self, user: &str) -> Vec<String> {
        let mut out = Vec::with_capacity(self.entries.len() + 1);
        if !self.entries.iter().any(|e| e == "pg_catalog") {
            out.push("pg_catalog".to_owned());
        }
        for e in &self.entries {
            out.push(if e == "$user" {
                user.to_owned()
            } else {
                e.clone()
            });
        }
        out
    }

    /// A stable text form, part of the analysis cache key.
    pub fn key(&self) -> String {
        self.entries.join("\u{1f}")
    }

    /// Refuses a path the gate cannot follow: `pg_catalog` listed after another schema
    /// lets user functions shadow built-in ones.
    pub fn check(&self) -> Result<(), GateRefusal> {
        match self.entries.iter().position(|e| e == "pg_catalog") {
            Some(i) if i > 0 => Err(GateRefusal::one(
                RefusalKind::SessionState,
                None,
                "search_path lists pg_catalog after another schema, which lets functions of \
                 that schema shadow built-in ones; put pg_catalog first or leave it out",
            )),
            _ => Ok(()),
        }
    }
}

/// Whether the session is inside a transaction block (from ReadyForQuery).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransactionStatus {
    #[default]
    Idle,
    InBlock,
    Failed,
}

/// A change to the session that a statement makes once the server has run it.
#[derive(Clone, Debug)]
pub enum SessionEffect {
    SetSearchPath(SearchPath),
    ResetSearchPath,
    /// `PREPARE name AS …`: the verdict applied at `EXECUTE name`.
    Prepare {
        name: String,
        analysis: Arc<Analysis>,
    },
    Deallocate {
        name: String,
    },
    DeallocateAll,
    /// `DISCARD ALL` / `RESET ALL`-like: back to the defaults (prepared ones too for
    /// DISCARD ALL).
    Discard {
        prepared_too: bool,
    },
}

/// The per-session state the analysis reads.
#[derive(Clone, Debug)]
pub struct SessionState {
    search_path: SearchPath,
    default_search_path: SearchPath,
    /// The upstream login, which `$user` in `search_path` names.
    upstream_user: String,
    prepared: HashMap<String, Arc<Analysis>>,
    transaction: TransactionStatus,
}

impl Default for SessionState {
    fn default() -> Self {
        SessionState::new("postgres")
    }
}

impl SessionState {
    /// A new session of the gateway's upstream login `upstream_user`.
    pub fn new(upstream_user: &str) -> Self {
        SessionState {
            search_path: SearchPath::default(),
            default_search_path: SearchPath::default(),
            upstream_user: upstream_user.to_owned(),
            prepared: HashMap::new(),
            transaction: TransactionStatus::Idle,
        }
    }

    /// A parameter from the client's StartupMessage (`options=-c …` included by the
    /// gateway as name/value pairs): refused when the gate cannot follow it.
    pub fn apply_startup_parameter(&mut self, name: &str, value: &str) -> Result<(), GateRefusal> {
        let name = name.to_lowercase();
        match name.as_str() {
            "user" | "database" | "application_name" | "replication" | "options" => Ok(()),
            _ => match verdict_for_set(&name, Some(value)) {
                SettingVerdict::Harmless => Ok(()),
                SettingVerdict::SearchPath => {
                    let path = SearchPath::parse(value)?;
                    path.check()?;
                    self.default_search_path = path.clone();
                    self.search_path = path;
                    Ok(())
                }
                SettingVerdict::Refused(reason) => {
                    Err(GateRefusal::one(RefusalKind::SessionState, None, reason))
                }
            },
        }
    }

    pub fn search_path(&self) -> &SearchPath {
        &self.search_path
    }

    /// Sets the search path directly (the CLI's `--search-path`, tests).
    pub fn set_search_path(&mut self, path: SearchPath) {
        self.search_path = path;
    }

    pub fn upstream_user(&self) -> &str {
        &self.upstream_user
    }

    pub fn transaction(&self) -> TransactionStatus {
        self.transaction
    }

    /// The transaction status of the last ReadyForQuery.
    pub fn set_transaction(&mut self, status: TransactionStatus) {
        self.transaction = status;
    }

    /// The verdict remembered for `PREPARE name`.
    pub fn prepared(&self, name: &str) -> Option<&Arc<Analysis>> {
        self.prepared.get(name)
    }

    /// Applies what a statement did, once the server confirmed it.
    pub fn apply(&mut self, effect: &SessionEffect) {
        match effect {
            SessionEffect::SetSearchPath(path) => self.search_path = path.clone(),
            SessionEffect::ResetSearchPath => {
                self.search_path = self.default_search_path.clone();
            }
            SessionEffect::Prepare { name, analysis } => {
                self.prepared.insert(name.clone(), analysis.clone());
            }
            SessionEffect::Deallocate { name } => {
                self.prepared.remove(name);
            }
            SessionEffect::DeallocateAll => self.prepared.clear(),
            SessionEffect::Discard { prepared_too } => {
                self.search_path = self.default_search_path.clone();
                if *prepared_too {
                    self.prepared.clear();
                }
            }
        }
    }
}
