//! [`Authentication`]: the server's authentication requests and verdict (tag `R`).

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// One Authentication message, by its `Int32` code.
#[derive(Clone, PartialEq, Eq)]
pub enum Authentication {
    /// `0`: authentication succeeded.
    Ok,
    /// `3`: send the password in clear.
    CleartextPassword,
    /// `5`: send the MD5 hash, salted with these four bytes.
    Md5Password {
        /// The salt.
        salt: [u8; 4],
    },
    /// `10`: SASL, with the mechanisms the server offers.
    Sasl {
        /// Mechanism names, e.g. `SCRAM-SHA-256`, `SCRAM-SHA-256-PLUS`.
        mechanisms: Vec<String>,
    },
    /// `11`: server-first-message.
    SaslContinue {
        /// Mechanism data.
        data: Bytes,
    },
    /// `12`: server-final-message.
    SaslFinal {
        /// Mechanism data.
        data: Bytes,
    },
    /// Any other code (KerberosV5 2, SCMCredential 6, GSS 7, GSSContinue 8, SSPI 9):
    /// kept so it can be refused with a clear message.
    Other {
        /// The code.
        code: i32,
        /// The rest of the body.
        data: Bytes,
    },
}

impl Authentication {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::Authentication;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let code = r.i32()?;
        let rest = body.slice(r.position()..);
        let msg = match code {
            0 => Authentication::Ok,
            3 => Authentication::CleartextPassword,
            5 => {
                let mut salt = [0u8; 4];
                salt.copy_from_slice(r.bytes(4)?);
                Authentication::Md5Password { salt }
            }
            10 => {
                let mut mechanisms = Vec::new();
                loop {
                    let m = r.cstr()?;
                    if m.is_empty() {
                        break;
                    }
                    mechanisms.push(m.to_owned());
                }
                Authentication::Sasl { mechanisms }
            }
            11 => return Ok(Authentication::SaslContinue { data: rest }),
            12 => return Ok(Authentication::SaslFinal { data: rest }),
            code => return Ok(Authentication::Other { code, data: rest }),
        };
        r.finish()?;
        Ok(msg)
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            match self {
                Authentication::Ok => w.i32(0),
                Authentication::CleartextPassword => w.i32(3),
                Authentication::Md5Password { salt } => {
                    w.i32(5);
                    w.bytes(salt);
                }
                Authentication::Sasl { mechanisms } => {
                    w.i32(10);
                    for m in mechanisms {
                        if m.is_empty() {
                            return Err(EncodeError::NulInString {
                                what: "empty SASL mechanism name",
                            });
                        }
                        w.cstr("SASL mechanism", m)?;
                    }
                    w.u8(0);
                }
                Authentication::SaslContinue { data } => {
                    w.i32(11);
                    w.bytes(data);
                }
                Authentication::SaslFinal { data } => {
                    w.i32(12);
                    w.bytes(data);
                }
                Authentication::Other { code, data } => {
                    w.i32(*code);
                    w.bytes(data);
                }
            }
            Ok(())
        })
    }
}

impl fmt::Debug for Authentication {
    // SASL data carries nonces and proofs: sizes only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authentication::Ok => f.write_str("AuthenticationOk"),
            Authentication::CleartextPassword => f.write_str("AuthenticationCleartextPassword"),
            Authentication::Md5Password { .. } => f.write_str("AuthenticationMD5Password"),
            Authentication::Sasl { mechanisms } => write!(f, "AuthenticationSASL({mechanisms:?})"),
            Authentication::SaslContinue { data } => {
                write!(f, "AuthenticationSASLContinue({} bytes)", data.len())
            }
            Authentication::SaslFinal { data } => {
                write!(f, "AuthenticationSASLFinal({} bytes)", data.len())
            }
            Authentication::Other { code, data } => {
                write!(f, "Authentication(code {code}, {} bytes)", data.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn every_authentication_kind_round_trips() {
        let all = [
            Authentication::Ok,
            Authentication::CleartextPassword,
            Authentication::Md5Password { salt: [1, 2, 3, 4] },
            Authentication::Sasl {
                mechanisms: vec!["SCRAM-SHA-256-PLUS".into(), "SCRAM-SHA-256".into()],
            },
            Authentication::SaslContinue {
                data: Bytes::from_static(b"r=abc,s=c2FsdA==,i=4096"),
            },
            Authentication::SaslFinal {
                data: Bytes::from_static(b"v=xyz"),
            },
            Authentication::Other {
                code: 7,
                data: Bytes::new(),
            },
        ];
        for msg in all {
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(Authentication::decode(&one_frame(&buf).body()), Ok(msg));
        }
    }

    #[test]
    fn md5_request_without_its_salt_is_refused() {
        assert!(Authentication::decode(&Bytes::from_static(b"\0\0\0\x05\x01\x02")).is_err());
    }
}
