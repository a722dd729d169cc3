//! [`Rules`]: the resolved rule of every (consumer, classified field), indexed so that
//! a lookup by consumer and `schema.table` + column allocates nothing — the gateways
//! look rules up for every column of every statement.

use std::collections::HashMap;

use super::model::FieldRule;

/// Longest `schema.table.column` looked up without allocating.
const STACK_SOURCE: usize = 256;

/// Resolved rules by consumer, then by `schema.table.column`.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    by_consumer: HashMap<String, HashMap<String, FieldRule>>,
}

impl Rules {
    /// Adds the rule of `consumer` for its field (`rule.field.source`).
    pub(crate) fn insert(&mut self, consumer: &str, rule: FieldRule) {
        self.by_consumer
            .entry(consumer.to_owned())
            .or_default()
            .insert(rule.field.source.clone(), rule);
    }

    /// The rule of `consumer` for `schema.table.column`.
    pub(crate) fn get(&self, consumer: &str, source: &str) -> Option<&FieldRule> {
        self.by_consumer.get(consumer)?.get(source)
    }

    /// The rule of `consumer` for `column` of `table` (`schema.table`).
    pub(crate) fn get_column(
        &self,
        consumer: &str,
        table: &str,
        column: &str,
    ) -> Option<&FieldRule> {
        let rules = self.by_consumer.get(consumer)?;
        let len = table.len() + 1 + column.len();
        if len > STACK_SOURCE {
            return rules.get(&format!("{table}.{column}"));
        }
        let mut buf = [0u8; STACK_SOURCE];
        buf[..table.len()].copy_from_slice(table.as_bytes());
        buf[table.len()] = b'.';
        buf[table.len() + 1..len].copy_from_slice(column.as_bytes());
        // Two strings joined by an ASCII dot are UTF-8.
        let source = std::str::from_utf8(&buf[..len]).ok()?;
        rules.get(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Action, Decision, Field, Grade, RuleOrigin};

    fn rule(source: &str) -> FieldRule {
        FieldRule {
            field: Field {
                source: source.to_owned(),
                category: "mobile".into(),
                domain: source.to_owned(),
                subject: None,
                not_secret: None,
                line: 1,
            },
            grade: Grade::C2,
            action: Action::Pass,
            decision: Decision::Pass {
                origin: RuleOrigin::Rule { line: 1 },
            },
            previous: vec![],
            acknowledgement: None,
        }
    }

    #[test]
    fn a_rule_is_found_by_source_and_by_table_and_column() {
        let mut rules = Rules::default();
        rules.insert("qa", rule("public.customers.mobile"));
        let long_table = format!("public.{}", "t".repeat(300));
        rules.insert("qa", rule(&format!("{long_table}.c")));
        assert!(rules.get("qa", "public.customers.mobile").is_some());
        assert!(
            rules
                .get_column("qa", "public.customers", "mobile")
                .is_some()
        );
        assert!(rules.get_column("qa", &long_table, "c").is_some());
        assert!(
            rules
                .get_column("qa", "public.customers", "email")
                .is_none()
        );
        assert!(
            rules
                .get_column("vendor", "public.customers", "mobile")
                .is_none()
        );
        assert!(
            rules
                .get_column("qa", "public", "customers.mobile")
                .is_some()
        );
    }
}
