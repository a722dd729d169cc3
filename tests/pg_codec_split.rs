//! Framing under adversarial reads: a valid stream fed one byte at a time or in random
//! chunks yields the same frames as fed whole; arbitrary bytes never panic the
//! splitter, any message decoder or any value codec.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use tuomin::pg::codec::backend::{
    Authentication, BackendKeyData, CommandComplete, DataRow, ErrorResponse, FieldDescription,
    ReadyForQuery, RowDescription, TransactionStatus,
};
use tuomin::pg::codec::frontend::{
    AuthExpectation, AuthResponse, Bind, Execute, Parse, ProtocolVersion, Query, StartupMessage,
    Sync,
};
use tuomin::pg::codec::{
    BackendMessage, BackendTag, FormatCode, Frame, FrameError, FrameLimits, FrontendMessage,
    FrontendTag, Severity, SqlState, StartupPacket, split_message, split_startup, write_message,
};
use tuomin::pg::values::{self, TypeOid};

/// A pipeline a client might send: simple query, then an extended-protocol batch.
fn frontend_stream() -> BytesMut {
    let mut buf = BytesMut::new();
    Query {
        sql: "select 1; select 'two'".into(),
    }
    .encode(&mut buf)
    .unwrap();
    Parse {
        statement: "s".into(),
        sql: "select $1::int".into(),
        param_types: vec![23],
    }
    .encode(&mut buf)
    .unwrap();
    Bind {
        portal: String::new(),
        statement: "s".into(),
        param_formats: vec![FormatCode::Binary],
        params: vec![Some(Bytes::from_static(&[0, 0, 0, 7])), None],
        result_formats: vec![],
    }
    .encode(&mut buf)
    .unwrap();
    Execute {
        portal: String::new(),
        max_rows: 0,
    }
    .encode(&mut buf)
    .unwrap();
    Sync.encode(&mut buf).unwrap();
    buf
}

/// What a server might answer, including a large row.
fn backend_stream() -> BytesMut {
    let mut buf = BytesMut::new();
    Authentication::Ok.encode(&mut buf).unwrap();
    BackendKeyData {
        process_id: 1,
        secret_key: Bytes::from(vec![5u8; 32]),
    }
    .encode(&mut buf)
    .unwrap();
    RowDescription {
        fields: vec![FieldDescription {
            name: "note".into(),
            table_oid: 16384,
            column_attnum: 2,
            type_oid: 25,
            type_len: -1,
            type_modifier: -1,
            format: FormatCode::Text,
        }],
    }
    .encode(&mut buf)
    .unwrap();
    let big = vec![b'x'; 70_000];
    DataRow::from_values([Some(&big[..]), None])
        .unwrap()
        .encode(&mut buf)
        .unwrap();
    CommandComplete {
        command_tag: "SELECT 1".into(),
    }
    .encode(&mut buf)
    .unwrap();
    ErrorResponse::new(Severity::Error, SqlState::QUERY_CANCELED, "canceled")
        .encode(&mut buf)
        .unwrap();
    ReadyForQuery {
        status: TransactionStatus::Idle,
    }
    .encode(&mut buf)
    .unwrap();
    buf
}

fn split_all(whole: &[u8]) -> Vec<Frame> {
    let mut buf = BytesMut::from(whole);
    let mut frames = Vec::new();
    while let Some(f) = split_message(&mut buf, &FrameLimits::BACKEND).unwrap() {
        frames.push(f);
    }
    assert!(buf.is_empty());
    frames
}

/// Feeds `whole` in chunks of the given sizes (cycled), splitting after each chunk.
fn split_chunked(whole: &[u8], sizes: &[usize]) -> Vec<Frame> {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < whole.len() {
        let n = sizes[i % sizes.len()].max(1).min(whole.len() - at);
        buf.extend_from_slice(&whole[at..at + n]);
        at += n;
        i += 1;
        while let Some(f) = split_message(&mut buf, &FrameLimits::BACKEND).unwrap() {
            frames.push(f);
        }
    }
    assert!(buf.is_empty());
    frames
}

#[test]
fn frontend_stream_fed_one_byte_at_a_time_yields_the_same_frames() {
    let whole = frontend_stream();
    let frames = split_chunked(&whole, &[1]);
    assert_eq!(frames, split_all(&whole));
    assert_eq!(frames.len(), 5);
    for f in &frames {
        FrontendMessage::decode(f).unwrap();
    }
}

#[test]
fn backend_stream_fed_one_byte_at_a_time_yields_the_same_frames() {
    let whole = backend_stream();
    let frames = split_chunked(&whole, &[1]);
    assert_eq!(frames, split_all(&whole));
    for f in &frames {
        BackendMessage::decode(f).unwrap();
    }
}

#[test]
fn frames_keep_the_original_bytes_for_byte_for_byte_forwarding() {
    let whole = backend_stream();
    let rejoined: Vec<u8> = split_all(&whole)
        .iter()
        .flat_map(|f| f.as_bytes().to_vec())
        .collect();
    assert_eq!(rejoined, whole.to_vec());
}

