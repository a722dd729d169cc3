//! Messages the server sends: one file each, plus [`BackendMessage`] (any of them, by
//! tag).
//!
//! Startup and authentication: `authentication`, `backend_key_data`,
//! `parameter_status`, `negotiate_protocol_version`. Query cycle: `row_description`,
//! `data_row`, `command_complete`, `empty_query_response`, `ready_for_query` (with
//! [`TransactionStatus`]). Extended protocol: `parse_complete`, `bind_complete`,
//! `close_complete`, `no_data`, `parameter_description`, `portal_suspended`. Errors:
//! `error_fields` (codes and builder), `error_response`, `notice_response`. COPY:
//! `copy_response` (In, Out, Both); CopyData and CopyDone are in `both`. Others:
//! `notification_response`, `function_call_response`.

pub mod authentication;
pub mod backend_key_data;
pub mod bind_complete;
pub mod close_complete;
pub mod command_complete;
pub mod copy_response;
pub mod data_row;
pub mod empty_query_response;
pub mod error_fields;
pub mod error_response;
pub mod function_call_response;
pub mod negotiate_protocol_version;
pub mod no_data;
pub mod notice_response;
pub mod notification_response;
pub mod parameter_description;
pub mod parameter_status;
pub mod parse_complete;
pub mod portal_suspended;
pub mod ready_for_query;
pub mod row_description;

use bytes::BytesMut;

pub use authentication::Authentication;
pub use backend_key_data::BackendKeyData;
pub use bind_complete::BindComplete;
pub use close_complete::CloseComplete;
pub use command_complete::CommandComplete;
pub use copy_response::{CopyDirection, CopyResponse};
pub use data_row::DataRow;
pub use empty_query_response::EmptyQueryResponse;
pub use error_fields::{ErrorFields, FieldCode};
pub use error_response::ErrorResponse;
pub use function_call_response::FunctionCallResponse;
pub use negotiate_protocol_version::NegotiateProtocolVersion;
pub use no_data::NoData;
pub use notice_response::NoticeResponse;
pub use notification_response::NotificationResponse;
pub use parameter_description::ParameterDescription;
pub use parameter_status::ParameterStatus;
pub use parse_complete::ParseComplete;
pub use portal_suspended::PortalSuspended;
pub use ready_for_query::{ReadyForQuery, TransactionStatus};
pub use row_description::{FieldDescription, RowDescription};

use super::both::{CopyData, CopyDone};
use super::{BackendTag, DecodeError, EncodeError, Frame};

/// Any message from the server. An unknown tag is an error, not a pass-through (see
/// [`BackendTag`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendMessage {
    /// `R`
    Authentication(Authentication),
    /// `K`
    BackendKeyData(BackendKeyData),
    /// `2`
    BindComplete(BindComplete),
    /// `3`
    CloseComplete(CloseComplete),
    /// `C`
    CommandComplete(CommandComplete),
    /// `d`
    CopyData(CopyData),
    /// `c`
    CopyDone(CopyDone),
    /// `G`, `H`, `W`
    CopyResponse(CopyResponse),
    /// `D`
    DataRow(DataRow),
    /// `I`
    EmptyQueryResponse(EmptyQueryResponse),
    /// `E`
    ErrorResponse(ErrorResponse),
    /// `V`
    FunctionCallResponse(FunctionCallResponse),
    /// `v`
    NegotiateProtocolVersion(NegotiateProtocolVersion),
    /// `n`
    NoData(NoData),
    /// `N`
    NoticeResponse(NoticeResponse),
    /// `A`
    NotificationResponse(NotificationResponse),
    /// `t`
    ParameterDescription(ParameterDescription),
    /// `S`
    ParameterStatus(ParameterStatus),
    /// `1`
    ParseComplete(ParseComplete),
    /// `s`
    PortalSuspended(PortalSuspended),
    /// `Z`
    ReadyForQuery(ReadyForQuery),
    /// `T`
    RowDescription(RowDescription),
}

