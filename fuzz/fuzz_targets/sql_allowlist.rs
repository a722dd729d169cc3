//! Arbitrary statement texts through the read-only allowlist's lexer and classifier
//! (`pg::sqltext`): never panics, and a text it lets through holds no statement it
//! could not read.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sql) = std::str::from_utf8(data)
        && let Ok(statements) = tuomin::pg::sqltext::readonly::classify(sql)
    {
        assert!(!statements.is_empty());
    }
});
