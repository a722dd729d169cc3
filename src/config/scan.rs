//! The egress scanners of a policy whose `[defaults] unclassified` is `scan`: for each
//! consumer, its decision for every category the detectors can find, resolved like a
//! dictionary field of that category (invariants, rules, built-in defaults) and
//! checked by the same validation. The transforms are keyed on the pseudonym domain
//! `scan:<category>`, so a card number found in any unclassified field gets the same
//! pseudonym for the same consumer.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::compile::{Rule, decide, resolve};
use super::load::Problems;
use super::schema::ScanHit;
use super::validate;
use crate::discovery::detectors::Detected;
use crate::discovery::egress::EgressScanner;
use crate::keys::MasterKey;
use crate::policy::{Category, Consumer, Field};

/// One scanner per consumer.
pub(super) fn scanners(
    consumers: &BTreeMap<String, Consumer>,
    categories: &BTreeMap<String, Category>,
    rules: &[Rule],
    master_key: &MasterKey,
    on_hit: ScanHit,
    p: &mut Problems,
) -> BTreeMap<String, Arc<EgressScanner>> {
    let mut out = BTreeMap::new();
    for consumer in consumers.values() {
        let mut decisions = Vec::new();
        for kind in Detected::ALL {
            // Every detected kind is a built-in category; a missing one stays refused.
            let Some(category) = categories.get(kind.category()) else {
                continue;
            };
            let resolved = resolve(consumer, category, rules);
            validate::resolved(consumer, category, &resolved, p);
            let field = scan_field(category);
            let decision = decide(consumer, &field, category, &resolved, master_key, 0, p);
            decisions.push((kind, decision));
        }
        let scanner = EgressScanner::new(&consumer.name, on_hit, decisions);
        out.insert(consumer.name.clone(), Arc::new(scanner));
    }
    out
}

/// The pseudo-field a scan hit of `category` is masked as.
fn scan_field(category: &Category) -> Field {
    let source = format!("scan:{}", category.name);
    Field {
        domain: source.clone(),
        source,
        category: category.name.clone(),
        subject: None,
        not_secret: None,
        line: 0,
    }
}
