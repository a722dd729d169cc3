//! The built-in taxonomy of data categories: each with its default JR/T 0171 grade and
//! the default action of each scenario (the scenario table of the product brief).
//!
//! A policy may add custom categories with an explicit grade; they take the defaults
//! of their grade ([`grade_default`]).

use super::action::{Action, builtin};
use super::grade::{Grade, Scenario};
use crate::transform::BuildError;

/// One category of the built-in taxonomy.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinCategory {
    pub name: &'static str,
    pub grade: Grade,
    /// Auxiliary authentication data (SMS codes): graded C2 but never shared.
    pub auxiliary_auth: bool,
    pub description: &'static str,
    /// Default action per scenario for C2 categories, as (transform, TOML parameters),
    /// in the order dev_test, outsourced, analytics; offshore refuses C2 by default.
    defaults: Option<[(&'static str, &'static str); 3]>,
}

const fn c3(name: &'static str, description: &'static str) -> BuiltinCategory {
    BuiltinCategory {
        name,
        grade: Grade::C3,
        auxiliary_auth: false,
        description,
        defaults: None,
    }
}

const fn c2(
    name: &'static str,
    description: &'static str,
    defaults: [(&'static str, &'static str); 3],
) -> BuiltinCategory {
    BuiltinCategory {
        name,
        grade: Grade::C2,
        auxiliary_auth: false,
        description,
        defaults: Some(defaults),
    }
}

const fn c1(name: &'static str, description: &'static str) -> BuiltinCategory {
    BuiltinCategory {
        name,
        grade: Grade::C1,
        auxiliary_auth: false,
        description,
        defaults: None,
    }
}

const TOKEN: (&str, &str) = ("token", "");
/// Tokens for values whose columns are usually fixed-width (`char(11)` mobiles,
/// `char(18)` ID numbers): digits of the value's own length, so an analyst's token
/// still fits the column it came from and joins with the same field elsewhere.
const DIGITS_TOKEN_11: (&str, &str) = ("token", "format = \"digits\"\nlength = 11");
const DIGITS_TOKEN_18: (&str, &str) = ("token", "format = \"digits\"\nlength = 18");

/// The built-in categories.
pub const BUILTIN: &[BuiltinCategory] = &[
    c3("password", "login, payment or query password (or its hash)"),
    c3("pin", "card PIN"),
    c3("cvv", "card verification code (CVN/CVV)"),
    c3("card_expiry", "card validity period"),
    c3("track_data", "magnetic track or chip data"),
    c3("biometric", "biometric data used for authentication"),
    BuiltinCategory {
        name: "sms_code",
        grade: Grade::C2,
        auxiliary_auth: true,
        description: "SMS verification code (auxiliary authentication data)",
        defaults: None,
    },
    c2(
        "card_number",
        "bank card number",
        [
            ("fpe_card", "keep_bin = 6"),
            ("mask", "keep_first = 6\nkeep_last = 4"),
            TOKEN,
        ],
    ),
    c2(
        "account_number",
        "bank account number",
        [
            ("fpe_account", "keep_first = 4"),
            ("mask", "keep_last = 4"),
            TOKEN,
        ],
    ),
    c2(
        "id_number",
        "identity document number",
        [
            ("fpe_cn_id", ""),
            ("mask", "keep_first = 1\nkeep_last = 1"),
            DIGITS_TOKEN_18,
        ],
    ),
    c2(
        "mobile",
        "mobile phone number",
        [
            ("fpe_mobile", "keep_prefix = 3"),
            ("mask", "keep_first = 3\nkeep_last = 4"),
            DIGITS_TOKEN_11,
        ],
    ),
    c2(
        "name",
        "person's name",
        [("fake_name", ""), ("mask_name", ""), TOKEN],
    ),
    c2("email", "e-mail address", [("fpe_email", ""), TOKEN, TOKEN]),
    c2(
        "address",
        "home or mailing address",
        [
            ("fake_address", ""),
            ("mask_address", "keep = \"district\""),
            ("mask_address", "keep = \"city\""),
        ],
    ),
    c2(
        "birth_date",
        "date of birth",
        [
            ("date_shift", "max_days = 180"),
            ("generalize_date", "to = \"year\""),
            ("generalize_date", "to = \"year\""),
        ],
    ),
    c2(
        "balance",
        "account balance or personal property",
        [
            ("noise", "relative = 0.1"),
            ("generalize_number", "bucket = 10000"),
            ("generalize_number", "bucket = 1000"),
        ],
    ),
    c2(
        "amount",
        "transaction amount",
        [
            ("noise", "relative = 0.1"),
            ("generalize_number", "bucket = 1000"),
            ("generalize_number", "bucket = 100"),
        ],
    ),
    c2(
        "free_text",
        "free text that may contain anything (memos, remarks)",
        [("null", ""), ("null", ""), ("null", "")],
    ),
    c2(
        "uscc",
        "unified social credit code",
        [("fpe_uscc", ""), TOKEN, TOKEN],
    ),
    c1("internal_id", "internal identifier (customer id, row id)"),
    c1("timestamp", "time of creation or of an event"),
    c1("branch", "branch or organisation code"),
    c1("status", "status of an account, card or record"),
    c1("currency", "currency code"),
];