#[test]
fn startup_packet_fed_one_byte_at_a_time_is_cut_once_whole() {
    let mut whole = BytesMut::new();
    StartupMessage {
        version: ProtocolVersion::V3_0,
        params: vec![("user".into(), "u".into()), ("database".into(), "d".into())],
    }
    .encode(&mut whole)
    .unwrap();
    let mut buf = BytesMut::new();
    for (i, b) in whole.iter().enumerate() {
        buf.extend_from_slice(&[*b]);
        let got = split_startup(&mut buf, &FrameLimits::FRONTEND).unwrap();
        assert_eq!(got.is_some(), i == whole.len() - 1);
        if let Some(frame) = got {
            assert!(matches!(
                StartupPacket::decode(&frame),
                Ok(StartupPacket::Startup(_))
            ));
        }
    }
}

#[test]
fn a_client_message_over_the_default_cap_is_too_large() {
    let mut buf = BytesMut::from(&b"Q\x10\0\0\0"[..]);
    assert!(matches!(
        split_message(&mut buf, &FrameLimits::FRONTEND),
        Err(FrameError::TooLarge { len, cap, .. }) if len == 0x1000_0001 && cap == 64 * 1024 * 1024
    ));
}

proptest! {
    #[test]
    fn random_chunk_splits_yield_identical_frames(sizes in prop::collection::vec(1usize..2000, 1..20)) {
        let mut whole = frontend_stream();
        whole.extend_from_slice(&backend_stream());
        prop_assert_eq!(split_chunked(&whole, &sizes), split_all(&whole));
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_splitter_or_decoders(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let limits = FrameLimits { startup: 256, message: 256 };
        let mut buf = BytesMut::from(&data[..]);
        if let Ok(Some(frame)) = split_startup(&mut buf, &limits) {
            let _ = StartupPacket::decode(&frame);
        }
        let mut buf = BytesMut::from(&data[..]);
        while let Ok(Some(frame)) = split_message(&mut buf, &limits) {
            let _ = FrontendMessage::decode(&frame);
            let _ = BackendMessage::decode(&frame);
        }
    }

    #[test]
    fn arbitrary_bodies_under_every_tag_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let tags = FrontendTag::ALL.iter().map(|t| u8::from(*t))
            .chain(BackendTag::ALL.iter().map(|t| u8::from(*t)));
        for tag in tags {
            let mut buf = BytesMut::new();
            write_message(&mut buf, Some(tag), |w| { w.bytes(&body); Ok(()) }).unwrap();
            let frame = split_message(&mut buf, &FrameLimits::BACKEND).unwrap().unwrap();
            let _ = FrontendMessage::decode(&frame);
            if let Ok(BackendMessage::DataRow(row)) = BackendMessage::decode(&frame) {
                prop_assert_eq!(row.values().count(), row.len());
            }
        }
        let p = AuthResponse { body: Bytes::from(body.clone()) };
        for e in [AuthExpectation::Password, AuthExpectation::SaslInitial, AuthExpectation::SaslContinue] {
            let _ = p.decode_as(e);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_value_codecs(raw in prop::collection::vec(any::<u8>(), 0..40)) {
        for oid in TypeOid::SUPPORTED {
            if let Ok(text) = values::decode_binary(*oid, &raw) {
                // Whatever decodes must encode again.
                prop_assert!(values::encode_binary(*oid, &text).is_ok(), "{} {:?}", oid, raw);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_value_codecs(text in ".{0,40}", typmod in -1i32..200_000) {
        for oid in TypeOid::SUPPORTED {
            if let Ok(raw) = values::encode_binary(*oid, &text) {
                prop_assert!(values::decode_binary(*oid, &raw).is_ok());
            }
            let _ = values::type_constraint(*oid, typmod).check(*oid, &text);
        }
    }

    #[test]
    fn numeric_text_round_trips_through_binary(int in "[0-9]{0,30}", frac in "[0-9]{0,20}", neg in any::<bool>()) {
        prop_assume!(!(int.is_empty() && frac.is_empty()));
        let text = format!("{}{}{}{}", if neg { "-" } else { "" }, int, if frac.is_empty() { "" } else { "." }, frac);
        let raw = values::encode_binary(TypeOid::NUMERIC, &text).unwrap();
        let back = values::decode_binary(TypeOid::NUMERIC, &raw).unwrap();
        // Canonical form: no leading zeros, "0" before a bare point, no "-0".
        let trimmed = int.trim_start_matches('0');
        let canon_int = if trimmed.is_empty() { "0" } else { trimmed };
        let zero = canon_int == "0" && frac.bytes().all(|b| b == b'0');
        let want = format!("{}{}{}{}", if neg && !zero { "-" } else { "" }, canon_int, if frac.is_empty() { "" } else { "." }, frac);
        prop_assert_eq!(back, want);
    }

    #[test]
    fn timestamps_round_trip_through_text(us in -211_813_488_000_000_000i64..9_223_371_331_200_000_000) {
        let raw = us.to_be_bytes();
        for oid in [TypeOid::TIMESTAMP, TypeOid::TIMESTAMPTZ] {
            let text = values::decode_binary(oid, &raw).unwrap();
            prop_assert_eq!(&values::encode_binary(oid, &text).unwrap()[..], &raw[..], "{}", text);
        }
    }

    #[test]
    fn floats_round_trip_through_text(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(!v.is_nan());
        let text = values::decode_binary(TypeOid::FLOAT8, &bits.to_be_bytes()).unwrap();
        let raw = values::encode_binary(TypeOid::FLOAT8, &text).unwrap();
        prop_assert_eq!(&raw[..], &bits.to_be_bytes()[..], "{}", text);
    }
}
