//! Arbitrary SCRAM messages from an unauthenticated client through the listener's
//! SCRAM server (client-first, then client-final): never panics. The first byte picks
//! what was offered about channel binding; the rest is split at the first 0xff byte.
#![no_main]
use std::sync::OnceLock;

use tuomin::pg::auth::scram_server::{Binding, ScramServer};
use tuomin::pg::auth::verifier::ScramVerifier;

fn verifier() -> &'static ScramVerifier {
    static VERIFIER: OnceLock<ScramVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| ScramVerifier::derive("fuzz-pass", b"fuzz-salt-16byte", 4096))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let end_point = [7u8; 32];
    let binding = match mode % 3 {
        0 => Binding::NotOffered,
        1 => Binding::OfferedNotChosen,
        _ => Binding::Chosen(&end_point),
    };
    let (first, last) = match rest.iter().position(|&b| b == 0xff) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let known = (mode & 0x80 == 0).then(verifier);
    if let Ok((challenge, _server_first)) = ScramServer::start(known, first, binding) {
        let _ = challenge.finish(last);
    }
});
