//! [`FormatCode`]: text or binary, per parameter or result column.

use super::DecodeError;

/// How a value travels: as text, or in the type's binary send/receive format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FormatCode {
    /// `0`: the type's text output.
    #[default]
    Text,
    /// `1`: the type's binary format.
    Binary,
}

impl FormatCode {
    /// The `Int16` on the wire.
    pub fn to_i16(self) -> i16 {
        match self {
            FormatCode::Text => 0,
            FormatCode::Binary => 1,
        }
    }
}

impl TryFrom<i16> for FormatCode {
    type Error = DecodeError;

    fn try_from(v: i16) -> Result<Self, DecodeError> {
        match v {
            0 => Ok(FormatCode::Text),
            1 => Ok(FormatCode::Binary),
            other => Err(DecodeError::Invalid {
                what: "format code",
                value: other.into(),
            }),
        }
    }
}

/// Resolves a Bind-style format list for column `i` of `n`: no codes means all text,
/// one code applies to all, otherwise one per column.
pub fn format_for(codes: &[FormatCode], i: usize) -> FormatCode {
    match codes {
        [] => FormatCode::Text,
        [one] => *one,
        many => many.get(i).copied().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_zero_and_one_are_format_codes() {
        assert_eq!(FormatCode::try_from(0), Ok(FormatCode::Text));
        assert_eq!(FormatCode::try_from(1), Ok(FormatCode::Binary));
        assert!(FormatCode::try_from(2).is_err());
    }

    #[test]
    fn a_single_format_code_applies_to_every_column() {
        assert_eq!(format_for(&[FormatCode::Binary], 7), FormatCode::Binary);
        assert_eq!(format_for(&[], 7), FormatCode::Text);
        let mixed = [FormatCode::Text, FormatCode::Binary];
        assert_eq!(format_for(&mixed, 1), FormatCode::Binary);
    }
}
