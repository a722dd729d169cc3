//! `postgres-protocol` as an oracle: messages it encodes decode with our codec to the
//! same fields (and our encoding is byte-identical), and backend messages we encode
//! parse with its decoder to the same fields.

use bytes::{Bytes, BytesMut};
use fallible_iterator::FallibleIterator;
use postgres_protocol::IsNull;
use postgres_protocol::message::{backend, frontend};
use tuomin::pg::codec::backend::{
    Authentication, BackendKeyData, CommandComplete, CopyDirection, CopyResponse, DataRow,
    ErrorResponse, FieldCode, FieldDescription, NoticeResponse, NotificationResponse,
    ParameterDescription, ParameterStatus, ReadyForQuery, RowDescription, TransactionStatus,
};
use tuomin::pg::codec::both::CopyData;
use tuomin::pg::codec::frontend::{
    AuthExpectation, AuthResponseKind, Bind, CancelRequest, Close, CopyFail, Describe, Execute,
    Parse, PasswordMessage, ProtocolVersion, Query, SaslInitialResponse, StartupMessage, Target,
};
use tuomin::pg::codec::{
    BackendMessage, FormatCode, FrameLimits, FrontendMessage, Severity, SqlState, StartupPacket,
    split_message, split_startup,
};

/// Decodes the single regular message in `buf` with our codec.
fn ours(buf: &BytesMut) -> FrontendMessage {
    let mut b = buf.clone();
    let frame = split_message(&mut b, &FrameLimits::FRONTEND)
        .unwrap()
        .unwrap();
    assert!(b.is_empty());
    FrontendMessage::decode(&frame).unwrap()
}

/// Re-encodes with our codec and checks the bytes are identical.
fn same_bytes(msg: &FrontendMessage, theirs: &BytesMut) {
    let mut mine = BytesMut::new();
    msg.encode(&mut mine).unwrap();
    assert_eq!(mine, *theirs, "{msg:?}");
}

