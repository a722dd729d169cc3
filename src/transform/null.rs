//! The two transforms that let no value out: `null` (the value becomes NULL) and
//! `refuse` (the statement or response carrying the value is refused).

use super::{Context, Properties, Transform, TransformError};

/// Replaces every value by NULL.
pub struct NullTransform;

impl Transform for NullTransform {
    fn name(&self) -> &'static str {
        "null"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: false,
            de_identifying: true,
        }
    }

    fn apply(&self, _input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Ok(None)
    }
}

/// Refuses every value. Gateways refuse before any row is sent when a plan holds it;
/// this transform is the last line if a value reaches it anyway.
pub struct RefuseTransform;

impl Transform for RefuseTransform {
    fn name(&self) -> &'static str {
        "refuse"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: false,
            de_identifying: true,
        }
    }

    fn apply(&self, _input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Err(TransformError::Refused(
            "the rule for this field is `refuse`".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_gives_null_for_any_input() {
        assert_eq!(
            NullTransform.apply("6222020200112233445", &Context::default()),
            Ok(None)
        );
    }

    #[test]
    fn refuse_never_returns_the_value() {
        let err = RefuseTransform
            .apply("123", &Context::default())
            .unwrap_err();
        assert!(!err.to_string().contains("123"));
    }
}
