//! The compiled policy's model: what `config::load` builds and the gateways read.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::decision::{Decision, Refusal, RuleOrigin};
use super::grade::{Grade, Scenario};
use crate::config::{ScanHit, Unclassified};
use crate::discovery::egress::EgressScanner;

/// A data category (built-in or custom) with its grade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub grade: Grade,
    /// Auxiliary authentication data (SMS codes): never shared.
    pub auxiliary_auth: bool,
    pub description: String,
    pub builtin: bool,
}

impl Category {
    /// C3, or auxiliary authentication data: never leaves in any form.
    pub fn never_leaves(&self) -> bool {
        self.grade == Grade::C3 || self.auxiliary_auth
    }
}

/// A classified field: a database column (`schema.table.column`) for now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// `schema.table.column`.
    pub source: String,
    pub category: String,
    /// The pseudonym domain (default: the source itself).
    pub domain: String,
    /// The column of the same table naming the person the value belongs to.
    pub subject: Option<String>,
    /// Recorded reason why a secret-looking name is not C3.
    pub not_secret: Option<String>,
    /// Line of the dictionary entry in the policy file.
    pub line: usize,
}

/// A consumer and its scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumer {
    pub name: String,
    pub scenario: Scenario,
    pub key_scope: String,
    pub description: String,
    pub enabled: bool,
    pub approved_transfer: Option<String>,
    /// How the consumer is known over HTTP, and its limits.
    pub access: Access,
}

/// A consumer's HTTP identity (hashed API keys, client certificate names) and limits.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Access {
    /// SHA-256 of each API key.
    pub api_key_hashes: Vec<[u8; 32]>,
    /// `CN=…` or `DNS:…`.
    pub client_cert: Vec<String>,
    pub requests_per_second: Option<u32>,
    pub records_per_hour: Option<u64>,
}

/// The resolved rule of one (consumer, field): the decision and the category it is for.
#[derive(Clone, Debug)]
pub struct FieldRule {
    pub field: Field,
    pub grade: Grade,
    /// The action as the policy (or the built-in table) states it, parameters included.
    pub action: super::Action,
    pub decision: Decision,
    /// The same transform under each previous master key still held (reversible
    /// transforms only), newest first: reverses pseudonyms issued before a rotation.
    pub previous: Vec<(crate::keys::KeyId, Arc<dyn crate::transform::Transform>)>,
    /// A loosening's recorded reason (`acknowledge` of the rule), if any.
    pub acknowledgement: Option<String>,
}