impl BackendMessage {
    /// Decodes a frame from the server.
    pub fn decode(frame: &Frame) -> Result<Self, DecodeError> {
        use BackendMessage as M;
        let body = frame.body();
        let b = &body;
        Ok(match frame.backend_tag()? {
            BackendTag::Authentication => M::Authentication(Authentication::decode(b)?),
            BackendTag::BackendKeyData => M::BackendKeyData(BackendKeyData::decode(b)?),
            BackendTag::BindComplete => M::BindComplete(BindComplete::decode(b)?),
            BackendTag::CloseComplete => M::CloseComplete(CloseComplete::decode(b)?),
            BackendTag::CommandComplete => M::CommandComplete(CommandComplete::decode(b)?),
            BackendTag::CopyData => M::CopyData(CopyData::decode(b)?),
            BackendTag::CopyDone => M::CopyDone(CopyDone::decode(b)?),
            BackendTag::CopyInResponse => {
                M::CopyResponse(CopyResponse::decode(CopyDirection::In, b)?)
            }
            BackendTag::CopyOutResponse => {
                M::CopyResponse(CopyResponse::decode(CopyDirection::Out, b)?)
            }
            BackendTag::CopyBothResponse => {
                M::CopyResponse(CopyResponse::decode(CopyDirection::Both, b)?)
            }
            BackendTag::DataRow => M::DataRow(DataRow::decode(b)?),
            BackendTag::EmptyQueryResponse => M::EmptyQueryResponse(EmptyQueryResponse::decode(b)?),
            BackendTag::ErrorResponse => M::ErrorResponse(ErrorResponse::decode(b)?),
            BackendTag::FunctionCallResponse => {
                M::FunctionCallResponse(FunctionCallResponse::decode(b)?)
            }
            BackendTag::NegotiateProtocolVersion => {
                M::NegotiateProtocolVersion(NegotiateProtocolVersion::decode(b)?)
            }
            BackendTag::NoData => M::NoData(NoData::decode(b)?),
            BackendTag::NoticeResponse => M::NoticeResponse(NoticeResponse::decode(b)?),
            BackendTag::NotificationResponse => {
                M::NotificationResponse(NotificationResponse::decode(b)?)
            }
            BackendTag::ParameterDescription => {
                M::ParameterDescription(ParameterDescription::decode(b)?)
            }
            BackendTag::ParameterStatus => M::ParameterStatus(ParameterStatus::decode(b)?),
            BackendTag::ParseComplete => M::ParseComplete(ParseComplete::decode(b)?),
            BackendTag::PortalSuspended => M::PortalSuspended(PortalSuspended::decode(b)?),
            BackendTag::ReadyForQuery => M::ReadyForQuery(ReadyForQuery::decode(b)?),
            BackendTag::RowDescription => M::RowDescription(RowDescription::decode(b)?),
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        use BackendMessage as M;
        match self {
            M::Authentication(m) => m.encode(buf),
            M::BackendKeyData(m) => m.encode(buf),
            M::BindComplete(m) => m.encode(buf),
            M::CloseComplete(m) => m.encode(buf),
            M::CommandComplete(m) => m.encode(buf),
            M::CopyData(m) => m.encode(buf),
            M::CopyDone(m) => m.encode(buf),
            M::CopyResponse(m) => m.encode(buf),
            M::DataRow(m) => m.encode(buf),
            M::EmptyQueryResponse(m) => m.encode(buf),
            M::ErrorResponse(m) => m.encode(buf),
            M::FunctionCallResponse(m) => m.encode(buf),
            M::NegotiateProtocolVersion(m) => m.encode(buf),
            M::NoData(m) => m.encode(buf),
            M::NoticeResponse(m) => m.encode(buf),
            M::NotificationResponse(m) => m.encode(buf),
            M::ParameterDescription(m) => m.encode(buf),
            M::ParameterStatus(m) => m.encode(buf),
            M::ParseComplete(m) => m.encode(buf),
            M::PortalSuspended(m) => m.encode(buf),
            M::ReadyForQuery(m) => m.encode(buf),
            M::RowDescription(m) => m.encode(buf),
        }
    }
}
