//! Entry points for the fuzz targets in `fuzz/` (kept here so the targets stay
//! three-line wrappers and this code is compiled and tested with the crate).

use bytes::BytesMut;

use super::frontend::{AuthExpectation, StartupPacket};
use super::{BackendMessage, FrameLimits, FrontendMessage, split_message, split_startup};
use crate::pg::values::{TypeOid, decode_binary};

const LIMITS: FrameLimits = FrameLimits {
    startup: 4096,
    message: 1 << 20,
};

/// Splits and decodes `data` as a client stream: one startup packet, then messages.
pub fn frontend(data: &[u8]) {
    let mut buf = BytesMut::from(data);
    if let Ok(Some(frame)) = split_startup(&mut buf, &LIMITS) {
        let _ = StartupPacket::decode(&frame);
    }
    while let Ok(Some(frame)) = split_message(&mut buf, &LIMITS) {
        if let Ok(FrontendMessage::AuthResponse(p)) = FrontendMessage::decode(&frame) {
            for e in [
                AuthExpectation::Password,
                AuthExpectation::SaslInitial,
                AuthExpectation::SaslContinue,
            ] {
                let _ = p.decode_as(e);
            }
        }
    }
}

/// Splits and decodes `data` as a server stream; every DataRow value is decoded as
/// every supported type.
pub fn backend(data: &[u8]) {
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = split_message(&mut buf, &LIMITS) {
        if let Ok(BackendMessage::DataRow(row)) = BackendMessage::decode(&frame) {
            for value in row.values().flatten() {
                for oid in TypeOid::SUPPORTED {
                    let _ = decode_binary(*oid, &value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuzz_entry_points_accept_garbage_and_valid_streams() {
        super::frontend(b"\0\0\0\x08\x04\xd2\x16\x2fQ\0\0\0\x05\0p\0\0\0\x04");
        super::backend(b"D\0\0\0\x0c\0\x01\0\0\0\x02\x01\x02");
        super::backend(b"\xff\xff\xff\xff\xff");
    }
}