/// The whole compiled policy.
pub struct Policy {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// A fingerprint of the file's text (SHA-256, hex): changes with every edit.
    pub version: String,
    pub unclassified: Unclassified,
    pub unclassified_pass_reason: Option<String>,
    /// Under `unclassified = "scan"`: mask or refuse a detected value.
    pub scan_hit: ScanHit,
    pub categories: BTreeMap<String, Category>,
    /// `schema.table` → column → field.
    pub dictionary: BTreeMap<String, BTreeMap<String, Field>>,
    pub consumers: BTreeMap<String, Consumer>,
    /// (consumer, `schema.table.column`) → resolved rule.
    pub(crate) rules: super::rules::Rules,
    pub(crate) keyring: crate::keys::Keyring,
    /// Under `unclassified = "scan"`: consumer → its egress scanner (empty otherwise).
    pub(crate) scanners: BTreeMap<String, Arc<EgressScanner>>,
    /// Where the audit trail goes; `None` when the policy has no `[audit]` section.
    pub audit: Option<crate::audit::AuditConfig>,
    /// The HTTP gateway's listener and routes; `None` without an `[http]` section.
    pub http: Option<crate::config::http::HttpConfig>,
    /// The SQL gate's settings (`[sql]`).
    pub sql: crate::config::SqlSettings,
    /// The PostgreSQL gateway's settings; `None` without a `[postgres]` section.
    pub postgres: Option<Arc<crate::config::postgres::PostgresSettings>>,
    /// The operations listener; `None` without an `[admin]` section.
    pub admin: Option<crate::config::admin::AdminSettings>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("path", &self.path)
            .field("version", &self.version)
            .field("consumers", &self.consumers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// The consumer named `name`.
    pub fn consumer(&self, name: &str) -> Option<&Consumer> {
        self.consumers.get(name)
    }

    /// The dictionary of one table (`schema.table`).
    pub fn table(&self, table: &str) -> Option<&BTreeMap<String, Field>> {
        self.dictionary.get(table)
    }

    /// The resolved rule of a classified field for a consumer.
    pub fn field_rule(&self, consumer: &str, source: &str) -> Option<&FieldRule> {
        self.rules.get(consumer, source)
    }

    /// The key new audit records are sealed with (from the current master key).
    pub fn audit_key(&self) -> crate::keys::SubKey {
        crate::audit::audit_key(&self.keyring.current)
    }

    /// The audit key of master key version `key_id` (as written in records, `k1`),
    /// when that version is current or still held.
    pub fn audit_key_for(&self, key_id: &str) -> Option<ring::hmac::Key> {
        std::iter::once(&self.keyring.current)
            .chain(self.keyring.active_previous())
            .find(|k| k.id().to_string() == key_id)
            .map(|k| crate::audit::audit_key(k).hmac_key())
    }

    /// The current master key's version.
    pub fn key_id(&self) -> crate::keys::KeyId {
        self.keyring.current.id()
    }

    /// The keyring: current and previous master key versions.
    pub fn keyring(&self) -> &crate::keys::Keyring {
        &self.keyring
    }

    /// What happens to values of `schema.table.column` for `consumer`.
    /// An unknown consumer or a disabled one is refused everything.
    pub fn decide(&self, consumer: &str, table: &str, column: &str) -> Decision {
        self.decision(consumer, table, column).into_owned()
    }

    /// Whether values of `schema.table.column` leave unchanged for `consumer` (what
    /// [`Policy::decide`] says, without allocating for classified fields).
    pub fn passes(&self, consumer: &str, table: &str, column: &str) -> bool {
        matches!(
            self.decision(consumer, table, column).as_ref(),
            Decision::Pass { .. }
        )
    }

    /// [`Policy::decide`], borrowed from the resolved rule when there is one.
    pub fn decision(&self, consumer: &str, table: &str, column: &str) -> Cow<'_, Decision> {
        let refuse = |message: String| {
            Cow::Owned(Decision::Refuse(Refusal {
                message,
                field: format!("{table}.{column}"),
                grade: None,
                origin: RuleOrigin::Disabled,
            }))
        };
        let Some(who) = self.consumers.get(consumer) else {
            return refuse(format!("consumer {consumer} is not in the policy"));
        };
        if !who.enabled {
            return refuse(format!("consumer {consumer} is disabled"));
        }
        match self.rules.get_column(consumer, table, column) {
            Some(rule) => Cow::Borrowed(&rule.decision),
            None => match self.scanners.get(consumer) {
                Some(scanner) if self.unclassified == Unclassified::Scan => {
                    Cow::Owned(Decision::Transform {
                        transform: scanner.clone(),
                        origin: RuleOrigin::Unclassified,
                    })
                }
                _ if self.unclassified == Unclassified::Pass => Cow::Owned(Decision::Pass {
                    origin: RuleOrigin::Unclassified,
                }),
                _ => Cow::Owned(self.unclassified_decision(&format!("{table}.{column}"))),
            },
        }
    }

    /// The egress scanner of `consumer` under `unclassified = "scan"`: its decision
    /// for each detectable category, and the scan of one value.
    pub fn scanner(&self, consumer: &str) -> Option<&Arc<EgressScanner>> {
        self.scanners.get(consumer)
    }

    /// What happens to the values of a JSON key (`[json_keys]`) for `consumer`;
    /// `None` when the key is not classified.
    pub fn decide_json_key(&self, consumer: &str, key: &str) -> Option<Decision> {
        self.dictionary
            .get(crate::config::JSON_TABLE)
            .filter(|keys| keys.contains_key(key))
            .map(|_| self.decide(consumer, crate::config::JSON_TABLE, key))
    }

    /// The decision for a field the dictionary does not know, when the consumer is not
    /// known (under `scan`, [`Policy::decide`] gives the consumer's scanner instead).
    pub fn unclassified_decision(&self, source: &str) -> Decision {
        match self.unclassified {
            Unclassified::Pass => Decision::Pass {
                origin: RuleOrigin::Unclassified,
            },
            Unclassified::Refuse => Decision::Refuse(Refusal {
                message: format!(
                    "{source} is not classified in the policy's dictionary and \
                     defaults.unclassified is \"refuse\"; classify it or leave it out"
                ),
                field: source.to_owned(),
                grade: None,
                origin: RuleOrigin::Unclassified,
            }),
            Unclassified::Scan => Decision::Refuse(Refusal {
                message: format!(
                    "{source} is not classified and defaults.unclassified is \"scan\", \
                     but no scanner exists for this consumer, so it is refused; \
                     classify it or leave it out"
                ),
                field: source.to_owned(),
                grade: None,
                origin: RuleOrigin::Unclassified,
            }),
        }
    }
}
