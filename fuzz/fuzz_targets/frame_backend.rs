//! Arbitrary server bytes: regular messages split and decoded, row values decoded.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tuomin::pg::codec::fuzz::backend(data));
