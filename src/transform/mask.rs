//! `mask`: keep the first N and last M characters (Unicode characters, not bytes) and
//! replace the rest with the mask character. A mask never leaves fewer than
//! `min_hidden` characters hidden: when the value is too short for the kept parts, the
//! kept end shrinks first, then the kept start, and a value shorter than `min_hidden`
//! is hidden entirely.

use super::spec::MaskParams;
use super::{BuildError, Context, Properties, Transform, TransformError};

/// A ready `mask` transform.
pub struct MaskTransform {
    keep_first: usize,
    keep_last: usize,
    mask_char: char,
    min_hidden: usize,
}

impl MaskTransform {
    /// Checks the parameters: at least one character must always be hidden, and the
    /// mask character must be visible.
    pub fn new(params: &MaskParams) -> Result<Self, BuildError> {
        if params.min_hidden == 0 {
            return Err(BuildError(
                "mask min_hidden must be at least 1 (otherwise a short value passes unmasked)"
                    .into(),
            ));
        }
        if params.mask_char.is_whitespace() || params.mask_char.is_control() {
            return Err(BuildError("mask_char must be a visible character".into()));
        }
        Ok(MaskTransform {
            keep_first: params.keep_first,
            keep_last: params.keep_last,
            mask_char: params.mask_char,
            min_hidden: params.min_hidden,
        })
    }

    /// How many characters are kept at the start and at the end of a value of `len`
    /// characters, so that at least `min_hidden` are hidden (or all of them).
    pub fn kept(&self, len: usize) -> (usize, usize) {
        let budget = len.saturating_sub(self.min_hidden);
        let first = self.keep_first.min(budget);
        let last = self.keep_last.min(budget - first);
        (first, last)
    }

    /// The masked text.
    pub fn mask(&self, input: &str) -> String {
        let len = input.chars().count();
        let (first, last) = self.kept(len);
        input
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i < first || i >= len - last {
                    c
                } else {
                    self.mask_char
                }
            })
            .collect()
    }
}

impl Transform for MaskTransform {
    fn name(&self) -> &'static str {
        "mask"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: true,
            de_identifying: true,
        }
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Ok(Some(self.mask(input)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(keep_first: usize, keep_last: usize, min_hidden: usize, input: &str) -> String {
        MaskTransform::new(&MaskParams {
            keep_first,
            keep_last,
            mask_char: '*',
            min_hidden,
        })
        .unwrap()
        .mask(input)
    }

    #[test]
    fn card_keeps_bin_and_last_four() {
        assert_eq!(mask(6, 4, 4, "6222021234567890123"), "622202*********0123");
    }

    #[test]
    fn mobile_keeps_prefix_and_last_four() {
        assert_eq!(mask(3, 4, 4, "13812345678"), "138****5678");
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        assert_eq!(mask(1, 1, 1, "张三丰"), "张*丰");
    }

    #[test]
    fn a_short_value_shrinks_the_kept_end_first() {
        assert_eq!(mask(3, 4, 4, "123456789"), "123****89");
        assert_eq!(mask(3, 4, 4, "123456"), "12****");
    }

    #[test]
    fn a_value_shorter_than_min_hidden_is_hidden_entirely() {
        assert_eq!(mask(1, 1, 4, "abc"), "***");
        assert_eq!(mask(0, 0, 1, ""), "");
    }

    #[test]
    fn zero_min_hidden_and_invisible_mask_chars_are_refused() {
        let p = |min_hidden, mask_char| MaskParams {
            keep_first: 1,
            keep_last: 1,
            mask_char,
            min_hidden,
        };
        assert!(MaskTransform::new(&p(0, '*')).is_err());
        assert!(MaskTransform::new(&p(1, ' ')).is_err());
    }
}
