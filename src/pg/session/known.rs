//! The client's prepared statements and portals, by name, as the client pump knows
//! them: each one's text and the gate's verdict on it. The unnamed statement (every
//! query of `pgbench -M extended`, and of psycopg 3 until it prepares one) and the
//! unnamed portal (where most drivers bind, tokio-postgres' `query` included) are kept
//! apart from the named ones: a Parse, Bind, Describe and Execute of them hash and
//! compare no name.

use std::collections::HashMap;
use std::sync::Arc;

use crate::sql::Analysis;

/// A prepared statement or portal: its text and the gate's verdict on it.
#[derive(Clone)]
pub struct Known {
    pub sql: Arc<str>,
    pub analysis: Option<Arc<Analysis>>,
}

impl Default for Known {
    /// What an unknown name stands for: no text and no verdict (the upstream answers
    /// with its own error for the name, and no row is planned without a verdict).
    fn default() -> Self {
        Known {
            sql: "".into(),
            analysis: None,
        }
    }
}

/// Statements or portals by name.
#[derive(Default)]
pub struct ByName {
    unnamed: Option<Known>,
    /// foldhash: the names are the client's own, in its own session.
    named: HashMap<String, Known, foldhash::fast::RandomState>,
}

impl ByName {
    /// The one called `name`, or [`Known::default`].
    pub fn get(&self, name: &str) -> Known {
        let found = if name.is_empty() {
            self.unnamed.as_ref()
        } else {
            self.named.get(name)
        };
        found.cloned().unwrap_or_default()
    }

    /// Defines (or redefines) `name`.
    pub fn insert(&mut self, name: &str, known: Known) {
        if name.is_empty() {
            self.unnamed = Some(known);
        } else {
            self.named.insert(name.to_owned(), known);
        }
    }

    /// Forgets `name` (Close).
    pub fn remove(&mut self, name: &str) {
        if name.is_empty() {
            self.unnamed = None;
        } else {
            self.named.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(sql: &str) -> Known {
        Known {
            sql: sql.into(),
            analysis: None,
        }
    }

    #[test]
    fn unnamed_and_named_are_kept_defined_and_forgotten_apart() {
        let mut by = ByName::default();
        assert_eq!(&*by.get("").sql, "", "unknown: the default");
        by.insert("", known("select 1"));
        by.insert("s1", known("select 2"));
        assert_eq!(&*by.get("").sql, "select 1");
        assert_eq!(&*by.get("s1").sql, "select 2");
        by.insert("", known("select 3"));
        assert_eq!(&*by.get("").sql, "select 3", "the unnamed one is replaced");
        assert_eq!(&*by.get("s1").sql, "select 2");
        by.remove("s1");
        assert_eq!(&*by.get("s1").sql, "");
        assert_eq!(
            &*by.get("").sql,
            "select 3",
            "closing a named one keeps the unnamed"
        );
        by.remove("");
        assert_eq!(&*by.get("").sql, "");
        assert!(by.get("").analysis.is_none());
    }
}
