//! What a rule does to a field: let it pass unchanged, or apply a transform
//! (`refuse` and `null` included).

use crate::transform::{BuildError, TransformSpec};

/// A rule's action, as written in the policy (`transform = "pass"` or a transform name).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The value leaves unchanged.
    Pass,
    /// The value goes through this transform.
    Transform(TransformSpec),
}

impl Action {
    /// Parses `transform = NAME` with optional `params`.
    pub fn from_parts(name: &str, params: Option<&toml::Table>) -> Result<Self, BuildError> {
        if name == "pass" {
            if params.is_some_and(|p| !p.is_empty()) {
                return Err(BuildError("`pass` takes no parameters".into()));
            }
            return Ok(Action::Pass);
        }
        TransformSpec::from_parts(name, params).map(Action::Transform)
    }

    /// The policy name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Pass => "pass",
            Action::Transform(spec) => spec.name(),
        }
    }

    /// The action as a reviewer reads it: `mask(keep_first=0, keep_last=4, …)`, every
    /// parameter shown with its effective value, defaults included.
    pub fn describe(&self) -> String {
        let Action::Transform(spec) = self else {
            return "pass".to_owned();
        };
        let params = toml::Value::try_from(spec)
            .ok()
            .and_then(|v| v.as_table().cloned())
            .unwrap_or_default();
        let shown: Vec<String> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "transform")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if shown.is_empty() {
            spec.name().to_owned()
        } else {
            format!("{}({})", spec.name(), shown.join(", "))
        }
    }

    /// True when no value of the field can leave (only `refuse`).
    pub fn refuses(&self) -> bool {
        matches!(self, Action::Transform(spec) if spec.refuses())
    }
}

/// Shorthand for the built-in tables: a transform with parameters given as TOML text.
/// The tables are fixed in code and covered by tests, so a failure here is a bug in
/// tuomin, reported as a build error rather than a panic.
pub(crate) fn builtin(name: &str, params: &str) -> Result<Action, BuildError> {
    let table: toml::Table = params
        .parse()
        .map_err(|e| BuildError(format!("built-in parameters of {name}: {e}")))?;
    Action::from_parts(name, Some(&table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_is_its_own_action() {
        assert_eq!(Action::from_parts("pass", None), Ok(Action::Pass));
    }

    #[test]
    fn pass_with_parameters_is_refused() {
        let params: toml::Table = "keep_first = 1".parse().unwrap();
        assert!(Action::from_parts("pass", Some(&params)).is_err());
    }

    #[test]
    fn unknown_transform_is_refused_with_its_name() {
        let err = Action::from_parts("rot13", None).unwrap_err();
        assert!(err.0.contains("rot13"), "{err}");
    }

    #[test]
    fn unknown_parameter_is_refused_with_its_name() {
        let params: toml::Table = "keep_frist = 1".parse().unwrap();
        let err = Action::from_parts("mask", Some(&params)).unwrap_err();
        assert!(err.0.contains("keep_frist"), "{err}");
    }

    #[test]
    fn describe_shows_every_parameter_with_its_effective_value() {
        let params: toml::Table = "keep_last = 4".parse().unwrap();
        let text = Action::from_parts("mask", Some(&params))
            .unwrap()
            .describe();
        assert!(text.starts_with("mask("), "{text}");
        assert!(
            text.contains("keep_last=4") && text.contains("keep_first=0"),
            "{text}"
        );
        assert_eq!(Action::Pass.describe(), "pass");
        assert_eq!(
            Action::from_parts("refuse", None).unwrap().describe(),
            "refuse"
        );
    }

    #[test]
    fn only_refuse_refuses() {
        assert!(Action::from_parts("refuse", None).unwrap().refuses());
        assert!(!Action::from_parts("null", None).unwrap().refuses());
        assert!(!Action::Pass.refuses());
    }
}
