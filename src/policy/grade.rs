//! Grades of personal financial information (JR/T 0171-2020) and consumer scenarios.

use std::fmt;

use serde::Deserialize;

/// The grade of a data category, by the harm its leakage does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum Grade {
    /// Information used internally by the institution (ids, timestamps, branches).
    C1,
    /// Information that identifies a person or their financial status.
    C2,
    /// Authentication information: never shared, transferred or disclosed.
    C3,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::C1 => "C1",
            Grade::C2 => "C2",
            Grade::C3 => "C3",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The context a consumer works in; it decides the default transform of each grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// A development or test environment: realistic, deterministic, format-preserving.
    DevTest,
    /// A vendor under delegated processing: de-identified, not only encrypted.
    Outsourced,
    /// Internal analysts: tokens and generalization.
    Analytics,
    /// A consumer outside China: C2 refused unless an approved transfer is declared.
    Offshore,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::DevTest,
        Scenario::Outsourced,
        Scenario::Analytics,
        Scenario::Offshore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::DevTest => "dev_test",
            Scenario::Outsourced => "outsourced",
            Scenario::Analytics => "analytics",
            Scenario::Offshore => "offshore",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
