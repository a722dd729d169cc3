//! [`FrontendTag`] and [`BackendTag`]: the first byte of every regular message.
//!
//! Unknown tags are an error in both directions. For the frontend that is plain
//! protocol hygiene. For the backend it is a choice: a message we do not understand
//! might carry row data, so the gateway fails closed (the session ends with a
//! protocol violation) rather than forwarding it unexamined. Protocol 3.2 added no
//! new message tags; a future one would be negotiated down by NegotiateProtocolVersion.

use std::fmt;

use super::DecodeError;

macro_rules! tags {
    ($(#[$meta:meta])* $name:ident, $err:ident { $($(#[$vmeta:meta])* $variant:ident = $byte:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $byte,)*
        }

        impl TryFrom<u8> for $name {
            type Error = DecodeError;

            fn try_from(byte: u8) -> Result<Self, DecodeError> {
                match byte {
                    $($byte => Ok($name::$variant),)*
                    other => Err(DecodeError::$err(other)),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(tag: $name) -> u8 {
                tag as u8
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?} ('{}')", self, char::from(*self as u8))
            }
        }

        impl $name {
            /// Every tag, for tests and exhaustive tables.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
        }
    };
}

tags!(
    /// Tag of a message sent by the client.
    FrontendTag, UnknownFrontendTag {
        Bind = b'B',
        Close = b'C',
        CopyData = b'd',
        CopyDone = b'c',
        CopyFail = b'f',
        Describe = b'D',
        Execute = b'E',
        Flush = b'H',
        FunctionCall = b'F',
        /// PasswordMessage, SASLInitialResponse, SASLResponse (and GSSResponse): which
        /// one depends on what the server asked for.
        AuthResponse = b'p',
        Parse = b'P',
        Query = b'Q',
        Sync = b'S',
        Terminate = b'X',
    }
);

tags!(
    /// Tag of a message sent by the server.
    BackendTag, UnknownBackendTag {
        Authentication = b'R',
        BackendKeyData = b'K',
        BindComplete = b'2',
        CloseComplete = b'3',
        CommandComplete = b'C',
        CopyData = b'd',
        CopyDone = b'c',
        CopyInResponse = b'G',
        CopyOutResponse = b'H',
        CopyBothResponse = b'W',
        DataRow = b'D',
        EmptyQueryResponse = b'I',
        ErrorResponse = b'E',
        FunctionCallResponse = b'V',
        NegotiateProtocolVersion = b'v',
        NoData = b'n',
        NoticeResponse = b'N',
        NotificationResponse = b'A',
        ParameterDescription = b't',
        ParameterStatus = b'S',
        ParseComplete = b'1',
        PortalSuspended = b's',
        ReadyForQuery = b'Z',
        RowDescription = b'T',
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_round_trips_through_its_byte() {
        for tag in FrontendTag::ALL {
            assert_eq!(FrontendTag::try_from(u8::from(*tag)).unwrap(), *tag);
        }
        for tag in BackendTag::ALL {
            assert_eq!(BackendTag::try_from(u8::from(*tag)).unwrap(), *tag);
        }
    }

    #[test]
    fn unknown_tags_are_errors_in_both_directions() {
        assert_eq!(
            FrontendTag::try_from(b'z'),
            Err(DecodeError::UnknownFrontendTag(b'z'))
        );
        assert_eq!(
            BackendTag::try_from(b'z'),
            Err(DecodeError::UnknownBackendTag(b'z'))
        );
    }

    #[test]
    fn tags_display_with_their_letter() {
        assert_eq!(FrontendTag::Query.to_string(), "Query ('Q')");
    }
}
