//! [`FunctionCall`]: the legacy fast-path function call. Decoded so that the gateway
//! can refuse it with a proper error (it would bypass SQL analysis entirely).

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::params::{read_formats, read_values, write_formats, write_values};
use crate::pg::codec::{DecodeError, EncodeError, FormatCode, FrontendTag, Reader, write_message};

/// FunctionCall. `Debug` shows only argument sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct FunctionCall {
    /// OID of the function.
    pub function_oid: u32,
    /// Argument formats: none, one, or one per argument.
    pub arg_formats: Vec<FormatCode>,
    /// Arguments; `None` is NULL.
    pub args: Vec<Option<Bytes>>,
    /// Format of the result.
    pub result_format: FormatCode,
}

impl FunctionCall {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::FunctionCall;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let function_oid = r.u32()?;
        let arg_formats = read_formats(&mut r)?;
        let args = read_values(&mut r, body)?;
        let result_format = FormatCode::try_from(r.i16()?)?;
        r.finish()?;
        Ok(FunctionCall {
            function_oid,
            arg_formats,
            args,
            result_format,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.u32(self.function_oid);
            write_formats(w, &self.arg_formats)?;
            write_values(w, &self.args)?;
            w.i16(self.result_format.to_i16());
            Ok(())
        })
    }
}

impl fmt::Debug for FunctionCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<Option<usize>> = self
            .args
            .iter()
            .map(|a| a.as_ref().map(Bytes::len))
            .collect();
        f.debug_struct("FunctionCall")
            .field("function_oid", &self.function_oid)
            .field("arg_sizes", &sizes)
            .field("result_format", &self.result_format)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn function_call_round_trips() {
        let msg = FunctionCall {
            function_oid: 1598,
            arg_formats: vec![FormatCode::Binary],
            args: vec![Some(Bytes::from_static(&[0, 0, 0, 1])), None],
            result_format: FormatCode::Text,
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(FunctionCall::decode(&one_frame(&buf).body()), Ok(msg));
    }
}