/// The built-in category named `name`.
pub fn lookup(name: &str) -> Option<&'static BuiltinCategory> {
    BUILTIN.iter().find(|c| c.name == name)
}

impl BuiltinCategory {
    /// The default action of this category in `scenario`.
    pub fn default_action(&self, scenario: Scenario) -> Result<Action, BuildError> {
        if self.auxiliary_auth {
            return Ok(refuse());
        }
        match (self.defaults, scenario) {
            (Some(defaults), Scenario::DevTest) => builtin(defaults[0].0, defaults[0].1),
            (Some(defaults), Scenario::Outsourced) => builtin(defaults[1].0, defaults[1].1),
            (Some(defaults), Scenario::Analytics) => builtin(defaults[2].0, defaults[2].1),
            _ => grade_default(self.grade, scenario),
        }
    }

    /// The de-identified action this category gets offshore when the consumer declares
    /// an approved transfer: the same as `outsourced`.
    pub fn approved_transfer_action(&self) -> Result<Action, BuildError> {
        self.default_action(Scenario::Outsourced)
    }
}

/// The default action of a grade in a scenario (custom categories; C1 and C3 always).
pub fn grade_default(grade: Grade, scenario: Scenario) -> Result<Action, BuildError> {
    match (grade, scenario) {
        (Grade::C3, _) => Ok(refuse()),
        (Grade::C2, Scenario::Offshore) => Ok(refuse()),
        (Grade::C2, _) => builtin("token", ""),
        (Grade::C1, _) => Ok(Action::Pass),
    }
}

fn refuse() -> Action {
    Action::Transform(crate::transform::TransformSpec::Refuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_default_parses_in_every_scenario() {
        for category in BUILTIN {
            for scenario in Scenario::ALL {
                category
                    .default_action(scenario)
                    .unwrap_or_else(|e| panic!("{} in {scenario}: {e}", category.name));
            }
        }
    }

    #[test]
    fn c3_categories_are_refused_in_every_scenario() {
        for category in BUILTIN.iter().filter(|c| c.grade == Grade::C3) {
            for scenario in Scenario::ALL {
                assert!(category.default_action(scenario).unwrap().refuses());
            }
        }
    }

    #[test]
    fn sms_code_is_refused_in_every_scenario() {
        let sms = lookup("sms_code").unwrap();
        for scenario in Scenario::ALL {
            assert!(sms.default_action(scenario).unwrap().refuses());
        }
    }

    #[test]
    fn c2_is_refused_offshore_by_default() {
        for category in BUILTIN.iter().filter(|c| c.grade == Grade::C2) {
            assert!(
                category
                    .default_action(Scenario::Offshore)
                    .unwrap()
                    .refuses()
            );
        }
    }

    #[test]
    fn no_c2_default_passes_and_outsourced_defaults_de_identify() {
        for category in BUILTIN.iter().filter(|c| c.grade == Grade::C2) {
            for scenario in Scenario::ALL {
                let action = category.default_action(scenario).unwrap();
                assert_ne!(action, Action::Pass, "{} {scenario}", category.name);
            }
            match category.default_action(Scenario::Outsourced).unwrap() {
                Action::Transform(spec) => assert!(spec.properties().de_identifying),
                Action::Pass => unreachable!(),
            }
        }
    }

    #[test]
    fn the_taxonomy_holds_every_category_the_standard_names() {
        for name in [
            "password",
            "pin",
            "cvv",
            "card_expiry",
            "track_data",
            "biometric",
            "sms_code",
            "card_number",
            "account_number",
            "id_number",
            "mobile",
            "name",
            "email",
            "address",
            "birth_date",
            "balance",
            "amount",
            "free_text",
            "uscc",
            "internal_id",
            "timestamp",
            "branch",
            "status",
            "currency",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
    }
}