#[test]
fn frontend_messages_encoded_by_postgres_protocol_decode_to_the_same_fields() {
    let mut buf = BytesMut::new();
    frontend::query("select * from t where a = 'x'", &mut buf).unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::Query(Query {
            sql: "select * from t where a = 'x'".into()
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    frontend::parse("s1", "select $1, $2", [23u32, 25], &mut buf).unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::Parse(Parse {
            statement: "s1".into(),
            sql: "select $1, $2".into(),
            param_types: vec![23, 25]
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    let values: [Option<&[u8]>; 3] = [Some(b"\0\0\0\x07"), None, Some(b"")];
    frontend::bind(
        "p1",
        "s1",
        [1i16, 0, 0],
        values,
        |v, buf| match v {
            Some(v) => {
                buf.extend_from_slice(v);
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        },
        [1i16],
        &mut buf,
    )
    .map_err(|_| "bind")
    .unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::Bind(Bind {
            portal: "p1".into(),
            statement: "s1".into(),
            param_formats: vec![FormatCode::Binary, FormatCode::Text, FormatCode::Text],
            params: vec![
                Some(Bytes::from_static(b"\0\0\0\x07")),
                None,
                Some(Bytes::new())
            ],
            result_formats: vec![FormatCode::Binary],
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    frontend::describe(b'P', "p1", &mut buf).unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::Describe(Describe {
            target: Target::Portal,
            name: "p1".into()
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    frontend::close(b'S', "s1", &mut buf).unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::Close(Close {
            target: Target::Statement,
            name: "s1".into()
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    frontend::execute("p1", 50, &mut buf).unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::Execute(Execute {
            portal: "p1".into(),
            max_rows: 50
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    frontend::copy_fail("bad input", &mut buf).unwrap();
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::CopyFail(CopyFail {
            message: "bad input".into()
        })
    );
    same_bytes(&m, &buf);

    let mut buf = BytesMut::new();
    frontend::CopyData::new(&b"1\tx\n"[..])
        .unwrap()
        .write(&mut buf);
    let m = ours(&buf);
    assert_eq!(
        m,
        FrontendMessage::CopyData(CopyData {
            data: Bytes::from_static(b"1\tx\n")
        })
    );
    same_bytes(&m, &buf);
}

#[test]
fn frontend_bare_tag_messages_match_postgres_protocol() {
    type Enc = fn(&mut BytesMut);
    let cases: [(Enc, &str); 4] = [
        (frontend::sync, "Sync"),
        (frontend::flush, "Flush"),
        (frontend::terminate, "Terminate"),
        (frontend::copy_done, "CopyDone"),
    ];
    for (enc, name) in cases {
        let mut buf = BytesMut::new();
        enc(&mut buf);
        let m = ours(&buf);
        assert!(format!("{m:?}").starts_with(name), "{m:?}");
        same_bytes(&m, &buf);
    }
}

#[test]
fn authentication_responses_from_postgres_protocol_decode_in_context() {
    let mut buf = BytesMut::new();
    frontend::password_message(b"md5abc", &mut buf).unwrap();
    let FrontendMessage::AuthResponse(p) = ours(&buf) else {
        panic!("not p")
    };
    assert_eq!(
        p.decode_as(AuthExpectation::Password).unwrap(),
        AuthResponseKind::Password(PasswordMessage {
            password: Bytes::from_static(b"md5abc")
        })
    );

    let mut buf = BytesMut::new();
    frontend::sasl_initial_response("SCRAM-SHA-256", b"n,,n=,r=nonce", &mut buf).unwrap();
    let FrontendMessage::AuthResponse(p) = ours(&buf) else {
        panic!("not p")
    };
    assert_eq!(
        p.decode_as(AuthExpectation::SaslInitial).unwrap(),
        AuthResponseKind::SaslInitial(SaslInitialResponse {
            mechanism: "SCRAM-SHA-256".into(),
            data: Some(Bytes::from_static(b"n,,n=,r=nonce"))
        })
    );
    let mine = {
        let mut b = BytesMut::new();
        SaslInitialResponse {
            mechanism: "SCRAM-SHA-256".into(),
            data: Some(Bytes::from_static(b"n,,n=,r=nonce")),
        }
        .encode(&mut b)
        .unwrap();
        b
    };
    assert_eq!(mine, buf);
}

#[test]
fn startup_phase_packets_from_postgres_protocol_decode_and_re_encode_identically() {
    let mut buf = BytesMut::new();
    frontend::startup_message([("user", "alice"), ("database", "bank")], &mut buf).unwrap();
    let theirs = buf.clone();
    let frame = split_startup(&mut buf, &FrameLimits::FRONTEND)
        .unwrap()
        .unwrap();
    let StartupPacket::Startup(m) = StartupPacket::decode(&frame).unwrap() else {
        panic!("not a startup message")
    };
    assert_eq!(m.version, ProtocolVersion::V3_0);
    assert_eq!(m.param("user"), Some("alice"));
    let mut mine = BytesMut::new();
    StartupMessage::encode(&m, &mut mine).unwrap();
    assert_eq!(mine, theirs);

    let mut buf = BytesMut::new();
    frontend::ssl_request(&mut buf);
    let frame = split_startup(&mut buf, &FrameLimits::FRONTEND)
        .unwrap()
        .unwrap();
    assert!(matches!(
        StartupPacket::decode(&frame),
        Ok(StartupPacket::Ssl(_))
    ));

    let mut buf = BytesMut::new();
    frontend::cancel_request(77, 0x0102_0304, &mut buf);
    let frame = split_startup(&mut buf, &FrameLimits::FRONTEND)
        .unwrap()
        .unwrap();
    assert_eq!(
        StartupPacket::decode(&frame).unwrap(),
        StartupPacket::Cancel(CancelRequest {
            process_id: 77,
            secret_key: Bytes::from_static(&[1, 2, 3, 4])
        })
    );
}

/// Encodes with ours, parses with postgres-protocol.
fn theirs(msg: BackendMessage) -> backend::Message {
    let mut buf = BytesMut::new();
    msg.encode(&mut buf).unwrap();
    let parsed = backend::Message::parse(&mut buf).unwrap().unwrap();
    assert!(buf.is_empty());
    parsed
}

#[test]
fn backend_messages_we_encode_parse_with_postgres_protocol() {
    use backend::Message as M;
    assert!(matches!(
        theirs(BackendMessage::Authentication(Authentication::Ok)),
        M::AuthenticationOk
    ));
    match theirs(BackendMessage::Authentication(
        Authentication::Md5Password { salt: [9, 8, 7, 6] },
    )) {
        M::AuthenticationMd5Password(b) => assert_eq!(b.salt(), [9, 8, 7, 6]),
        _ => panic!("md5"),
    }
    match theirs(BackendMessage::Authentication(Authentication::Sasl {
        mechanisms: vec!["SCRAM-SHA-256".into()],
    })) {
        M::AuthenticationSasl(b) => {
            let m: Vec<String> = b.mechanisms().map(|m| Ok(m.to_owned())).collect().unwrap();
            assert_eq!(m, ["SCRAM-SHA-256"]);
        }
        _ => panic!("sasl"),
    }
    match theirs(BackendMessage::BackendKeyData(BackendKeyData {
        process_id: 5,
        secret_key: Bytes::from_static(&[0, 0, 1, 0]),
    })) {
        M::BackendKeyData(b) => assert_eq!((b.process_id(), b.secret_key()), (5, 256)),
        _ => panic!("key"),
    }
    match theirs(BackendMessage::ParameterStatus(ParameterStatus {
        name: "TimeZone".into(),
        value: "UTC".into(),
    })) {
        M::ParameterStatus(b) => {
            assert_eq!((b.name().unwrap(), b.value().unwrap()), ("TimeZone", "UTC"))
        }
        _ => panic!("status"),
    }
    match theirs(BackendMessage::ReadyForQuery(ReadyForQuery {
        status: TransactionStatus::Failed,
    })) {
        M::ReadyForQuery(b) => assert_eq!(b.status(), b'E'),
        _ => panic!("rfq"),
    }
    match theirs(BackendMessage::CommandComplete(CommandComplete {
        command_tag: "UPDATE 3".into(),
    })) {
        M::CommandComplete(b) => assert_eq!(b.tag().unwrap(), "UPDATE 3"),
        _ => panic!("cc"),
    }
    match theirs(BackendMessage::ParameterDescription(ParameterDescription {
        types: vec![23, 1700],
    })) {
        M::ParameterDescription(b) => {
            assert_eq!(b.parameters().collect::<Vec<_>>().unwrap(), [23, 1700])
        }
        _ => panic!("pd"),
    }
    match theirs(BackendMessage::NotificationResponse(NotificationResponse {
        process_id: 3,
        channel: "c".into(),
        payload: "p".into(),
    })) {
        M::NotificationResponse(b) => {
            assert_eq!(
                (b.process_id(), b.channel().unwrap(), b.message().unwrap()),
                (3, "c", "p")
            )
        }
        _ => panic!("notify"),
    }
    match theirs(BackendMessage::CopyResponse(CopyResponse {
        direction: CopyDirection::Out,
        format: FormatCode::Text,
        column_formats: vec![FormatCode::Text; 2],
    })) {
        M::CopyOutResponse(b) => {
            assert_eq!(b.format(), 0);
            assert_eq!(b.column_formats().collect::<Vec<_>>().unwrap(), [0, 0]);
        }
        _ => panic!("copy out"),
    }
}

#[test]
fn row_description_and_data_row_parse_with_postgres_protocol() {
    let rd = RowDescription {
        fields: vec![FieldDescription {
            name: "card_no".into(),
            table_oid: 16390,
            column_attnum: 4,
            type_oid: 1043,
            type_len: -1,
            type_modifier: 23,
            format: FormatCode::Binary,
        }],
    };
    match theirs(BackendMessage::RowDescription(rd)) {
        backend::Message::RowDescription(b) => {
            let mut fields = b.fields();
            let f = fields.next().unwrap().unwrap();
            assert_eq!(
                (
                    f.name(),
                    f.table_oid(),
                    f.column_id(),
                    f.type_oid(),
                    f.type_size(),
                    f.type_modifier(),
                    f.format()
                ),
                ("card_no", 16390, 4, 1043, -1, 23, 1)
            );
            assert!(fields.next().unwrap().is_none());
        }
        _ => panic!("row description"),
    }
    let row = DataRow::from_values([Some(&b"abc"[..]), None, Some(&b""[..])]).unwrap();
    match theirs(BackendMessage::DataRow(row)) {
        backend::Message::DataRow(b) => {
            let buf = b.buffer();
            let values: Vec<Option<Vec<u8>>> = b
                .ranges()
                .map(|r| Ok(r.map(|r| buf[r].to_vec())))
                .collect()
                .unwrap();
            assert_eq!(values, [Some(b"abc".to_vec()), None, Some(vec![])]);
        }
        _ => panic!("data row"),
    }
}

#[test]
fn synthetic_errors_and_notices_parse_with_postgres_protocol() {
    let e = ErrorResponse::new(
        Severity::Error,
        SqlState::INSUFFICIENT_PRIVILEGE,
        "column customers.cvv is C3 and never leaves",
    )
    .with_detail("rule c3.refuse")
    .with_hint("remove the column from the query");
    let fields = |f: backend::ErrorFields<'_>| -> Vec<(u8, String)> {
        f.map(|f| {
            Ok((
                f.type_(),
                String::from_utf8_lossy(f.value_bytes()).into_owned(),
            ))
        })
        .collect()
        .unwrap()
    };
    match theirs(BackendMessage::ErrorResponse(e)) {
        backend::Message::ErrorResponse(b) => assert_eq!(
            fields(b.fields()),
            [
                (b'S', "ERROR".into()),
                (b'V', "ERROR".into()),
                (b'C', "42501".into()),
                (b'M', "column customers.cvv is C3 and never leaves".into()),
                (b'D', "rule c3.refuse".into()),
                (b'H', "remove the column from the query".into()),
            ]
        ),
        _ => panic!("error"),
    }
    let n = NoticeResponse::new(Severity::Notice, SqlState::INTERNAL_ERROR, "n")
        .with(FieldCode::Where, "w");
    match theirs(BackendMessage::NoticeResponse(n)) {
        backend::Message::NoticeResponse(b) => {
            assert_eq!(fields(b.fields()).last(), Some(&(b'W', "w".into())))
        }
        _ => panic!("notice"),
    }
}
