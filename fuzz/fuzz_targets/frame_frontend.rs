//! Arbitrary client bytes: startup packets, then regular messages, split and decoded.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tuomin::pg::codec::fuzz::frontend(data));
