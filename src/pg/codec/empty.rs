//! `empty_message!`: the messages that are nothing but a tag (Sync, Flush, Terminate,
//! CopyDone, ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended,
//! EmptyQueryResponse). Each still has its own file; this macro writes the identical
//! decode, encode and round-trip test they all need.

macro_rules! empty_message {
    ($(#[$meta:meta])* $name:ident, $tag_type:ident :: $tag:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            /// This message's tag.
            pub const TAG: $tag_type = $tag_type::$tag;

            /// Decodes the body, which must be empty.
            pub fn decode(body: &bytes::Bytes) -> Result<Self, $crate::pg::codec::DecodeError> {
                $crate::pg::codec::Reader::new(body).finish()?;
                Ok($name)
            }

            /// Appends the message to `buf`.
            pub fn encode(
                &self,
                buf: &mut bytes::BytesMut,
            ) -> Result<(), $crate::pg::codec::EncodeError> {
                $crate::pg::codec::write_message(buf, Some(Self::TAG.into()), |_| Ok(()))
            }
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            #[test]
            fn encodes_as_a_bare_tag_and_round_trips() {
                let mut buf = bytes::BytesMut::new();
                $name.encode(&mut buf).unwrap();
                assert_eq!(&buf[..], &[u8::from($name::TAG), 0, 0, 0, 4]);
                let frame = $crate::pg::codec::test_util::one_frame(&buf);
                assert_eq!($name::decode(&frame.body()), Ok($name));
            }

            #[test]
            fn refuses_a_body() {
                assert!($name::decode(&bytes::Bytes::from_static(b"x")).is_err());
            }
        }
    };
}
