//! Arbitrary statement texts through the gate's shape lexer: never panics.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sql) = std::str::from_utf8(data)
        && let Some(shape) = tuomin::sql::shape::shape_of(sql)
    {
        assert!(shape.kinds.chars().all(|k| k == 's' || k == 'n'));
    }
});
