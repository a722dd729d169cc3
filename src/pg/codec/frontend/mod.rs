//! Messages the client sends: one file each, plus [`FrontendMessage`] (any regular
//! message, by tag) and [`StartupPacket`] (any startup-phase packet, by code).
//!
//! Startup phase: `startup_message`, `ssl_request`, `gssenc_request`,
//! `cancel_request`. Authentication (tag `p`, decoded in context): `auth_response`,
//! `password_message`, `sasl_initial_response`, `sasl_response`. Simple protocol:
//! `query`. Extended protocol: `parse`, `bind`, `describe`, `execute`, `close`, `sync`,
//! `flush` (with `target` for Describe/Close and `params` for the value lists).
//! COPY: `copy_fail` (CopyData and CopyDone are in `both`). Others: `function_call`,
//! `terminate`.

pub mod auth_response;
pub mod bind;
pub mod cancel_request;
pub mod close;
pub mod copy_fail;
pub mod describe;
pub mod execute;
pub mod flush;
pub mod function_call;
pub mod gssenc_request;
mod params;
pub mod parse;
pub mod password_message;
pub mod query;
pub mod sasl_initial_response;
pub mod sasl_response;
pub mod ssl_request;
pub mod startup_message;
pub mod sync;
pub mod target;
pub mod terminate;

use bytes::BytesMut;

pub use auth_response::{AuthExpectation, AuthResponse, AuthResponseKind};
pub use bind::Bind;
pub use cancel_request::CancelRequest;
pub use close::Close;
pub use copy_fail::CopyFail;
pub use describe::Describe;
pub use execute::Execute;
pub use flush::Flush;
pub use function_call::FunctionCall;
pub use gssenc_request::GssEncRequest;
pub use parse::Parse;
pub use password_message::PasswordMessage;
pub use query::Query;
pub use sasl_initial_response::SaslInitialResponse;
pub use sasl_response::SaslResponse;
pub use ssl_request::SslRequest;
pub use startup_message::{ProtocolVersion, StartupMessage};
pub use sync::Sync;
pub use target::Target;
pub use terminate::Terminate;

use super::both::{CopyData, CopyDone};
use super::{DecodeError, EncodeError, Frame, FrontendTag, StartupFrame};

/// A startup-phase packet, told apart by its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartupPacket {
    /// StartupMessage (protocol 3.x).
    Startup(StartupMessage),
    /// SSLRequest.
    Ssl(SslRequest),
    /// GSSENCRequest.
    GssEnc(GssEncRequest),
    /// CancelRequest.
    Cancel(CancelRequest),
}

impl StartupPacket {
    /// Decodes a startup-phase frame; unknown codes and protocol majors other than 3
    /// are errors.
    pub fn decode(frame: &StartupFrame) -> Result<Self, DecodeError> {
        let body = frame.body();
        Ok(match frame.code() {
            SslRequest::CODE => StartupPacket::Ssl(SslRequest::decode(&body)?),
            GssEncRequest::CODE => StartupPacket::GssEnc(GssEncRequest::decode(&body)?),
            CancelRequest::CODE => StartupPacket::Cancel(CancelRequest::decode(&body)?),
            _ => StartupPacket::Startup(StartupMessage::decode(&body)?),
        })
    }

    /// Appends the packet to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            StartupPacket::Startup(m) => m.encode(buf),
            StartupPacket::Ssl(m) => m.encode(buf),
            StartupPacket::GssEnc(m) => m.encode(buf),
            StartupPacket::Cancel(m) => m.encode(buf),
        }
    }
}

/// Any regular message from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontendMessage {
    /// `B`
    Bind(Bind),
    /// `C`
    Close(Close),
    /// `d`
    CopyData(CopyData),
    /// `c`
    CopyDone(CopyDone),
    /// `f`
    CopyFail(CopyFail),
    /// `D`
    Describe(Describe),
    /// `E`
    Execute(Execute),
    /// `H`
    Flush(Flush),
    /// `F`
    FunctionCall(FunctionCall),
    /// `p`, to be decoded in context.
    AuthResponse(AuthResponse),
    /// `P`
    Parse(Parse),
    /// `Q`
    Query(Query),
    /// `S`
    Sync(Sync),
    /// `X`
    Terminate(Terminate),
}

impl FrontendMessage {
    /// Decodes a regular frame from the client; an unknown tag is an error.
    pub fn decode(frame: &Frame) -> Result<Self, DecodeError> {
        let body = frame.body();
        let b = &body;
        Ok(match frame.frontend_tag()? {
            FrontendTag::Bind => FrontendMessage::Bind(Bind::decode(b)?),
            FrontendTag::Close => FrontendMessage::Close(Close::decode(b)?),
            FrontendTag::CopyData => FrontendMessage::CopyData(CopyData::decode(b)?),
            FrontendTag::CopyDone => FrontendMessage::CopyDone(CopyDone::decode(b)?),
            FrontendTag::CopyFail => FrontendMessage::CopyFail(CopyFail::decode(b)?),
            FrontendTag::Describe => FrontendMessage::Describe(Describe::decode(b)?),
            FrontendTag::Execute => FrontendMessage::Execute(Execute::decode(b)?),
            FrontendTag::Flush => FrontendMessage::Flush(Flush::decode(b)?),
            FrontendTag::FunctionCall => FrontendMessage::FunctionCall(FunctionCall::decode(b)?),
            FrontendTag::AuthResponse => FrontendMessage::AuthResponse(AuthResponse::decode(b)?),
            FrontendTag::Parse => FrontendMessage::Parse(Parse::decode(b)?),
            FrontendTag::Query => FrontendMessage::Query(Query::decode(b)?),
            FrontendTag::Sync => FrontendMessage::Sync(Sync::decode(b)?),
            FrontendTag::Terminate => FrontendMessage::Terminate(Terminate::decode(b)?),
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            FrontendMessage::Bind(m) => m.encode(buf),
            FrontendMessage::Close(m) => m.encode(buf),
            FrontendMessage::CopyData(m) => m.encode(buf),
            FrontendMessage::CopyDone(m) => m.encode(buf),
            FrontendMessage::CopyFail(m) => m.encode(buf),
            FrontendMessage::Describe(m) => m.encode(buf),
            FrontendMessage::Execute(m) => m.encode(buf),
            FrontendMessage::Flush(m) => m.encode(buf),
            FrontendMessage::FunctionCall(m) => m.encode(buf),
            FrontendMessage::AuthResponse(m) => m.encode(buf),
            FrontendMessage::Parse(m) => m.encode(buf),
            FrontendMessage::Query(m) => m.encode(buf),
            FrontendMessage::Sync(m) => m.encode(buf),
            FrontendMessage::Terminate(m) => m.encode(buf),
        }
    }
}
