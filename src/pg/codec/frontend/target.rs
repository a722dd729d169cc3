//! [`Target`]: whether Describe or Close is about a prepared statement or a portal.

use crate::pg::codec::DecodeError;

/// `S` (prepared statement) or `P` (portal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `S`
    Statement,
    /// `P`
    Portal,
}

impl Target {
    /// The byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            Target::Statement => b'S',
            Target::Portal => b'P',
        }
    }
}

impl TryFrom<u8> for Target {
    type Error = DecodeError;

    fn try_from(b: u8) -> Result<Self, DecodeError> {
        match b {
            b'S' => Ok(Target::Statement),
            b'P' => Ok(Target::Portal),
            other => Err(DecodeError::Invalid {
                what: "describe/close target",
                value: other.into(),
            }),
        }
    }
}
